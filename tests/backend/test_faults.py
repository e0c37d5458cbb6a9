"""No acknowledged hit is ever lost: a real instance under load while its parts fail.

Each case runs its own Redis (append-only file, spare port), two web processes, a worker and a
database, sends numbered pixel hits, breaks something mid-load, heals it, and counts what became
of every hit. Every case must end with 0 acknowledged hits lost and 0 stored twice.
"""
from __future__ import annotations

import shutil
import signal
import time

import pytest
import redis

from telltale import queue

from .faults import Instance, Tally, background, when
from .processes import stop
from .servers import PostgresServer

HITS = 5000
# Slow enough that the fault lands in the middle of the load, fast enough to keep `make test` short.
RATE = 400

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def instance(tmp_path):
    running = Instance(tmp_path)
    yield running
    running.close()


def assert_nothing_lost(instance: Instance, tally, *, all_acknowledged: bool) -> None:
    instance.settled()
    counts = instance.counts(tally)
    print(f"\n{counts.line()}")
    assert counts.sent == HITS
    assert counts.lost == 0, counts.line()
    assert counts.duplicated == 0, counts.line()
    if all_acknowledged:
        assert counts.acknowledged == HITS, counts.line()


def under_load(instance: Instance, fault, *, after: float = 0.3) -> Tally:
    """Start the instance, send HITS at RATE, run `fault` once `after` of them are sent; return the tally."""
    instance.start_web()
    instance.start_worker()
    load = background(instance.load, HITS, rate=RATE, tally=(tally := Tally()))
    when(lambda: tally.sent > HITS * after)
    fault()
    load.join()
    return tally


def redis_down_for(instance: Instance, seconds: float):
    def fault():
        instance.redis.kill()
        time.sleep(seconds)
        if seconds > 10:
            assert instance.health()[0] == 503
        instance.redis.start()

    return fault


def test_redis_killed_mid_load_and_back_loses_nothing(instance):
    tally = under_load(instance, redis_down_for(instance, 5))
    # Hits Redis took before the crash come back from its append-only file; the rest were spooled.
    assert_nothing_lost(instance, tally, all_acknowledged=True)
    assert instance.worker.poll() is None, "the worker waited Redis out instead of exiting"


def test_redis_gone_longer_than_the_ack_timeout_loses_nothing(instance):
    tally = under_load(instance, redis_down_for(instance, 12), after=0.1)
    assert_nothing_lost(instance, tally, all_acknowledged=True)
    assert instance.worker.poll() is None, "the worker waited Redis out instead of exiting"


def test_a_spool_that_cannot_be_written_while_redis_is_down_is_said_and_healed(instance):
    instance.start_web()
    instance.start_worker()
    instance.redis.kill()
    spool = instance.settings.spool_dir
    shutil.rmtree(spool, ignore_errors=True)
    spool.write_text("a file where the spool folder should be: every write to the spool fails\n")

    tally = instance.load(300)
    assert tally.acknowledged == set() and tally.refused == 300  # served, but not as a success
    status, health = instance.health()
    assert status == 503 and health["hits"].startswith("hits are being lost"), health

    spool.unlink()
    instance.redis.start()
    started = time.monotonic()
    instance.load(HITS - 300, tally=tally, first=300)
    # Answered at once, not after waiting out the ack timeout on a dead writer.
    assert time.monotonic() - started < 30
    assert_nothing_lost(instance, tally, all_acknowledged=False)
    assert len(tally.acknowledged) == HITS - 300
    status, health = instance.health()
    assert status == 200 and health["lost_hits"] >= 300, health


def test_a_worker_killed_twice_mid_drain_loses_nothing(instance):
    instance.start_web()
    tally = instance.load(HITS)
    conn = redis.Redis.from_url(instance.redis.url)
    try:
        previous = None
        for _ in range(2):
            instance.start_worker()
            when(lambda seen=previous: conn.get(queue.DRAIN_LOCK_KEY) not in (None, seen), 60)
            previous = conn.get(queue.DRAIN_LOCK_KEY)
            stop(instance.worker, signal.SIGKILL)
            assert conn.llen(queue.HITS_KEY) > 0, "the drain finished before the kill: nothing was tested"
    finally:
        conn.close()
    instance.start_worker()
    assert_nothing_lost(instance, tally, all_acknowledged=True)


def test_the_web_server_killed_and_restarted_loses_nothing(instance):
    def fault():
        stop(instance.web, signal.SIGKILL)
        instance.start_web()

    tally = under_load(instance, fault)
    assert_nothing_lost(instance, tally, all_acknowledged=False)


def test_the_database_down_for_10_s_loses_nothing(tmp_path):
    database = PostgresServer()
    database.start()
    instance = Instance(tmp_path, database_url=database.url)
    def fault():
        database.crash()
        time.sleep(10)
        database.start()

    try:
        tally = under_load(instance, fault)
        assert_nothing_lost(instance, tally, all_acknowledged=True)
    finally:
        instance.close()
        database.destroy()
