"""Pushing hits: one Redis round trip for a whole batch, and a drain job only when none is wanted yet.

Hits are JSON records on one Redis list. Pushing a batch costs one round trip of two commands
(RPUSH and SET NX); only when that SET finds no drain already wanted is an rq job enqueued, so a
busy server enqueues almost nothing while a worker drains continuously.
"""
from __future__ import annotations

from collections.abc import Sequence

import redis

from .keys import DRAIN_WANTED_KEY, DRAIN_WANTED_TTL, FORGED_COUNTER_KEY, HITS_KEY, LOST_COUNTER_KEY


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
