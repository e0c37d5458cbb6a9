"""Group commit of hits to Redis, one flusher thread per process.

Every request hands its hit to the writer and waits; the flusher writes all hits waiting at that
moment with one RPUSH and wakes their requests once Redis has acknowledged them, or once they are
fsynced to the spool because Redis did not answer. Concurrent requests share one round trip.

A click asks one thing more, in the same round trip: whether its message was deleted, in which
case its hit is not pushed (`write_click`, push.py).

`write` says whether the hit is durable. When it is in neither Redis nor the spool (both down,
or the flusher stalled past the ack timeout), the hot path still serves the image but does not
claim success, the hit is counted as lost, and `trouble` says why until a batch is durable again.
The flusher must never die: a dead one would leave every later request waiting out the timeout
and its hit in memory for ever. So its loop survives any exception, and every write checks that it
is alive and starts it again if not.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from functools import partial

import redis

from .push import push_batch
from .replay import replay_spool
from .spool import Spool

log = logging.getLogger(__name__)
MAX_BATCH = 1000
# Long enough for a slow Redis plus an fsync; a request never waits longer than this.
ACK_TIMEOUT = 10.0
REPLAY_EVERY = 5.0
# After writing a batch, let this long pass before taking the next: under load the next batch is
# then larger and each hit's share of the round trip smaller; idle, the first hit waits nothing.
GATHER_SECONDS = 0.001
# A failing writer says so at most this often, not once a hit.
REPORT_EVERY = 1.0
# After an unexpected fault, a pause: a fault that repeats must not spin the loop or flood the log.
FAULT_PAUSE = 0.1


class _Throttled:
    """A log line said at most once per REPORT_EVERY, with the count of hits since it was last said."""

    def __init__(self, level: int):
        self._level = level
        self._said_at = 0.0
        self._count = 0

    def say(self, count: int, what: str) -> None:
        self._count += count
        now = time.monotonic()
        if now - self._said_at >= REPORT_EVERY:
            log.log(self._level, "%s (%d hits since this was last said)", what, self._count)
            self._said_at, self._count = now, 0


class _Batch:
    __slots__ = ("done", "durable", "gone")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.durable = True
        # Messages of this batch's clicks found deleted, over all its slices.
        self.gone: frozenset[int] = frozenset()


def _start_afresh_in(writer: weakref.ref[HitWriter]) -> None:
    if (alive := writer()) is not None:
        alive._start_afresh()


class HitWriter:
    def __init__(self, conn: redis.Redis, spool: Spool, on_drain_wanted: Callable[[], None]):
        self._redis = conn
        self._spool = spool
        self._on_drain_wanted = on_drain_wanted
        self._start_afresh()
        # Servers fork workers after import: a thread started in the parent does not exist in the
        # child, nor do the requests waiting on it there. The child starts from nothing, told so by
        # the fork itself rather than by asking the pid on every hit (a system call each).
        os.register_at_fork(after_in_child=partial(_start_afresh_in, weakref.ref(self)))
        # Set by close(): the flusher ends once nothing is waiting.
        self._closed = False
        self._next_replay = 0.0
        # Lost hits not yet added to the shared counter in Redis, which is down when hits are lost.
        self._lost_unreported = 0
        self.lost = 0
        self.trouble: str | None = None
        self._spooling = _Throttled(logging.WARNING)
        self._losing = _Throttled(logging.ERROR)

    def _start_afresh(self) -> None:
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition(threading.Lock())
        # A hit's record, or a click's (message id, record): the flusher tells them apart.
        self._pending: list[bytes | tuple[int, bytes]] = []
        self._forged = 0
        self._batch = _Batch()
        # Whether this process's flusher runs: set as it is started, cleared as it ends. Every hit
        # reads it, where Thread.is_alive costs 1.7 us under gevent (measured), 3% of a hit's CPU.
        self._flushing = False
        # Whether the flusher sleeps on the condition: only then does a hit need to wake it. A
        # notify costs two more trips through gevent's lock, to check that the caller holds it.
        self._idle = False

    def write(self, record: bytes) -> bool:
        """Return True once `record` is in Redis or in the spool on disk, False if it is in neither."""
        batch = self._hand_over(record)
        return batch is not None and batch.durable

    def write_click(self, record: bytes, message_id: int) -> tuple[bool, bool]:
        """Write a click's `record` unless its message was deleted. Return whether it is durable, as
        `write` does, and whether the message was found deleted (then nothing was written). Unknown,
        with Redis unreachable, counts as not deleted: the click goes where its signed link says."""
        batch = self._hand_over((message_id, record))
        if batch is None:
            return False, False
        gone = message_id in batch.gone
        return batch.durable and not gone, gone

    def _hand_over(self, entry: bytes | tuple[int, bytes]) -> _Batch | None:
        """Queue `entry` for the flusher and wait for its batch; None if that takes too long."""
        with self._cond:
            self._ensure_flusher()
            self._pending.append(entry)
            batch = self._batch
            if self._idle:
                self._cond.notify()
        if batch.done.wait(ACK_TIMEOUT):
            return batch
        # The record is still queued here and may yet be written, but nobody can promise it.
        self._losing.say(1, f"the hit writer did not answer within {ACK_TIMEOUT:.0f} s")
        return None

    def count_forged(self) -> None:
        """Count a request with a forged token; the count rides along with the next batch."""
        with self._cond:
            self._ensure_flusher()
            self._forged += 1
            if self._idle:
                self._cond.notify()

    def close(self) -> None:
        """Write what is waiting and stop this process's flusher. A hit written after this starts
        it again, to write that hit and stop: closing never strands one."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread if self._flushing else None
        if thread is not None and thread is not threading.current_thread():
            thread.join(ACK_TIMEOUT)

    @property
    def lost_unreported(self) -> int:
        return self._lost_unreported

    def _ensure_flusher(self) -> None:
        # Called with the lock held: each process starts its own flusher on first use.
        if self._flushing:
            return
        if self._thread is not None and not self._closed:
            log.error("the hit writer had stopped; starting it again with %d hits waiting", len(self._pending))
        self._thread = threading.Thread(target=self._run, name="telltale-hit-writer", daemon=True)
        self._thread.start()  # raises when no thread can be had: the next hit tries again
        self._flushing = True

    def _run(self) -> None:
        me = self._thread  # set before this thread was started, and no successor starts before it ends
        try:
            self._loop()
        finally:
            # close(), or an exception no loop should catch (SystemExit, a greenlet killed), ends
            # it: the next hit starts another.
            with self._cond:
                if self._thread is me:  # not a successor's flag
                    self._flushing = False

    def _stopped_idle(self) -> bool:
        """Once closed: stop if nothing waits. Decided under the lock, so that a hit arriving just
        now either is taken by this flusher or starts the next one."""
        with self._cond:
            if self._pending or self._forged:
                return False
            self._flushing = False
            return True

    def _loop(self) -> None:
        while True:
            try:
                wrote = self._step()
                self._maybe_replay()
            except Exception:
                # Deliberately broad: whatever went wrong with this batch (it is already
                # answered), the next one must still be written.
                log.exception("the hit writer failed; carrying on")
                time.sleep(FAULT_PAUSE)
                continue
            if self._closed and self._stopped_idle():
                return
            if wrote:
                time.sleep(GATHER_SECONDS)

    def _step(self) -> bool:
        records, forged, batch, complete = self._take()
        durable, drain_wanted = not (records or forged), False
        try:
            if not durable:
                durable, drain_wanted = self._flush(records, forged, batch)
        except Exception:
            self._lose(len(records), "the hit writer failed unexpectedly")
            raise
        finally:
            if not durable:
                batch.durable = False
            if complete:
                batch.done.set()
        if drain_wanted:
            self._ask_for_drain()
        return bool(records)

    def _take(self) -> tuple[list[bytes | tuple[int, bytes]], int, _Batch, bool]:
        with self._cond:
            if not self._pending and not self._forged:
                self._idle = True
                self._cond.wait(timeout=REPLAY_EVERY)
                self._idle = False
            records, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            forged, self._forged = self._forged, 0
            batch = self._batch
            # Requests arriving while a batch larger than MAX_BATCH is written join it; it is
            # acknowledged with its last slice.
            complete = not self._pending
            if complete:
                self._batch = _Batch()
            return records, forged, batch, complete

    def _flush(self, entries: list[bytes | tuple[int, bytes]], forged: int, batch: _Batch) -> tuple[bool, bool]:
        """Write `entries` to Redis, or else to the spool; return whether they are durable, and
        whether a drain job should be asked for. Clicks of deleted messages go into `batch.gone`."""
        records = [entry for entry in entries if entry.__class__ is bytes]
        clicks = [entry for entry in entries if entry.__class__ is tuple] if len(records) < len(entries) else []
        lost = self._lost_unreported
        try:
            pushed = push_batch(self._redis, records, clicks, forged, lost)
        except redis.RedisError as exc:
            # Spooled, a click of a deleted message is dropped by the worker, which finds no message.
            return self._spool_records([*records, *(record for _, record in clicks)], exc), False
        if pushed.gone:
            batch.gone |= pushed.gone
        self._lost_unreported -= lost
        self.trouble = None
        return True, pushed.drain_wanted

    def _spool_records(self, records: list[bytes], cause: redis.RedisError) -> bool:
        if not records:
            return True
        try:
            self._spool.append(records)
        except OSError as exc:
            self._lose(len(records), f"Redis is unreachable ({type(cause).__name__}) and the spool cannot be "
                                     f"written ({exc.strerror or type(exc).__name__})")
            return False
        self._spooling.say(len(records), f"Redis is unreachable ({cause}); spooling hits to disk")
        self.trouble = None
        return True

    def _lose(self, count: int, why: str) -> None:
        self.lost += count
        self._lost_unreported += count
        self.trouble = f"hits are being lost: {why}"
        self._losing.say(count, self.trouble)

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
        try:
            moved = replay_spool(self._redis, self._spool)
        except redis.RedisError:
            return
        if moved:
            self._ask_for_drain()
