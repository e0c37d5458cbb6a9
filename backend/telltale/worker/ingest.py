"""rq jobs that move hits from the Redis list into the store.

One drainer at a time holds a short lock and reads the head of the list; it trims what it read
only after the store has committed it, and only while it still holds the lock. A drainer killed
mid-way leaves its hits at the head of the list for the next one, and the hit id makes storing
them again a no-op: at-least-once delivery, stored exactly once.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from datetime import timedelta

import orjson
from sqlalchemy import exc as db_errors
from sqlalchemy.orm import Session

from .. import queue
from ..classify.batch import Judged
from ..counting import counts
from ..errors import HitsNotStored
from ..services import Services, services
from ..store.contexts import message_contexts, tracked_messages
from ..store.counters import bump_counters
from ..store.events import insert_new_events, note_readings, notification_preferences, set_aside_bursts
from ..store.protected import note_views
from .memory import give_back
from .publish import preferences, publish

log = logging.getLogger(__name__)
# How far back from a reading hop its open may be: the chain's last mark, with room for slow links.
READING_WINDOW = timedelta(minutes=2)
# Hits per transaction: each chunk pays a fixed dozen queries and round trips. Of 200 messages,
# 500 hits stored 4.8k hits/s, 1,000 stored 5.9-6.6k and 2,000 7.1-8.6k (`make bench`, worker). As
# served (`make bench`, served, 2 pairs), 2,000 drained the load's backlog in 3-5 s, 1,000 in 18 s.
# Beyond 2,000 the rate was within the noise. A quiet list gives small chunks whatever this is.
CHUNK = 2000
LOCK_TTL_MS = 15_000
# A drain hands over to a fresh job after this long, well inside the job's rq timeout.
DRAIN_BUDGET_SECONDS = 60
# What a single bad record can raise; anything else (the database is down) fails the whole job.
_BAD_RECORD = (ValueError, KeyError, TypeError, db_errors.IntegrityError, db_errors.DataError)
_UNREACHABLE = (db_errors.OperationalError, db_errors.InterfaceError)

_TRIM_IF_OWNER = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[2], ARGV[2], -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return 1
"""
_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def drain_hits() -> int:
    """Store hits from the head of the list until it is empty, or the worker is stopping; return how many were new."""
    svc = services()
    conn = svc.redis
    owner = os.urandom(16).hex()
    if not conn.set(queue.DRAIN_LOCK_KEY, owner, nx=True, px=LOCK_TTL_MS):
        # Another drainer is working and loops until the list is empty.
        return 0
    try:
        stored = _drain(svc, owner)
    finally:
        conn.eval(_RELEASE_IF_OWNER, 1, queue.DRAIN_LOCK_KEY, owner)
    # A drain asked for while this one held the lock found it busy and left; look once more
    # now the lock is free, or such a hit would wait for the next sweep.
    if queue.pending_hits(conn):
        queue.enqueue_drain(conn, svc.settings.queue_name)
    elif stored >= CHUNK:
        # A burst is drained. Only after one: a drain of a few hits raises no high-water mark, and
        # a trim costs milliseconds.
        give_back()
    return stored


def _drain(svc: Services, owner: str) -> int:
    conn = svc.redis
    stored, deadline = 0, time.monotonic() + DRAIN_BUDGET_SECONDS
    # Between chunks the list holds exactly what is not stored: a stopping worker hands over there,
    # and the next drain (drain_hits enqueues it) takes up from the head.
    while time.monotonic() < deadline and not svc.stopping.is_set():
        raw = _next_chunk(conn)
        if not raw:
            return stored
        stored += store_chunk(svc, raw)
        if not conn.eval(_TRIM_IF_OWNER, 3, queue.DRAIN_LOCK_KEY, queue.HITS_KEY, queue.DRAIN_WANTED_KEY,
                         owner, len(raw), LOCK_TTL_MS, queue.DRAIN_WANTED_TTL):
            log.warning("drain lock expired mid-chunk; leaving the list to the next drainer")
            return stored
    return stored


