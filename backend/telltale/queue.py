"""The Redis side of the hit queue: key names, pushing hits, and asking a worker to drain them.

Hits are JSON records on one Redis list. Pushing a batch costs one round trip of two commands
(RPUSH and SET NX); only when that SET finds no drain already wanted is an rq job enqueued, so a
busy server enqueues almost nothing while a worker drains continuously.
"""
from __future__ import annotations

from collections.abc import Sequence

import redis
from rq import Queue, Retry

HITS_KEY = "telltale:hits"
DRAIN_WANTED_KEY = "telltale:drain:wanted"
DRAIN_LOCK_KEY = "telltale:drain:lock"
FORGED_COUNTER_KEY = "telltale:stats:forged"
# Hits a web process could neither queue nor spool, added up across processes once Redis is back.
LOST_COUNTER_KEY = "telltale:stats:lost"
# Long enough for a drain to be picked up; short enough that a lost drain job is noticed.
DRAIN_WANTED_TTL = 30
DRAIN_JOB = "telltale.worker.ingest.drain_hits"
STORE_JOB = "telltale.worker.ingest.store_records"
RETRY_INTERVALS = [2, 10, 30, 120, 600]


def push_hits(conn: redis.Redis, records: Sequence[bytes], forged: int = 0, lost: int = 0) -> bool:
    """Append `records` to the hit list; return True when a drain job should be enqueued."""
    pipe = conn.pipeline(transaction=False)
    if records:
        pipe.rpush(HITS_KEY, *records)
        pipe.set(DRAIN_WANTED_KEY, b"1", nx=True, ex=DRAIN_WANTED_TTL)
    if forged:
        pipe.incrby(FORGED_COUNTER_KEY, forged)
    if lost:
        pipe.incrby(LOST_COUNTER_KEY, lost)
    results = pipe.execute()
    return bool(records) and bool(results[1])


def enqueue_retried(conn: redis.Redis, queue_name: str, job: str, *args, timeout: int = 600) -> None:
    """Enqueue `job` with Telltale's one retry policy: backoff, then rq's failed registry."""
    Queue(queue_name, connection=conn).enqueue(
        job, *args, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS), job_timeout=timeout
    )


def enqueue_drain(conn: redis.Redis, queue_name: str) -> None:
    """Ask any worker to drain the hit list."""
    enqueue_retried(conn, queue_name, DRAIN_JOB)


def enqueue_store(conn: redis.Redis, queue_name: str, records: Sequence[bytes]) -> None:
    """Hand hits that failed inside a batch to a job of their own, retried and kept if it fails."""
    enqueue_retried(conn, queue_name, STORE_JOB, [record.decode("utf-8") for record in records])


def pending_hits(conn: redis.Redis) -> int:
    return int(conn.llen(HITS_KEY))


def lost_hits(conn: redis.Redis) -> int:
    return int(conn.get(LOST_COUNTER_KEY) or 0)
