"""Footprint: the memory of everything `make run` starts (`telltale run`: web, worker, embedded Redis) when idle.

It runs in a temporary TELLTALE_HOME with REDIS_URL on a spare port where nothing answers, so
`telltale run` starts its embedded Redis as on a fresh machine. Memory is summed over the whole
process tree: PSS where /proc lets us read it (shared pages split between the processes sharing
them, so forked gunicorn workers are not counted twice), RSS beside it.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from . import procmem
from .harness import Deadline, answers, launch, spare_port, stop, wait_for

IDLE_SECONDS = 5.0


def measure(folder: Path, deadline: Deadline, idle_seconds: float = IDLE_SECONDS) -> dict:
    port = spare_port()
    env = {**os.environ, "TELLTALE_HOME": str(folder / "home"), "TELLTALE_BIND": f"127.0.0.1:{port}",
           "TELLTALE_PUBLIC_URL": f"http://127.0.0.1:{port}", "REDIS_URL": f"redis://127.0.0.1:{spare_port()}/0"}
    env.pop("DATABASE_URL", None)
    folder.mkdir(parents=True, exist_ok=True)
    run = launch([sys.executable, "-m", "telltale", "run"], env, log=folder / "run.log")
    seen: list[tuple[int, int | None]] = []
    try:
        wait_for(lambda: run.poll() is None and answers("127.0.0.1", port), min(60, deadline.left()),
                 f"`telltale run` to answer (see {folder / 'run.log'})")
        time.sleep(idle_seconds)
        seen = [(pid, procmem.started(pid)) for pid in procmem.tree(run.pid)]
        processes = [_one(pid) for pid, _ in seen]
    finally:
        stop(run)
        _reap_strays(seen[1:])
    total_rss = sum(p["rss_mb"] for p in processes)
    pss = [p["pss_mb"] for p in processes]
    return {
        "processes": processes,
        "total_rss_mb": round(total_rss, 1),
        "total_pss_mb": round(sum(pss), 1) if None not in pss else None,
        "idle_seconds": idle_seconds,
        "reference": None,
        "ratio": None,
        "target": {"text": "reported: the issue sets no budget for the idle footprint"},
        "met": None,
    }


def _one(pid: int) -> dict:
    pss = procmem.pss_kb(pid)
    return {"pid": pid, "name": procmem.name(pid), "rss_mb": round(procmem.rss_kb(pid) / 1024, 1),
            "pss_mb": round(pss / 1024, 1) if pss is not None else None}


def _reap_strays(processes: list[tuple[int, int | None]]) -> None:
    """Kill any of `run`'s children that outlived it (it stops them itself; this is the fallback)."""
    for pid, started in processes:
        if started is None or procmem.started(pid) != started:
            continue  # gone, or the pid now names someone else's process
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
