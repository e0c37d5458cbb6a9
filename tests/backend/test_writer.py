"""The hit writer: a hit is acknowledged only once it is in Redis or the spool, and the writer outlives every fault."""
from __future__ import annotations

import os
import threading
import time

import pytest
import redis

from telltale import queue
from telltale.gone import mark_gone
from telltale.queue import HitWriter, Spool

from .processes import wait_for
from .servers import RedisServer, spare_port


def record(number: int) -> bytes:
    return b'{"id":"%024d","kind":"open","message_id":1}' % number


def unreachable_redis() -> redis.Redis:
    return redis.Redis(port=spare_port(), socket_connect_timeout=0.2, socket_timeout=0.2)


def test_a_hit_is_acknowledged_once_redis_has_it(redis_url, tmp_path):
    conn = redis.Redis.from_url(redis_url)
    writer = HitWriter(conn, Spool(tmp_path / "spool"), lambda: None)
    assert all(writer.write(record(n)) for n in range(50))
    assert conn.llen(queue.HITS_KEY) == 50
    conn.close()


def test_a_hit_wakes_an_idle_writer_at_once(redis_url, tmp_path):
    conn = redis.Redis.from_url(redis_url)
    writer = HitWriter(conn, Spool(tmp_path / "spool"), lambda: None)
    assert writer.write(record(1))
    time.sleep(0.2)  # the flusher has nothing left and sleeps on its condition
    started = time.monotonic()
    assert writer.write(record(2))
    # Well under the flusher's own wake-up (REPLAY_EVERY, 5 s): the hit woke it.
    assert time.monotonic() - started < 1.0
    assert conn.llen(queue.HITS_KEY) == 2
    conn.close()


def test_a_forked_process_writes_through_a_flusher_of_its_own(redis_url, tmp_path):
    """gunicorn forks its web workers from the process that built the writer: the parent's flusher
    thread does not exist in a child, which must neither wait on it nor lose what it writes."""
    conn = redis.Redis.from_url(redis_url)
    writer = HitWriter(conn, Spool(tmp_path / "spool"), lambda: None)
    assert writer.write(record(1))  # the parent's flusher runs
    pid = os.fork()
    if pid == 0:
        started = time.monotonic()
        durable = all(writer.write(record(n)) for n in range(2, 7))
        os._exit(0 if durable and time.monotonic() - started < 2.0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert writer.write(record(7))  # and the parent's still does
    assert conn.llen(queue.HITS_KEY) == 7
    conn.close()


def test_it_carries_on_after_an_unexpected_error(redis_url, tmp_path):
    conn = redis.Redis.from_url(redis_url)
    faults = iter([RuntimeError("a bug in a drain request")])

    def ask_for_drain():
        fault = next(faults, None)
        if fault:
            raise fault

    writer = HitWriter(conn, Spool(tmp_path / "spool"), ask_for_drain)
    # The first batch is in Redis before the fault: it is acknowledged, and later ones still are.
    assert writer.write(record(1))
    conn.delete(queue.DRAIN_WANTED_KEY)
    assert all(writer.write(record(n)) for n in range(2, 20))
    assert conn.llen(queue.HITS_KEY) == 19 and writer.trouble is None
    conn.close()


def click(number: int, message_id: int) -> bytes:
    return b'{"id":"%024d","kind":"click","message_id":%d}' % (number, message_id)


def test_a_click_of_a_deleted_message_is_not_queued_and_says_so_while_its_batch_mates_are(redis_url, tmp_path):
    conn = redis.Redis.from_url(redis_url)
    mark_gone(conn, [7])
    writer = HitWriter(conn, Spool(tmp_path / "spool"), lambda: None)
    answers: dict[int, tuple[bool, bool]] = {}
    opened: list[bool] = []
    start = threading.Barrier(40)

    def clicker(n: int) -> None:
        start.wait()
        answers[n] = writer.write_click(click(n, 7 if n % 4 == 0 else 8), 7 if n % 4 == 0 else 8)

    def opener() -> None:
        start.wait()
        opened.append(writer.write(record(100)))

    threads = [threading.Thread(target=clicker, args=(n,)) for n in range(40)]
    threads[-1] = threading.Thread(target=opener)  # an open in the same batches as the clicks
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert opened == [True]
    assert {n: answer for n, answer in answers.items() if n % 4 == 0} == {n: (False, True) for n in range(0, 39, 4)}
    assert set(answers.values()) == {(False, True), (True, False)}
    queued = conn.lrange(queue.HITS_KEY, 0, -1)
    assert sorted(queued) == sorted([click(n, 8) for n in range(39) if n % 4] + [record(100)])

    # Deleted while the writer runs: the next click knows at once.
    mark_gone(conn, [8])
    assert writer.write_click(click(200, 8), 8) == (False, True)
    assert conn.llen(queue.HITS_KEY) == len(queued)
    conn.close()


def test_with_redis_down_a_click_is_spooled_and_goes_on_as_if_its_message_were_there(tmp_path):
    spool = Spool(tmp_path / "spool")
    writer = HitWriter(unreachable_redis(), spool, lambda: None)
    # Whether message 7 was deleted cannot be known: its click goes where its signed link says,
    # and a worker later finds no message for it if it was.
    assert writer.write_click(click(1, 7), 7) == (True, False)
    assert _spooled(spool) == [click(1, 7)]


# The thread is ended on purpose here; pytest reports any thread ending in an exception.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_writer_thread_that_ended_is_started_again_by_the_next_hit(redis_url, tmp_path):
    conn = redis.Redis.from_url(redis_url)
    stopped = threading.Event()

    def ask_for_drain():
        if not stopped.is_set():
            stopped.set()
            raise SystemExit  # ends the thread as an interpreter-level exit would: nothing catches it

    writer = HitWriter(conn, Spool(tmp_path / "spool"), ask_for_drain)
    assert writer.write(record(1))
    running = len(writer_threads())  # earlier tests' writers live on too
    stopped.wait(5)
    wait_for(lambda: len(writer_threads()) == running - 1, 5, "the writer thread to end")
    started = time.monotonic()
    assert writer.write(record(2))
    assert time.monotonic() - started < 2  # not the ack timeout waited out on a dead thread
    assert conn.llen(queue.HITS_KEY) == 2 and len(writer_threads()) == running
    conn.close()


def writer_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "telltale-hit-writer" and thread.is_alive()]


