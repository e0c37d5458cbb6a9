"""The retention purge, run from the worker's sweeper at most once an interval across all workers.

What it deletes or cuts, each in short transactions of its own (store/purge.py):
- messages past their retention (TELLTALE_RETENTION_DAYS, or their user's shorter choice), whole
  with their events, so every counter left still agrees with the events left;
- whole IP addresses older than TELLTALE_FULL_IP_RETENTION_HOURS: in the spool and the Redis
  backlog (hits waiting to be stored), and in stored events when the owner keeps whole addresses.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis

from .. import queue
from ..gone import mark_gone
from ..services import Services
from ..store import purge as store

log = logging.getLogger(__name__)
PURGED_KEY = "telltale:retention:purged"
# Where the cut of stored whole addresses has got to: "<iso time>|<event id>".
BOOKMARK_KEY = "telltale:retention:ips-cut-through"
PURGE_EVERY = 3600
# One pass stops after this long and the next sweep goes on: a first purge of years of data must
# not hold the sweeper (which also replays the spool) for minutes.
PASS_BUDGET_SECONDS = 20


@dataclass
class Purged:
    messages: int = 0
    events: int = 0
    event_addresses: int = 0
    waiting_addresses: int = 0
    finished: bool = True


def check_retention(svc: Services) -> Purged | None:
    """Purge at most once a PURGE_EVERY across all workers."""
    if not svc.redis.set(PURGED_KEY, b"1", nx=True, ex=PURGE_EVERY):
        return None
    return purge(svc)


def purge(svc: Services, now: datetime | None = None, budget: float = PASS_BUDGET_SECONDS) -> Purged:
    """One pass of everything above; `now` lets an owner's command and the tests look ahead in time."""
    now = now or datetime.now(UTC)
    deadline = time.monotonic() + budget
    settings = svc.settings
    done = Purged()
    address_cutoff = now - timedelta(hours=settings.full_ip_retention_hours)
    done.waiting_addresses = cut_waiting_addresses(svc, address_cutoff)
    while time.monotonic() < deadline:
        with svc.sessions() as session:
            ids = store.expired_messages(session, settings.retention_days, now)
        if not ids:
            break
        done.events += delete_messages(svc, ids, deadline)
        done.messages += len(ids)
    else:
        done.finished = False
    if settings.store_full_ip:
        done.event_addresses, cut_all = _cut_event_addresses(svc, address_cutoff, deadline)
        done.finished = done.finished and cut_all
    if done.messages or done.event_addresses or done.waiting_addresses:
        log.info("retention: deleted %d messages and %d events; cut %d stored and %d waiting addresses%s",
                 done.messages, done.events, done.event_addresses, done.waiting_addresses,
                 "" if done.finished else " (more next time)")
    return done


def delete_messages(svc: Services, ids: list[int], deadline: float | None = None) -> int:
    """Delete `ids` with their events, a slice per transaction; their links stop redirecting.

    The links are marked gone first: a message half deleted when Redis fails is retried by the next
    pass, and a link must not lead on in between.
    """
    mark_gone(svc.redis, ids)
    return store.delete_in_slices(svc.sessions, ids, deadline)


def cut_waiting_addresses(svc: Services, cutoff: datetime) -> int:
    """Cut whole addresses in hits that have waited past `cutoff`, on disk and in Redis: the worker
    was down that long, and the hits wait on, but not with whole addresses."""
    cut = svc.spool.cut_addresses(cutoff.timestamp())
    try:
        cut += queue.cut_waiting_addresses(svc.redis, cutoff.timestamp())
    except redis.RedisError as exc:
        log.warning("could not cut addresses in hits waiting in Redis: %s", exc)
    return cut


_next_spool_cut = 0.0


def cut_spool_if_due(svc: Services) -> int:
    """While Redis is down, the spool is all there is to cut: at most once a PURGE_EVERY in this process."""
    global _next_spool_cut
    if time.monotonic() < _next_spool_cut:
        return 0
    _next_spool_cut = time.monotonic() + PURGE_EVERY
    return svc.spool.cut_addresses((datetime.now(UTC) - timedelta(hours=svc.settings.full_ip_retention_hours))
                                   .timestamp())


def _cut_event_addresses(svc: Services, cutoff: datetime, deadline: float) -> tuple[int, bool]:
    bookmark = _bookmark(svc.redis.get(BOOKMARK_KEY))
    cut = 0
    while time.monotonic() < deadline:
        with svc.sessions.begin() as session:
            changed, after = store.cut_event_addresses(session, cutoff, bookmark)
        cut += changed
        if after == bookmark:
            return cut, True
        bookmark = after
        svc.redis.set(BOOKMARK_KEY, f"{bookmark[0].isoformat()}|{bookmark[1]}")
    return cut, False


def _bookmark(raw: bytes | None) -> tuple[datetime, str] | None:
    if not raw:
        return None
    at, _, event_id = raw.decode().partition("|")
    return datetime.fromisoformat(at), event_id
