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
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import exc as db_errors

from .. import queue
from ..classify.classifier import BURST, Click
from ..errors import HitsNotStored
from ..notify.policy import Preferences
from ..services import Services, services
from ..sources import COUNTED_SOURCES, counts
from ..store.events import (
    bump_counters,
    clicks_since,
    first_readers,
    insert_new_events,
    note_readings,
    notification_preferences,
    opens_since,
    readers_of,
    sender_views_of,
    set_aside_clicks,
    tracked_messages,
)
from .pipeline import REPEAT_WINDOW, MessageContext, enricher, event_rows, stored_ip
from .publish import publish

log = logging.getLogger(__name__)
# How far back from a reading hop its open may be: the chain's last mark, with room for slow links.
READING_WINDOW = timedelta(minutes=2)
# Hits per transaction: each chunk pays a fixed dozen queries and round trips; 1,000 hits of 200
# messages stored 5.9k hits/s, 500 stored 4.8k (`make bench`).
CHUNK = 1000
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
    """Store hits from the head of the list until it is empty; return how many were new."""
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
    return stored


def _drain(svc: Services, owner: str) -> int:
    conn = svc.redis
    stored, deadline = 0, time.monotonic() + DRAIN_BUDGET_SECONDS
    while time.monotonic() < deadline:
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


def _new_faces(hits: Sequence[dict], messages: set[int], readers: dict[int, set], store_full_ip: bool) -> set[int]:
    """The messages opened by a client not yet among their readers: only a new reader can be a
    forward, so only their first readers need looking up."""
    known = {message_id: {(key[1], key[2]) for key in keys} for message_id, keys in readers.items()}
    return {
        int(hit["message_id"]) for hit in hits
        if hit.get("kind") == "open" and int(hit["message_id"]) in messages
        and (stored_ip(str(hit.get("ip") or ""), store_full_ip), str(hit.get("ua") or "")[:512])
        not in known.get(int(hit["message_id"]), ())
    }


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
    """Store the hits in `raw` (JSON records) in one transaction, then publish; return how many were new."""
    hits = list({hit["id"]: hit for hit in map(orjson.loads, raw)}.values())
    settings = svc.settings
    with svc.sessions.begin() as session:
        messages = tracked_messages(session, (int(hit["message_id"]) for hit in hits))
        # A message deleted, or with tracking switched off, keeps nothing of its hits.
        live = {message_id: message for message_id, message in messages.items() if message.tracking}
        views = sender_views_of(session, live)
        earliest = min((float(hit["at"]) for hit in hits), default=time.time())
        clicks = clicks_since(session, live, datetime.fromtimestamp(earliest, UTC) - BURST)
        opening = {int(hit["message_id"]) for hit in hits if hit.get("kind") == "open"} & live.keys()
        addresses = {stored_ip(str(hit.get("ip") or ""), settings.store_full_ip) for hit in hits}
        opens = opens_since(session, opening, datetime.fromtimestamp(earliest, UTC) - REPEAT_WINDOW, COUNTED_SOURCES,
                            addresses)
        readers = readers_of(session, opening, addresses, COUNTED_SOURCES)
        firsts = first_readers(session, _new_faces(hits, opening, readers, settings.store_full_ip))
        contexts = {
            message.id: MessageContext(
                message.id, message.user_id, message.tracking, message.sent_at, tuple(views.get(message.id, ())),
                message.link_count, message.decoy_position, tuple(Click(*click) for click in clicks.get(message.id, ())),
                tuple(opens.get(message.id, ())), frozenset(readers.get(message.id, ())), firsts.get(message.id),
                bool(message.opened),
            )
            for message in live.values()
        }
        classified = event_rows(hits, contexts, store_full_ip=settings.store_full_ip, enrich=enricher(settings.geoip_db))
        rows = classified.rows
        for message_id, start, end in classified.bursts:
            reason = next(row["reason"] for row in reversed(rows) if row["message_id"] == message_id)
            set_aside_clicks(session, message_id, start, end, COUNTED_SOURCES, "scanner", reason)
        new = insert_new_events(session, rows)
        fresh = [row for row in rows if row["id"] in new]
        bump_counters(session, [row for row in fresh if counts(row["source"]) and not row["repeat"]],
                      classified.new_readers)
        # After the insert: a reading can follow its open in the same chunk.
        note_readings(session, classified.readings, READING_WINDOW)
        users = notification_preferences(session, {messages[row["message_id"]].user_id for row in fresh})
    # After the commit: a client told of an event can read it through the API at once.
    prefs = {uid: Preferences(u.timezone, u.reopen_quiet_minutes, u.quiet_start, u.quiet_end) for uid, u in users.items()}
    publish(svc, fresh, messages, prefs)
    return len(new)
