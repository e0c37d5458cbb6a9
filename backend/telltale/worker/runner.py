"""The worker process: replay the spool, then run an rq worker with a periodic sweeper beside it.

rq's work loop quits when Redis drops mid-job (its failure handling needs Redis too). A worker
that exits leaves every hit waiting until a person restarts it, so the loop here waits Redis out
and starts rq again, until it is asked to stop.

rq's scheduler (retries after backoff, popups held until quiet hours end) runs as a thread of
this process, not as the process rq would fork for it: a forked copy of a worker costs as much
memory as the worker (66 MB PSS measured), to move a few due jobs a second.
"""
from __future__ import annotations

import gc
import logging
import signal
import threading
import time

import redis
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler
from sqlalchemy import exc as db_errors

from .. import queue
from ..services import Services, working
from . import digests, protected, replies, retention

log = logging.getLogger(__name__)
SWEEP_EVERY = 5.0
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 30.0
# A run of rq this long was healthy: the next outage starts its backoff from the beginning.
STEADY_SECONDS = 60.0
# How often the scheduler thread moves due jobs (retries, held popups) onto the queue; rq's own default.
SCHEDULE_EVERY = 1  # whole seconds: rq sets its lock's expiry from it


class _Worker(SimpleWorker):
    """rq's in-process worker that records a stop request where the restart loop can see it."""

    def __init__(self, *args, stop: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self._stop = stop

    def request_stop(self, signum, frame):
        # rq lets the job at hand finish: a drain of a long backlog would hold the stop for up to a
        # minute. The event is the services' own, so the drain hands over after the chunk it is
        # storing (worker/ingest.py).
        self._stop.set()
        super().request_stop(signum, frame)

    def subscribe(self):
        # rq's own, but with the listener waking every second instead of every 60: redis-py 7's
        # PubSubWorkerThread.stop() waits for the listener, so each stop of the worker (Ctrl+C,
        # a burst run's end) stalled for up to a minute.
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=1, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)


def run_worker(svc: Services, *, burst: bool = False) -> None:
    """Work the Telltale queue in this process until stopped (or until empty with `burst`)."""
    # Jobs find these services through `services()`. No Flask app: the worker answers no request,
    # and the routes, pages and Flask itself would cost it about 45 MB (measured).
    token = working.set(svc)
    try:
        _run(svc, burst)
    finally:
        working.reset(token)


def _run(svc: Services, burst: bool) -> None:
    if svc.settings.smtp_url is None:
        log.info("email digests are off: TELLTALE_SMTP_URL is not set")
    # The rules (with the owner's refreshed network lists, `telltale rules refresh`), the
    # parser and place data load now, not on the first hit.
    svc.judge()
    sweep(svc)
    if not burst:
        threading.Thread(target=_sweep_forever, args=(svc,), name="telltale-sweeper", daemon=True).start()
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise stall a hit's event by 40-60 ms now and then.
    gc.collect()
    gc.freeze()
    stop, delay = svc.stopping, RECONNECT_FIRST
    scheduler = _Scheduler([svc.settings.queue_name], connection=svc.redis, interval=SCHEDULE_EVERY)
    if burst:
        scheduler.once()
    else:
        scheduling = threading.Thread(target=scheduler.run, args=(stop,), name="telltale-scheduler", daemon=True)
        scheduling.start()
    while True:
        started = time.monotonic()
        _work(svc, stop, burst)
        if burst:
            return
        if stop.is_set():
            scheduling.join(timeout=SCHEDULE_EVERY + 1)
            return
        delay = RECONNECT_FIRST if time.monotonic() - started > STEADY_SECONDS else min(delay * 2, RECONNECT_MAX)
        log.warning("the rq worker stopped (Redis unreachable?); starting it again once Redis answers")
        _wait_for_redis(svc, stop, delay)


