"""The worker process: replay the spool, then run an rq worker with a periodic sweeper beside it.

rq's work loop quits when Redis drops mid-job (its failure handling needs Redis too). A worker
that exits leaves every hit waiting until a person restarts it, so the loop here waits Redis out
and starts rq again, until it is asked to stop.
"""
from __future__ import annotations

import gc
import logging
import signal
import threading
import time

import redis
from flask import Flask
from rq import Queue, SimpleWorker
from sqlalchemy import exc as db_errors

from .. import queue
from ..services import Services
from . import digests, protected, replies

log = logging.getLogger(__name__)
SWEEP_EVERY = 5.0
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 30.0
# A run of rq this long was healthy: the next outage starts its backoff from the beginning.
STEADY_SECONDS = 60.0


class _Worker(SimpleWorker):
    """rq's in-process worker that records a stop request where the restart loop can see it."""

    def __init__(self, *args, stop: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self._stop = stop

    def request_stop(self, signum, frame):
        self._stop.set()
        super().request_stop(signum, frame)


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Work the Telltale queue in this process until stopped (or until empty with `burst`)."""
    svc: Services = app.extensions["telltale"]
    with app.app_context():
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
        stop, delay = threading.Event(), RECONNECT_FIRST
        while True:
            started = time.monotonic()
            _work(svc, stop, burst)
            if burst or stop.is_set():
                return
            delay = RECONNECT_FIRST if time.monotonic() - started > STEADY_SECONDS else min(delay * 2, RECONNECT_MAX)
            log.warning("the rq worker stopped (Redis unreachable?); starting it again once Redis answers")
            _wait_for_redis(svc, stop, delay)


def _work(svc: Services, stop: threading.Event, burst: bool) -> None:
    # SimpleWorker runs jobs in this process, inside the app context pushed above; forking a work
    # horse per job would cost more than most drain jobs take.
    worker = None
    try:
        # rq asks Redis for this connection's address as it builds the worker: inside the try.
        worker = _Worker([Queue(svc.settings.queue_name, connection=svc.redis)], connection=svc.redis, stop=stop)
        worker.work(with_scheduler=True, burst=burst, logging_level="WARNING")
    except redis.RedisError as exc:
        log.warning("lost Redis while working: %s", exc)
    finally:
        # rq's scheduler opens a Redis pool of its own and leaves it open when work ends.
        if worker is not None and worker.scheduler is not None:
            worker.scheduler.connection.connection_pool.disconnect()
        # rq's handlers point at a worker that is gone: between runs, a stop request is ours.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())


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
        return
    try:
        digests.check_due_digests(svc)
        replies.enqueue_due_polls(svc)
        protected.check_expired(svc)
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
