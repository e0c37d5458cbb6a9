"""A worker killed in the middle of storing hits loses none of them and doubles none."""
from __future__ import annotations

import json
import signal
import sqlite3
import time
from contextlib import contextmanager

import psycopg
from sqlalchemy import func, select

from telltale import queue
from telltale.store.models import Event
from telltale.tracking.hits import hit_id
from telltale.worker.ingest import CHUNK

from .helpers import make_user, path_of, register
from .processes import start, stop, wait_for


@contextmanager
def events_table_locked(database_url: str):
    """Hold a lock that makes any writer to the events table wait, as a stalled database would."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
    else:
        connection = psycopg.connect(database_url.replace("+psycopg", ""))
        connection.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        connection.rollback()
        connection.close()


def stored(services, message_id: int) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.message_id == message_id))


def test_a_worker_killed_mid_drain_loses_no_hit(client, services, settings):
    auth, _ = make_user(services)
    message = register(client, auth)
    for _ in range(25):
        client.get(path_of(message["pixel_url"]))
    client.get(path_of(message["links"][0]["tracked_url"]))

    with events_table_locked(settings.database_url):
        doomed = start(settings, "worker")
        try:
            # The drainer holds its lock and has read the hits, but cannot commit them.
            wait_for(lambda: services.redis.exists(queue.DRAIN_LOCK_KEY), 20, "the worker to start draining")
        finally:
            stop(doomed, signal.SIGKILL)
    assert services.redis.llen(queue.HITS_KEY) == 26

    survivor = start(settings, "worker")
    try:
        wait_for(lambda: services.redis.llen(queue.HITS_KEY) == 0, 45, "a new worker to drain the hits")
    finally:
        stop(survivor)
    assert stored(services, message["id"]) == 26
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert (shown["opens"], shown["clicks"]) == (25, 1)


def test_a_running_worker_runs_scheduled_jobs_itself_without_a_forked_scheduler(services, settings):
    # Retries after backoff and popups held for quiet hours are scheduled jobs: a worker that
    # never moved them would leave them waiting for good.
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from rq import Queue
    from rq.job import JobStatus

    worker = start(settings, "worker")
    try:
        job = Queue(settings.queue_name, connection=services.redis).enqueue_at(
            datetime.now(UTC) + timedelta(seconds=2), "os.getpid")
        wait_for(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, 30, "the scheduled job to run")
        # It ran in the worker process itself, and the worker started no process beside it.
        assert job.return_value(refresh=True) == worker.pid
        children = [c for task in Path(f"/proc/{worker.pid}/task").glob("*")
                    for c in (task / "children").read_text().split()]
        assert children == []
    finally:
        stop(worker)


def test_a_worker_told_to_stop_mid_backlog_hands_over_after_its_chunk(client, services, settings):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    [raw] = services.redis.lpop(queue.HITS_KEY, 1)
    record = json.loads(raw)
    # A backlog that takes the worker seconds: the same open again and again, each a hit of its own.
    backlog = 20 * CHUNK
    copies = [json.dumps({**record, "id": hit_id(record["at"] + n / 1000), "at": record["at"] + n / 1000}).encode()
              for n in range(backlog)]
    for start_at in range(0, backlog, CHUNK):
        queue.push_hits(services.redis, copies[start_at:start_at + CHUNK])

    worker = start(settings, "worker")
    try:
        wait_for(lambda: services.redis.llen(queue.HITS_KEY) < backlog, 60, "the worker to store a first chunk")
        asked = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        seconds = time.monotonic() - asked
    finally:
        stop(worker)
    left = services.redis.llen(queue.HITS_KEY)
    # rq lets the job at hand finish, and a drain's job is the whole list: without being told,
    # the worker stored all of it before it stopped.
    assert left > 0, "the worker drained the whole backlog before stopping"
    assert seconds < 10, f"the worker took {seconds:.1f} s to stop"
    # What it stored is off the list, what it did not is still on it: none lost, none twice.
    assert stored(services, message["id"]) + left == backlog

    survivor = start(settings, "worker")
    try:
        wait_for(lambda: services.redis.llen(queue.HITS_KEY) == 0, 120, "the next worker to take up the backlog")
    finally:
        stop(survivor)
    assert stored(services, message["id"]) == backlog
