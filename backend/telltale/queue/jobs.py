"""Every rq job Telltale enqueues, by name, and the one retry policy they all share.

Jobs are enqueued by name, not by function: a web process asking for a drain must not import the
worker's classifier to do so. tests/backend/test_jobs.py checks that each name leads to a function.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import redis
from rq import Queue, Retry

from .spool import cut_record

DRAIN_JOB = "telltale.worker.ingest.drain_hits"
STORE_JOB = "telltale.worker.ingest.store_records"
DIGEST_JOB = "telltale.worker.digests.send_digest"
RELEASE_JOB = "telltale.worker.publish.release_held"
POLL_JOB = "telltale.worker.replies.poll_mailbox"
PUSH_JOB = "telltale.worker.push.send_pushes"
# Seconds before each retry; a job that fails them all stays in rq's failed registry.
RETRY_INTERVALS = [2, 10, 30, 120, 600]
JOB_TIMEOUT = 600
# A digest that has not gone out in two minutes is stuck on its SMTP server: retry it.
DIGEST_TIMEOUT = 120
# A poll reads at most a few hundred messages' headers: ten minutes means the provider hangs.
POLL_TIMEOUT = 600
# Each send gives up after TELLTALE_PUSH_TIMEOUT; this bounds a batch to a few dozen slow ones.
PUSH_TIMEOUT = 300


def enqueue_drain(conn: redis.Redis, queue_name: str) -> None:
    """Ask any worker to drain the hit list."""
    _enqueue(conn, queue_name, DRAIN_JOB)


def enqueue_store(conn: redis.Redis, queue_name: str, records: Sequence[bytes]) -> None:
    """Hand hits that failed inside a batch to a job of their own, retried and kept if it fails.

    Their addresses are cut to the network first: a job that fails is kept for weeks in rq's
    failed registry, its error naming each record, where no retention limit reaches it.
    """
    cut = [cut_record(record, float("inf")) or record for record in records]
    _enqueue(conn, queue_name, STORE_JOB, [record.decode("utf-8") for record in cut])


def enqueue_digest(conn: redis.Redis, queue_name: str, user_id: int) -> None:
    """Ask a worker to send the user's email digest."""
    _enqueue(conn, queue_name, DIGEST_JOB, user_id, timeout=DIGEST_TIMEOUT)


def enqueue_poll(conn: redis.Redis, queue_name: str, account_id: int) -> None:
    """Ask a worker to read a linked mailbox for replies; the next sweep asks again, so no retries."""
    Queue(queue_name, connection=conn).enqueue(POLL_JOB, account_id, job_timeout=POLL_TIMEOUT)


def enqueue_push(conn: redis.Redis, queue_name: str, notices: list[dict]) -> None:
    """Ask a worker to send popups to phones. No retries: a notification minutes late is noise, and a
    retry would repeat it on the channels that did take it."""
    Queue(queue_name, connection=conn).enqueue(PUSH_JOB, notices, job_timeout=PUSH_TIMEOUT)


def enqueue_release(conn: redis.Redis, queue_name: str, at: datetime, user_id: int) -> None:
    """Ask a worker to release the user's held popups at `at`, when their quiet hours end."""
    Queue(queue_name, connection=conn).enqueue_at(at, RELEASE_JOB, user_id, **_policy(JOB_TIMEOUT))


def _enqueue(conn: redis.Redis, queue_name: str, job: str, *args, timeout: int = JOB_TIMEOUT) -> None:
    Queue(queue_name, connection=conn).enqueue(job, *args, **_policy(timeout))


def _policy(timeout: int) -> dict:
    """Telltale's one retry policy: backoff, then rq's failed registry."""
    return {"retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS), "job_timeout": timeout}