def _next_chunk(conn) -> list[bytes]:
    raw = conn.lrange(queue.HITS_KEY, 0, CHUNK - 1)
    if raw:
        return raw
    # Clear the wanted flag, then look once more: a hit pushed after this look sets the flag
    # anew and so enqueues a fresh drain.
    conn.delete(queue.DRAIN_WANTED_KEY)
    return conn.lrange(queue.HITS_KEY, 0, CHUNK - 1)


def store_chunk(svc: Services, raw: Sequence[bytes]) -> int:
    """Store `raw` in one transaction; isolate records that cannot be stored into a job of their own."""
    try:
        return store(svc, raw)
    except _UNREACHABLE:
        raise
    except _BAD_RECORD as exc:
        log.warning("a chunk of %d hits failed (%s); storing them one by one", len(raw), exc)
    stored, failed = 0, []
    for record in raw:
        try:
            stored += store(svc, [record])
        except _UNREACHABLE:
            raise
        except _BAD_RECORD:
            failed.append(record)
    if failed:
        queue.enqueue_store(svc.redis, svc.settings.queue_name, failed)
    return stored


def store_records(records: list[str]) -> int:
    """rq job: store hits that failed inside a batch; raise, naming each one, if any still fails."""
    svc = services()
    stored, reasons = 0, []
    for record in records:
        try:
            stored += store(svc, [record.encode("utf-8")])
        except _UNREACHABLE:
            raise
        except _BAD_RECORD as exc:
            reasons.append(f"{record[:120]}: {type(exc).__name__}: {exc}")
    if reasons:
        raise HitsNotStored(f"{len(reasons)} of {len(records)} hits not stored:\n" + "\n".join(reasons))
    return stored


def store(svc: Services, raw: Sequence[bytes]) -> int:
    """Store the hits in `raw` (JSON records) in one transaction, then publish; return how many were new.

    Gather each message's context, judge the hits against it, write what was judged.
    """
    hits = list({hit["id"]: hit for hit in map(orjson.loads, raw)}.values())
    judge = svc.judge()
    with svc.sessions.begin() as session:
        messages = tracked_messages(session, (int(hit["message_id"]) for hit in hits))
        hits = _undeclined(hits, messages)
        # A message deleted, or with tracking switched off, keeps nothing of its hits.
        live = [message for message in messages.values() if message.tracking]
        contexts = message_contexts(session, live, judge.context_query(hits))
        fresh, new = _write(session, judge.event_rows(hits, contexts))
        users = notification_preferences(session, {messages[row["message_id"]].user_id for row in fresh})
    # After the commit: a client told of an event can read it through the API at once.
    publish(svc, fresh, messages, preferences(users))
    return len(new)


def _undeclined(hits: list[dict], messages: dict) -> list[dict]:
    """Drop the hits a recipient declined: on their own URL, or on one all recipients share (it may be theirs).

    Dropped before judging, so they are neither stored nor counted nor published; the hot path
    still answered them (the pixel its GIF, the link its redirect), as it cannot know without the
    store. A chunk with no declined message, nearly every one, is passed through untouched.
    """
    declined = {message.id: message.declined_recipients for message in messages.values() if message.declined_recipients}
    if not declined:
        return hits
    return [hit for hit in hits if not _declined_by(hit, declined.get(int(hit["message_id"])))]


def _declined_by(hit: dict, declined: list[int] | None) -> bool:
    if not declined:
        return False
    recipient = hit.get("recipient")
    return recipient is None or recipient in declined


def _write(session: Session, judged: Judged) -> tuple[list[dict], set[str]]:
    """Store what was judged; return the rows that were new, and their ids."""
    rows = judged.rows
    set_aside_bursts(session, [
        (burst.message_id, burst.start, burst.end,
         next(row["reason"] for row in reversed(rows) if row["message_id"] == burst.message_id))
        for burst in judged.bursts], "scanner")
    new = insert_new_events(session, rows)
    fresh = [row for row in rows if row["id"] in new]
    counted = [row for row in fresh if counts(row["source"], row["repeat"])]
    bump_counters(session, counted, judged.new_readers)
    # A person's view of a protected message counts, and its first starts the after-view expiry.
    note_views(session, [row for row in counted if row["kind"] == "view"])
    # After the insert: a reading can follow its open in the same chunk.
    note_readings(session, judged.readings, READING_WINDOW)
    return fresh, new
