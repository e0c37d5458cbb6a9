"""How many hits wait in Redis for a worker, and how many the web processes could not keep."""
from __future__ import annotations

import redis

from .keys import HITS_KEY, LOST_COUNTER_KEY


def pending_hits(conn: redis.Redis) -> int:
    return int(conn.llen(HITS_KEY))


def lost_hits(conn: redis.Redis) -> int:
    return int(conn.get(LOST_COUNTER_KEY) or 0)
