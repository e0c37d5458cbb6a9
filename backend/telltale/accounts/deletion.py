"""Deleting a user and everything Telltale holds of them: the API's, the dashboard's and `telltale user delete`'s.

In the order that leaves nothing behind if it stops half way (the database or Redis fails): linked
mailboxes first, revoked at their provider while their tokens can still be read; then the
messages' links marked gone, then the messages in slices; the user's row last, taking their tokens,
pairing codes, push subscriptions, Apprise URLs, opt-outs and teams with it. Asking again finishes
the job. Redis is cleaned last: live event history, popup state, jobs that name the user.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select

from .. import queue
from ..gone import mark_gone
from ..live.revocations import announce_on_commit
from ..live.stream import stream_key
from ..services import Services
from ..store import purge
from ..store.models import ApiToken, LinkedAccount, User
from . import linking

log = logging.getLogger(__name__)
# rq jobs whose first argument is a user id, an account id, or a list of notices naming users.
_USER_JOBS = {queue.DIGEST_JOB, queue.RELEASE_JOB}
_ACCOUNT_JOBS = {queue.POLL_JOB}


@dataclass
class Deleted:
    messages: int = 0
    events: int = 0
    # What each linked mailbox's provider said: revoked there, or where the user must remove us.
    mailboxes: list[str] = field(default_factory=list)


def delete_user(svc: Services, user_id: int) -> Deleted:
    """Delete the user `user_id` and all their data; raise LookupError if there is no such user."""
    done = Deleted()
    with svc.sessions.begin() as session:
        if session.get(User, user_id) is None:
            raise LookupError(f"no user {user_id}")
        accounts = list(session.scalars(select(LinkedAccount).where(LinkedAccount.user_id == user_id)))
        account_ids = [account.id for account in accounts]
        for account in accounts:
            done.mailboxes.append(linking.unlink(svc, session, account)[1])
    while True:
        with svc.sessions() as session:
            ids = purge.messages_of(session, user_id)
        if not ids:
            break
        mark_gone(svc.redis, ids)
        done.events += purge.delete_in_slices(svc.sessions, ids)
        done.messages += len(ids)
        _forget_messages(svc.redis, ids)
    with svc.sessions.begin() as session:
        # Open sockets authenticated with the user's tokens close at once, not at their next reconnect.
        for token_id in session.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id)):
            announce_on_commit(session, svc.redis, token_id)
        user = session.get(User, user_id)
        if user is not None:
            session.delete(user)
    _forget_user(svc.redis, user_id, account_ids)
    log.info("deleted user %s: %d messages, %d events, %d mailboxes", user_id, done.messages, done.events,
             len(done.mailboxes))
    return done


def _forget_messages(conn: redis.Redis, message_ids: list[int]) -> None:
    # Whether a popup was already told for each message (worker/publish.py), a day at most.
    keys = [f"telltale:told:{what}:{message_id}" for message_id in message_ids for what in ("public", "forwarded")]
    conn.delete(*keys)


def _forget_user(conn: redis.Redis, user_id: int, account_ids: list[int]) -> None:
    keys = [stream_key(user_id), f"telltale:digest:enqueued:{user_id}"]
    keys += conn.scan_iter(match=f"telltale:popup:{user_id}:*", count=1000)
    keys += [f"telltale:replies:polling:{account_id}" for account_id in account_ids]
    conn.delete(*keys)
    for key in conn.scan_iter(match="rq:job:*", count=1000):
        _drop_job_of(conn, key.decode().removeprefix("rq:job:"), user_id, set(account_ids))


def _drop_job_of(conn: redis.Redis, job_id: str, user_id: int, account_ids: set[int]) -> None:
    """Delete a job that names the user: a digest or held popups to send, a mailbox to poll, pushes
    carrying their subjects (kept by rq after running, for its result's time)."""
    try:
        job = Job.fetch(job_id, connection=conn)
        name, args = job.func_name, job.args
    except (NoSuchJobError, ValueError, TypeError, AttributeError, ImportError):
        return  # finished and gone meanwhile, or not ours
    mine = ((name in _USER_JOBS and args[:1] == (user_id,))
            or (name in _ACCOUNT_JOBS and args[:1] and args[0] in account_ids)
            or (name == queue.PUSH_JOB and args[:1] and any(notice.get("user_id") == user_id for notice in args[0])))
    if mine:
        job.delete()
