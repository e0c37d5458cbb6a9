"""The worker: hits stored once, messages with tracking off keep nothing, failures retried and kept."""
from __future__ import annotations

import json
import time
from dataclasses import replace

from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import event, func, select

from telltale import queue
from telltale.store.events import SQLITE_ROWS, statement_rows
from telltale.store.models import Event
from telltale.worker import ingest
from telltale.worker.ingest import CHUNK
from telltale.worker.runner import run_worker

from .helpers import make_user, path_of, register


def events(services, message_id: int) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.message_id == message_id))


def shown(client, auth, message) -> dict:
    return client.get(f"/api/v1/messages/{message['id']}", headers=auth).json


def test_a_hit_delivered_twice_is_stored_once(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    [record] = services.redis.lrange(queue.HITS_KEY, 0, -1)
    queue.push_hits(services.redis, [record, record])
    drain()
    queue.push_hits(services.redis, [record])
    drain()
    assert events(services, message["id"]) == 1
    assert shown(client, auth, message)["opens"] == 1


def test_tracking_switched_off_after_sending_stores_nothing_more(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    drain()
    assert client.patch(f"/api/v1/messages/{message['id']}", json={"tracking": False}, headers=auth).status_code == 200
    client.get(path_of(message["pixel_url"]))
    client.get(path_of(message["links"][0]["tracked_url"]))
    drain()
    after = shown(client, auth, message)
    assert (after["opens"], after["clicks"], after["state"]) == (1, 0, "untracked")
    assert events(services, message["id"]) == 1
    assert services.redis.llen(queue.HITS_KEY) == 0


def test_a_message_registered_untracked_stores_nothing(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth, tracking=False)
    client.get(path_of(message["pixel_url"]))
    drain()
    assert events(services, message["id"]) == 0


def test_hits_of_a_deleted_message_are_dropped(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    assert client.delete(f"/api/v1/messages/{message['id']}", headers=auth).status_code == 204
    client.get(path_of(message["pixel_url"]))
    drain()
    assert events(services, message["id"]) == 0
    assert services.redis.llen(queue.HITS_KEY) == 0


def test_first_and_last_open_follow_the_hit_times(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    client.get(path_of(message["pixel_url"]))
    records = [json.loads(raw) for raw in services.redis.lrange(queue.HITS_KEY, 0, -1)]
    services.redis.delete(queue.HITS_KEY)
    records[0]["at"], records[1]["at"] = 1_800_000_000.0, 1_700_000_000.0
    queue.push_hits(services.redis, [json.dumps(r).encode() for r in records])
    drain()
    after = shown(client, auth, message)
    assert after["first_open_at"].startswith("2023-11-14T22:13:20")
    assert after["last_open_at"].startswith("2027-01-15T08:00:00")


def test_one_bad_hit_does_not_hold_back_the_others_and_is_kept_with_its_reason(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    bad = json.dumps({"id": "badbadbadbad", "kind": "teleport", "message_id": message["id"], "at": 1.0,
                      "ip": "198.51.100.77"}).encode()
    queue.push_hits(services.redis, [bad])
    client.get(path_of(message["pixel_url"]))
    drain()
    assert events(services, message["id"]) == 2
    assert services.redis.llen(queue.HITS_KEY) == 0

    # The bad hit now waits in a job of its own, retried with backoff.
    scheduled = ScheduledJobRegistry(services.settings.queue_name, connection=services.redis)
    [job_id] = scheduled.get_job_ids()
    job = Job.fetch(job_id, connection=services.redis)
    assert job.func_name == queue.STORE_JOB and job.retries_left == len(queue.RETRY_INTERVALS) - 1
    assert scheduled.get_scheduled_time(job).timestamp() - time.time() <= queue.RETRY_INTERVALS[0] + 1
    assert json.loads(job.args[0][0])["id"] == "badbadbadbad"
    # Kept for weeks if it keeps failing: with its network, not its whole address.
    assert json.loads(job.args[0][0])["ip"] == "198.51.100.0"

    # When retries run out it stays in the failed registry, reason and hit included.
    job.retries_left = 0
    job.save()
    scheduled.remove(job)
    Queue(services.settings.queue_name, connection=services.redis).enqueue_job(job)
    drain()
    failed = FailedJobRegistry(services.settings.queue_name, connection=services.redis)
    assert failed.get_job_ids() == [job.id]
    reason = Job.fetch(job.id, connection=services.redis).latest_result().exc_string
    assert "HitsNotStored" in reason and "badbadbadbad" in reason and "unknown kind 'teleport'" in reason


def test_a_database_outage_fails_the_drain_which_is_retried_and_loses_nothing(
    client, services, drain, settings, make_app
):
    auth, _ = make_user(services)
    message = register(client, auth)
    for _ in range(3):
        client.get(path_of(message["pixel_url"]))
    # Nothing listens on port 1: the same Redis, a database that does not answer.
    unreachable = make_app(replace(settings, database_url="postgresql+psycopg://127.0.0.1:1/none"))
    run_worker(unreachable.extensions["telltale"], burst=True)
    scheduled = ScheduledJobRegistry(services.settings.queue_name, connection=services.redis)
    retried = [Job.fetch(job_id, connection=services.redis) for job_id in scheduled.get_job_ids()]
    assert retried and {job.func_name for job in retried} == {queue.DRAIN_JOB}
    assert services.redis.llen(queue.HITS_KEY) == 3

    queue.enqueue_drain(services.redis, services.settings.queue_name)
    drain()
    assert events(services, message["id"]) == 3
    assert shown(client, auth, message)["opens"] == 3


def test_a_drain_that_finds_another_drainer_at_work_leaves_the_list_to_it(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    services.redis.set(queue.DRAIN_LOCK_KEY, "someone-else", px=60_000)
    drain()
    assert services.redis.llen(queue.HITS_KEY) == 1
    services.redis.delete(queue.DRAIN_LOCK_KEY)
    queue.enqueue_drain(services.redis, services.settings.queue_name)
    drain()
    assert events(services, message["id"]) == 1


def test_chunks_of_every_size_are_stored_with_a_few_statement_texts(client, services, drain):
    # SQLite keeps each statement text it ran prepared (128 per connection, 2 MB for a thousand
    # rows): one text per chunk size grew a worker draining live traffic by hundreds of MB. The
    # largest is bounded too: a full chunk is stored in statements of at most SQLITE_ROWS rows.
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    [record] = services.redis.lrange(queue.HITS_KEY, 0, -1)
    hit = json.loads(record)
    texts: set[str] = set()

    def note(conn, cursor, statement, *_):
        if statement.startswith("INSERT INTO events"):
            texts.add(statement)

    event.listen(services.engine, "before_cursor_execute", note)
    try:
        sizes = [1, 2, 3, 5, 7, 11, 17, 64, 65, 100, 129, 250, 333, 500, 640, 700, 801, 900, 999, 1000, 1500, CHUNK]
        for size in sizes:
            queue.push_hits(services.redis, [json.dumps({**hit, "id": f"{size:04d}{n:020d}"}).encode()
                                             for n in range(size)])
            drain()
    finally:
        event.remove(services.engine, "before_cursor_execute", note)
    assert events(services, message["id"]) == 1 + sum(sizes)
    if services.engine.dialect.name == "postgresql":
        assert len(texts) == 1  # a column of values per parameter, unnested: one text for every chunk
    else:
        assert len(texts) == SQLITE_ROWS.bit_length()
        assert max(text.count("), (") + 1 for text in texts) == SQLITE_ROWS


def test_an_insert_takes_the_largest_power_of_two_rows_it_may():
    assert [statement_rows(left, 1489) for left in (1, 2, 3, 999, 1000, 1024, 1025, 5000)] == [
        1, 2, 2, 512, 512, 1024, 1024, 1024]
    assert statement_rows(5, 1) == 1


def test_a_drained_burst_gives_its_memory_back_and_a_trickle_does_not(client, services, drain, monkeypatch):
    # What a trim returns to the system is measured in test_worker_memory.py; here, when the worker
    # asks for one: once a burst is stored and the list is empty, not after every few hits.
    asked: list[int] = []
    real = ingest.give_back
    monkeypatch.setattr(ingest, "give_back", lambda: asked.append(queue.pending_hits(services.redis)) or real())
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    [record] = services.redis.lrange(queue.HITS_KEY, 0, -1)
    hit = json.loads(record)

    def push(count: int, prefix: str) -> None:
        queue.push_hits(services.redis, [json.dumps({**hit, "id": f"{prefix}{n:020d}"}).encode() for n in range(count)])

    push(5, "trickle")
    drain()
    assert asked == []
    push(CHUNK + 10, "burst")
    drain()
    assert asked == [0]
    assert events(services, message["id"]) == 1 + 5 + CHUNK + 10
