"""Durability at full load: Redis killed mid-load and back, every hit counted, beside the same load unbroken.

The instance is the fault suite's (two web processes, a worker, Redis with an append-only file):
the same numbered pixel hits, as fast as the client threads can send them. The reference is a
run of the same size on a fresh instance with nothing broken, measured just before.
"""
from __future__ import annotations

import time
from pathlib import Path

from ..backend.faults import Instance, Tally, background, when
from .harness import Deadline

CONCURRENCY = 32
OUTAGE_SECONDS = 5.0


def measure(folder: Path, deadline: Deadline, hits: int) -> dict:
    reference = _run(folder / "unbroken", hits, deadline, fault=False)
    broken = _run(folder / "redis-killed", hits, deadline, fault=True)
    return {
        "redis_killed": broken,
        "reference": {"unbroken": reference},
        "ratio": {"acknowledged_per_second_vs_unbroken": round(broken["acknowledged_per_second"]
                                                               / reference["acknowledged_per_second"], 3)},
        "target": {"text": "0 acknowledged hits lost, 0 stored twice, with Redis killed mid-load and back",
                   "max_lost": 0, "max_duplicated": 0},
        "met": broken["lost"] == 0 and broken["duplicated"] == 0,
    }


def _run(folder: Path, hits: int, deadline: Deadline, *, fault: bool) -> dict:
    folder.mkdir(parents=True)
    instance = Instance(folder)
    try:
        instance.start_web()
        instance.start_worker()
        tally = Tally()
        started = time.monotonic()
        load = background(instance.load, hits, concurrency=CONCURRENCY, tally=tally)
        if fault:
            when(lambda: tally.sent > hits * 0.3 or not load.is_alive(), deadline.left())
            instance.redis.kill()
            time.sleep(OUTAGE_SECONDS)
            instance.redis.start()
        load.join(deadline.left())
        loaded = time.monotonic() - started
        instance.settled(max(10.0, deadline.left()))
        settled = time.monotonic() - started
        counts = instance.counts(tally)
    finally:
        instance.close()
    return {
        "sent": counts.sent, "acknowledged": counts.acknowledged, "stored": counts.stored,
        "duplicated": counts.duplicated, "lost": counts.lost,
        "acknowledged_per_second": round(counts.acknowledged / loaded),
        "load_seconds": round(loaded, 1), "all_stored_after_seconds": round(settled, 1),
        **({"outage_seconds": OUTAGE_SECONDS} if fault else {}),
    }
