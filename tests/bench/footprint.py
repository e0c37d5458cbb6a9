"""Footprint: the memory of everything `make run` starts (`telltale run`: web, worker, embedded Redis).

It runs in a temporary TELLTALE_HOME with REDIS_URL on a spare port where nothing answers, so
`telltale run` starts its embedded Redis as on a fresh machine. Memory is read per process and
summed over the tree: PSS (shared pages split between the processes sharing them, so forked
gunicorn workers are not counted twice), RSS beside it. Read twice: idle after start, and idle
again after HITS pixel hits have been answered and stored, to catch growth.

The budget excludes Redis: its memory is the backlog's, which a user sizes, not Telltale's code.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import redis

from telltale import queue

from . import procmem, wrk
from .harness import Deadline, answers, launch, path_of, poll, register_message, spare_port, stop, wait_for

IDLE_SECONDS = 5.0
HITS = 100_000
MESSAGES = 200
MAX_PSS_MB = 150.0
LOAD_CHUNK_SECONDS = 5


def measure(folder: Path, deadline: Deadline, hits: int = HITS, idle_seconds: float = IDLE_SECONDS) -> dict:
    port = spare_port()
    home = folder / "home"
    env = {**os.environ, "TELLTALE_HOME": str(home), "TELLTALE_BIND": f"127.0.0.1:{port}",
           "TELLTALE_PUBLIC_URL": f"http://127.0.0.1:{port}", "REDIS_URL": f"redis://127.0.0.1:{spare_port()}/0",
           "TELLTALE_RATE_LIMIT_API": "100000/minute"}
    env.pop("DATABASE_URL", None)
    folder.mkdir(parents=True, exist_ok=True)
    token = _user(env)
    run = launch([sys.executable, "-m", "telltale", "run"], env, log=folder / "run.log")
    seen: list[tuple[int, int | None]] = []
    after: dict = {}
    try:
        wait_for(lambda: run.poll() is None and answers("127.0.0.1", port), min(60, deadline.left()),
                 f"`telltale run` to answer (see {folder / 'run.log'})")
        time.sleep(idle_seconds)
        seen = [(pid, procmem.started(pid)) for pid in procmem.tree(run.pid)]
        idle = [_one(pid) for pid, _ in seen]
        if hits:
            after = _after_hits(folder, run.pid, port, token, hits, deadline, idle_seconds)
    finally:
        stop(run)
        procmem.kill_strays(seen[1:])
    total = _totals(idle)
    grown = _totals(after["processes"]) if after.get("processes") else None
    met = (total["pss_mb"] is not None and total["pss_mb"] <= MAX_PSS_MB
           and (grown is None or grown["pss_mb"] is not None and grown["pss_mb"] <= MAX_PSS_MB))
    return {
        "processes": idle,
        "total_rss_mb": total["rss_mb"],
        "without_redis_pss_mb": total["pss_mb"],
        "redis_pss_mb": total["redis_pss_mb"],
        "after_hits": {**after, **({"without_redis_pss_mb": grown["pss_mb"], "redis_pss_mb": grown["redis_pss_mb"]}
                                   if grown else {})},
        "idle_seconds": idle_seconds,
        "reference": None,
        "ratio": None,
        "target": {"text": f"everything `make run` starts, idle, excluding Redis: <= {MAX_PSS_MB:g} MB PSS,"
                           f" also after {hits:,} hits", "max_pss_mb": MAX_PSS_MB},
        "met": met,
    }


def _user(env: dict) -> str:
    """Create the instance's database and a user with an API token, as the bench's client."""
    def telltale(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "telltale", *args], env=env, capture_output=True, text=True,
                              timeout=60, check=True).stdout

    telltale("db", "upgrade")
    return json.loads(telltale("user", "create", "bench@example.test", "--json"))["token"]


def _after_hits(folder: Path, run_pid: int, port: int, token: str, hits: int, deadline: Deadline,
                idle_seconds: float) -> dict:
    """Answer `hits` pixel hits, wait until every one is stored, let the tree idle, read it again."""
    paths = [path_of(register_message("127.0.0.1", port, token)["pixel_url"]) for _ in range(MESSAGES)]
    script = wrk.write_script(folder, "footprint-pixel", paths)
    answered, started = 0, time.monotonic()
    while answered < hits and deadline.left() > LOAD_CHUNK_SECONDS + 60:
        run = wrk.run(f"http://127.0.0.1:{port}", script, LOAD_CHUNK_SECONDS)
        answered += run["requests"] - run["non_2xx_3xx"]
    loaded_in = time.monotonic() - started
    backlog = redis.Redis.from_url(f"unix://{folder / 'home' / 'redis' / 'redis.sock'}")
    try:
        drained = poll(lambda: queue.pending_hits(backlog) == 0, Deadline(min(120, deadline.left() - 10)), every=0.5)
    finally:
        backlog.close()
    time.sleep(idle_seconds)
    return {"hits_answered": answered, "load_seconds": round(loaded_in, 1), "drained": drained,
            "processes": [_one(pid) for pid in procmem.tree(run_pid)]}


def _totals(processes: list[dict]) -> dict:
    pss = [p["pss_mb"] for p in processes]
    redis_pss = sum(p["pss_mb"] or 0 for p in processes if p["name"].startswith("redis-server"))
    return {"rss_mb": round(sum(p["rss_mb"] for p in processes), 1),
            "pss_mb": round(sum(pss) - redis_pss, 1) if None not in pss else None,
            "redis_pss_mb": round(redis_pss, 1)}


def _one(pid: int) -> dict:
    pss = procmem.pss_kb(pid)
    return {"pid": pid, "name": procmem.name(pid), "rss_mb": round(procmem.rss_kb(pid) / 1024, 1),
            "pss_mb": round(pss / 1024, 1) if pss is not None else None}
