"""The worker process: replay the spool, then run an rq worker with a periodic sweeper beside it."""
from __future__ import annotations

import gc
import logging
import threading
import time

import redis
from flask import Flask
from rq import Queue, SimpleWorker
from sqlalchemy import exc as db_errors

from .. import queue
from ..classify import networks
from ..services import Services
from . import digests
from .pipeline import enricher

log = logging.getLogger(__name__)
SWEEP_EVERY = 5.0


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Work the Telltale queue in this process until stopped (or until empty with `burst`)."""
    svc: Services = app.extensions["telltale"]
    with app.app_context():
        if svc.settings.smtp_url is None:
            log.info("email digests are off: TELLTALE_SMTP_URL is not set")
        # The owner's refreshed network lists (`telltale rules refresh`) join the shipped ones;
        # the parser and place data load now, not on the first hit.
        networks.use(networks.for_home(svc.settings.home))
        enricher(svc.settings.geoip_db)
        sweep(svc)
        if not burst:
            threading.Thread(target=_sweep_forever, args=(svc,), name="telltale-sweeper", daemon=True).start()
        # Everything loaded so far lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stall a hit's event by 40-60 ms now and then.
        gc.collect()
        gc.freeze()
        # SimpleWorker runs jobs in this process, inside the app context pushed above; forking
        # a work horse per job would cost more than most drain jobs take.
        worker = SimpleWorker([Queue(svc.settings.queue_name, connection=svc.redis)], connection=svc.redis)
        try:
            worker.work(with_scheduler=True, burst=burst, logging_level="WARNING")
        finally:
            # rq's scheduler opens a Redis pool of its own and leaves it open when work ends.
            if worker.scheduler is not None:
                worker.scheduler.connection.connection_pool.disconnect()


def sweep(svc: Services) -> None:
    """Replay this machine's spool, make sure hits waiting in Redis have a drainer coming, enqueue due digests."""
    try:
        moved = svc.spool.replay(lambda chunk: queue.push_hits(svc.redis, chunk))
        if moved:
            log.warning("replayed %d spooled hits into Redis", moved)
        if queue.pending_hits(svc.redis) and not svc.redis.exists(queue.DRAIN_LOCK_KEY):
            queue.enqueue_drain(svc.redis, svc.settings.queue_name)
    except redis.RedisError as exc:
        log.warning("sweep skipped, Redis is unreachable: %s", exc)
        return
    try:
        digests.check_due_digests(svc)
    except (redis.RedisError, db_errors.OperationalError, db_errors.InterfaceError) as exc:
        # Digests wait for the next check; an outage must not stop the sweeper thread.
        log.warning("digest check skipped: %s", exc)


def _sweep_forever(svc: Services) -> None:
    while True:
        time.sleep(SWEEP_EVERY)
        sweep(svc)
