"""Cutting whole addresses in hits that have waited too long in Redis (worker/retention.py)."""
from __future__ import annotations

import json
import os

import redis

from .keys import DRAIN_LOCK_KEY, HITS_KEY
from .spool import cut_record

CHUNK = 1000
LOCK_TTL_MS = 15_000
# A pass looks at no more than this many waiting hits; the next sweep goes on.
MOST = 100_000
_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def cut_waiting_addresses(conn: redis.Redis, before: float) -> int:
    """Rewrite, in place, the hits at the head of the list from before `before` with cut addresses.

    It holds the drainers' lock: a drainer trims the head by count once it has stored it, so no
    record may change under it; with a drainer at work, the old hits are being stored (and cut) now.
    """
    owner = os.urandom(16).hex()
    if not conn.set(DRAIN_LOCK_KEY, owner, nx=True, px=LOCK_TTL_MS):
        return 0
    cut, reached_recent = 0, False
    try:
        for start in range(0, MOST, CHUNK):
            raw = conn.lrange(HITS_KEY, start, start + CHUNK - 1)
            pipe = conn.pipeline(transaction=False)
            for offset, record in enumerate(raw):
                # The list is in the order hits came: past the first recent one, none are old.
                if json.loads(record).get("at", 0) >= before:
                    reached_recent = True
                    break
                shorter = cut_record(record, before)
                if shorter is not None:
                    pipe.lset(HITS_KEY, start + offset, shorter)
                    cut += 1
            pipe.execute()
            if reached_recent or len(raw) < CHUNK:
                break
    finally:
        conn.eval(_RELEASE_IF_OWNER, 1, DRAIN_LOCK_KEY, owner)
    return cut

