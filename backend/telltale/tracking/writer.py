"""Group commit of hits to Redis, one flusher thread per process.

Every request hands its hit to the writer and waits; the flusher writes all hits waiting at that
moment with one RPUSH and wakes their requests once Redis has acknowledged them, or once they are
fsynced to the spool because Redis did not answer. A request is answered only after its hit is
durable, and concurrent requests share one round trip.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import redis

from .. import queue
from .spool import Spool

log = logging.getLogger(__name__)
MAX_BATCH = 1000
# Long enough for a slow Redis plus an fsync; a request never waits longer than this.
ACK_TIMEOUT = 10.0
REPLAY_EVERY = 5.0
# After writing a batch, let this long pass before taking the next: under load the next batch is
# then larger and each hit's share of the round trip smaller; idle, the first hit waits nothing.
GATHER_SECONDS = 0.001


class _Batch:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


class HitWriter:
    def __init__(self, conn: redis.Redis, spool: Spool, on_drain_wanted: Callable[[], None]):
        self._redis = conn
        self._spool = spool
        self._on_drain_wanted = on_drain_wanted
        self._cond = threading.Condition(threading.Lock())
        self._pending: list[bytes] = []
        self._forged = 0
        self._batch = _Batch()
        self._owner_pid: int | None = None
        self._next_replay = 0.0

    def write(self, record: bytes) -> None:
        """Return once `record` is in Redis or in the spool on disk."""
        with self._cond:
            self._ensure_flusher()
            self._pending.append(record)
            batch = self._batch
            self._cond.notify()
        if not batch.done.wait(ACK_TIMEOUT):
            log.error("hit writer did not acknowledge a hit within %.0f s", ACK_TIMEOUT)

    def count_forged(self) -> None:
        """Count a request with a forged token; the count rides along with the next batch."""
        with self._cond:
            self._ensure_flusher()
            self._forged += 1
            self._cond.notify()

    def _ensure_flusher(self) -> None:
        # Called with the lock held. Servers fork workers after import: a thread started in the
        # parent does not exist in the child, so each process starts its own on first use.
        if self._owner_pid != os.getpid():
            self._owner_pid = os.getpid()
            self._pending, self._forged, self._batch = [], 0, _Batch()
            threading.Thread(target=self._run, name="telltale-hit-writer", daemon=True).start()

    def _run(self) -> None:
        while True:
            records, forged, batch, complete = self._take()
            if records or forged:
                self._flush(records, forged)
            if complete:
                batch.done.set()
            self._maybe_replay()
            if records:
                time.sleep(GATHER_SECONDS)

    def _take(self) -> tuple[list[bytes], int, _Batch, bool]:
        with self._cond:
            if not self._pending and not self._forged:
                self._cond.wait(timeout=REPLAY_EVERY)
            records, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            forged, self._forged = self._forged, 0
            batch = self._batch
            # Requests arriving while a batch larger than MAX_BATCH is written join it; it is
            # acknowledged with its last slice.
            complete = not self._pending
            if complete:
                self._batch = _Batch()
            return records, forged, batch, complete

    def _flush(self, records: list[bytes], forged: int) -> None:
        try:
            drain_wanted = queue.push_hits(self._redis, records, forged)
        except redis.RedisError as exc:
            log.warning("Redis did not take %d hits (%s); spooling them to disk", len(records), exc)
            self._spool.append(records)
            return
        if drain_wanted:
            self._ask_for_drain()

    def _ask_for_drain(self) -> None:
        try:
            self._on_drain_wanted()
        except redis.RedisError as exc:
            # The hits are safe in Redis; the wanted flag expires, and the next hit or a
            # worker's periodic sweep asks again.
            log.warning("could not enqueue a drain job: %s", exc)

    def _maybe_replay(self) -> None:
        now = time.monotonic()
        if now < self._next_replay:
            return
        self._next_replay = now + REPLAY_EVERY
        if not self._spool.has_pending():
            return
        try:
            moved = self._spool.replay(lambda chunk: queue.push_hits(self._redis, chunk))
        except redis.RedisError:
            return
        if moved:
            log.info("replayed %d spooled hits into Redis", moved)
            self._ask_for_drain()