def _work(svc: Services, stop: threading.Event, burst: bool) -> None:
    # SimpleWorker runs jobs in this process, with the services set above; forking a work
    # horse per job would cost more than most drain jobs take.
    worker = None
    try:
        # rq asks Redis for this connection's address as it builds the worker: inside the try.
        worker = _Worker([Queue(svc.settings.queue_name, connection=svc.redis)], connection=svc.redis, stop=stop)
        worker.work(burst=burst, logging_level="WARNING")
    except redis.RedisError as exc:
        log.warning("lost Redis while working: %s", exc)
    finally:
        # rq's handlers point at a worker that is gone: between runs, a stop request is ours.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())


class _Scheduler(RQScheduler):
    """rq's scheduler, driven from a thread of the worker instead of a forked process.

    Several workers may run (one per machine): rq's per-queue lock lets one of them schedule, and
    the others take over within a minute of its lock lapsing.
    """

    def once(self) -> None:
        """Move what is due now, as rq's burst mode does: for `telltale worker --burst`."""
        try:
            if self.acquire_locks():
                self.enqueue_scheduled_jobs()
        except redis.RedisError as exc:
            log.warning("due jobs not moved, Redis is unreachable: %s", exc)
        finally:
            self._release()

    def run(self, stop: threading.Event) -> None:
        delay = RECONNECT_FIRST
        while not stop.is_set():
            try:
                if self.should_reacquire_locks:
                    self.acquire_locks()
                if self.acquired_locks:
                    self.heartbeat()
                    self.enqueue_scheduled_jobs()
                delay = RECONNECT_FIRST
                stop.wait(self.interval)
            except redis.RedisError as exc:
                # Reacquire after the outage: the lock may have lapsed and gone to another worker.
                log.warning("scheduler paused, Redis is unreachable: %s", exc)
                self._acquired_locks, self.lock_acquisition_time = set(), None
                stop.wait(delay)
                delay = min(delay * 2, RECONNECT_MAX)
        self._release()

    def _release(self) -> None:
        try:
            self.release_locks()
        except redis.RedisError:
            pass  # the lock expires by itself within a minute
        finally:
            self.connection.connection_pool.disconnect()


def _wait_for_redis(svc: Services, stop: threading.Event, delay: float) -> None:
    """Sleep `delay`, then keep trying Redis with growing pauses until it answers or a stop is asked."""
    while not stop.wait(delay):
        try:
            svc.redis.ping()
            return
        except redis.RedisError:
            delay = min(delay * 2, RECONNECT_MAX)


def sweep(svc: Services) -> None:
    """Replay this machine's spool, make sure hits waiting in Redis have a drainer coming, enqueue due digests and polls."""
    try:
        queue.replay_spool(svc.redis, svc.spool)
        if queue.pending_hits(svc.redis) and not svc.redis.exists(queue.DRAIN_LOCK_KEY):
            queue.enqueue_drain(svc.redis, svc.settings.queue_name)
    except redis.RedisError as exc:
        log.warning("sweep skipped, Redis is unreachable: %s", exc)
        # Hits wait in the spool meanwhile, with whole addresses: those cannot outstay their limit.
        retention.cut_spool_if_due(svc)
        return
    try:
        digests.check_due_digests(svc)
        replies.enqueue_due_polls(svc)
        protected.check_expired(svc)
        retention.check_retention(svc)
    except (redis.RedisError, db_errors.OperationalError, db_errors.InterfaceError) as exc:
        # Digests and mailbox polls wait for the next sweep; an outage must not stop the sweeper thread.
        log.warning("digest and reply checks skipped: %s", exc)


def _sweep_forever(svc: Services) -> None:
    while True:
        time.sleep(SWEEP_EVERY)
        try:
            sweep(svc)
        except Exception:
            # Deliberately broad: this thread is what brings spooled and stranded hits back; a
            # fault in one pass (a spool that cannot be read) must not end the ones after it.
            log.exception("sweep failed; trying again in %.0f s", SWEEP_EVERY)
