"""The spool shared by every process on a machine: each file replayed by one process, none lost."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import redis

from telltale import queue
from telltale.queue import Spool

from .processes import wait_for

RECORDS = 6000
# Several processes replaying one folder together, as two web processes and a worker do when
# Redis comes back. Each pushes into the Redis list the real replay pushes into.
REPLAYER = """
import sys, time, redis
from telltale import queue
from telltale.queue import Spool
conn = redis.Redis.from_url(sys.argv[2])
start = float(sys.argv[3])
pause = float(sys.argv[4])
def push(chunk):
    queue.push_hits(conn, chunk)
    print(len(chunk), flush=True)
    time.sleep(pause)
time.sleep(max(0.0, start - time.time()))
Spool(__import__("pathlib").Path(sys.argv[1])).replay(push)
"""


def spooled(spool: Spool, files: int) -> set[bytes]:
    """Spool RECORDS hits into `files` files waiting for a replay, as repeated outages leave them."""
    records = [b'{"id":"%024d","kind":"open","message_id":1}' % number for number in range(RECORDS)]
    per_file = RECORDS // files
    for first in range(0, RECORDS, per_file):
        for batch in range(first, first + per_file, 100):
            spool.append(records[batch:batch + 100])
        try:
            spool.replay(_redis_down)  # renames the file for replay, then fails as Redis is still down
        except redis.ConnectionError:
            pass
    assert len(spool.pending_files()) == files
    return set(records)


def _redis_down(chunk):
    raise redis.ConnectionError("Redis is down")


def replayer(spool: Spool, url: str, start: float, pause: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", REPLAYER, str(spool.directory), url, str(start), str(pause)],
                            stdout=subprocess.PIPE, text=True)


def test_processes_replaying_together_push_each_record_once(tmp_path, redis_url):
    spool = Spool(tmp_path / "spool")
    records = spooled(spool, files=6)
    start = time.time() + 1.5
    processes = [replayer(spool, redis_url, start) for _ in range(3)]
    for process in processes:
        process.communicate(timeout=60)
        assert process.returncode == 0
    with redis.Redis.from_url(redis_url) as conn:
        pushed = conn.lrange(queue.HITS_KEY, 0, -1)
    assert len(pushed) == RECORDS and set(pushed) == records
    assert spool.pending_files() == []


def test_a_file_whose_replayer_died_is_taken_over(tmp_path, redis_url):
    spool = Spool(tmp_path / "spool")
    records = spooled(spool, files=1)
    doomed = replayer(spool, redis_url, 0, pause=5)  # pushes one chunk, then dawdles
    assert doomed.stdout.readline().strip()
    # While it lives, its claim holds: another replay leaves the file alone.
    assert spool.replay(lambda chunk: None) == 0
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    doomed.stdout.close()
    with redis.Redis.from_url(redis_url) as conn:
        wait_for(lambda: spool.replay(lambda chunk: queue.push_hits(conn, chunk)) > 0, 10, "the file to be taken over")
        pushed = conn.lrange(queue.HITS_KEY, 0, -1)
    # The chunk pushed before the kill comes again; the worker stores each hit id once.
    assert set(pushed) == records and len(pushed) == RECORDS + 500
    assert spool.pending_files() == []