def test_with_redis_down_a_hit_is_acknowledged_once_it_is_fsynced_in_the_spool(tmp_path):
    spool = Spool(tmp_path / "spool")
    writer = HitWriter(unreachable_redis(), spool, lambda: None)
    assert writer.write(record(1)) and writer.write(record(2))
    assert sorted(_spooled(spool)) == [record(1), record(2)]
    assert writer.trouble is None


def _spooled(spool: Spool) -> list[bytes]:
    """Every record in the spool's files, read again if a replay renamed one between the listing and the read."""
    for _ in range(50):
        try:
            return b"".join(path.read_bytes() for path in spool.pending_files()).splitlines()
        except FileNotFoundError:
            time.sleep(0.01)
    raise AssertionError("the spool's files kept moving")


def test_a_hit_in_neither_redis_nor_the_spool_is_not_acknowledged_and_is_counted_lost(tmp_path):
    server = RedisServer(tmp_path)  # not started yet: Redis is down
    conn = redis.Redis(port=server.port, socket_connect_timeout=0.2, socket_timeout=0.5)
    blocked = tmp_path / "spool"
    blocked.write_text("a file where the spool folder should be")
    writer = HitWriter(conn, Spool(blocked), lambda: None)
    assert writer.write(record(1)) is False
    assert writer.lost == 1 and writer.trouble.startswith("hits are being lost: Redis is unreachable")

    # Both fixed: the next hit is acknowledged, and the loss is added to the shared count.
    blocked.unlink()
    server.start()
    try:
        assert writer.write(record(2))
        assert writer.trouble is None and queue.lost_hits(conn) == 1
    finally:
        conn.close()
        server.stop()


def test_closing_writes_what_waits_and_ends_the_flusher_and_a_later_hit_is_still_written(redis_url, tmp_path):
    conn = redis.Redis.from_url(redis_url)
    writer = HitWriter(conn, Spool(tmp_path / "spool"), lambda: None)
    assert writer.write(record(1))
    running = len(writer_threads())
    answers: list[bool] = []
    threads = [threading.Thread(target=lambda n=n: answers.append(writer.write(record(n)))) for n in range(2, 30)]
    for thread in threads:
        thread.start()
    writer.close()
    for thread in threads:
        thread.join(10)
    assert answers == [True] * 28 and conn.llen(queue.HITS_KEY) == 29
    wait_for(lambda: len(writer_threads()) == running - 1, 5, "the closed writer's thread to end")

    # A hit after closing starts the flusher to write it, and it stops again.
    assert writer.write(record(30)) and conn.llen(queue.HITS_KEY) == 30
    wait_for(lambda: len(writer_threads()) == running - 1, 5, "the flusher to stop again")
    conn.close()


def test_an_apps_writer_stops_with_its_services(settings, make_app):
    app = make_app(settings)
    client = app.test_client()
    running = len(writer_threads())
    assert client.get("/p/forged.gif").status_code == 200  # counted as forged: starts the writer
    assert len(writer_threads()) == running + 1
    app.extensions["telltale"].close()
    wait_for(lambda: len(writer_threads()) == running, 5, "the app's writer to stop")
