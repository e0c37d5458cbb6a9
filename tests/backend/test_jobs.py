"""Every job is enqueued by a name that leads to a function, with the one retry policy, now or later."""
from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from telltale import queue
from telltale.queue import jobs

NAMES = [jobs.DRAIN_JOB, jobs.STORE_JOB, jobs.DIGEST_JOB, jobs.RELEASE_JOB, jobs.POLL_JOB]


@pytest.mark.parametrize("name", NAMES)
def test_each_job_name_leads_to_a_function(name):
    module, _, function = name.rpartition(".")
    assert callable(getattr(importlib.import_module(module), function))


def test_a_job_enqueued_now_carries_the_retry_policy(redis_url):
    conn = redis.Redis.from_url(redis_url)
    queue.enqueue_digest(conn, "telltale", 7)
    [job] = Queue("telltale", connection=conn).jobs
    assert job.func_name == queue.DIGEST_JOB and job.args == (7,)
    assert job.retries_left == len(queue.RETRY_INTERVALS) and job.retry_intervals == queue.RETRY_INTERVALS
    conn.close()


def test_a_job_enqueued_for_later_carries_the_same_retry_policy(redis_url):
    conn = redis.Redis.from_url(redis_url)
    at = datetime.now(UTC) + timedelta(hours=1)
    queue.enqueue_release(conn, "telltale", at, 7)
    scheduled = ScheduledJobRegistry("telltale", connection=conn)
    [job_id] = scheduled.get_job_ids()
    job = Job.fetch(job_id, connection=conn)
    assert job.func_name == queue.RELEASE_JOB and job.args == (7,)
    assert job.retries_left == len(queue.RETRY_INTERVALS) and job.retry_intervals == queue.RETRY_INTERVALS
    assert abs(scheduled.get_scheduled_time(job_id).timestamp() - at.timestamp()) < 2
    conn.close()
