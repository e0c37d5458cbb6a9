"""Pushing hits: one Redis round trip for a whole batch, and a drain job only when none is wanted yet.

Hits are JSON records on one Redis list. Pushing a batch costs one round trip of two commands
(RPUSH and SET NX); only when that SET finds no drain already wanted is an rq job enqueued, so a
busy server enqueues almost nothing while a worker drains continuously.

A click must also learn whether its message was deleted (a deleted message's links answer 410,
telltale/gone.py). That check rides in the same round trip: one script pushes each click whose
message is not in the deleted set and names those that are, so a click on a deleted message is
never queued, and a click costs no round trip of its own (one of its own halved the link's rate,
`make bench`: 13-15k against 32k requests/s on the same run's machine).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import redis

from .keys import DRAIN_WANTED_KEY, DRAIN_WANTED_TTL, FORGED_COUNTER_KEY, GONE_KEY, HITS_KEY, LOST_COUNTER_KEY

# KEYS: the hit list, the deleted set. ARGV: message id and record, by pairs (a batch's at most
# 1,000, well under what Lua's unpack takes). Returns the ids found deleted. Sent whole (EVAL, not
# EVALSHA): Redis keeps the compiled script by its hash, and redis-py's pipelines check every
# registered script with SCRIPT EXISTS, a round trip more, before each batch.
_PUSH_UNLESS_GONE = """
local kept, gone = {}, {}
for i = 1, #ARGV, 2 do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1 then
    gone[#gone + 1] = ARGV[i]
  else
    kept[#kept + 1] = ARGV[i + 1]
  end
end
if #kept > 0 then
  redis.call('RPUSH', KEYS[1], unpack(kept))
end
return gone
"""


class Pushed(NamedTuple):
    drain_wanted: bool
    # Ids of the clicks' messages found deleted; their clicks were not pushed.
    gone: frozenset[int]


def push_hits(conn: redis.Redis, records: Sequence[bytes], forged: int = 0, lost: int = 0) -> bool:
    """Append `records` to the hit list; return True when a drain job should be enqueued."""
    return push_batch(conn, records, (), forged, lost).drain_wanted


def push_batch(conn: redis.Redis, records: Sequence[bytes], clicks: Sequence[tuple[int, bytes]],
               forged: int = 0, lost: int = 0) -> Pushed:
    """Append `records`, and each of `clicks` (message id, record) whose message was not deleted."""
    pipe = conn.pipeline(transaction=False)
    if records:
        pipe.rpush(HITS_KEY, *records)
    if clicks:
        pipe.eval(_PUSH_UNLESS_GONE, 2, HITS_KEY, GONE_KEY, *(part for click in clicks for part in click))
    if records or clicks:
        pipe.set(DRAIN_WANTED_KEY, b"1", nx=True, ex=DRAIN_WANTED_TTL)
    if forged:
        pipe.incrby(FORGED_COUNTER_KEY, forged)
    if lost:
        pipe.incrby(LOST_COUNTER_KEY, lost)
    results = pipe.execute()
    gone = frozenset(map(int, results[bool(records)])) if clicks else frozenset()
    drain_wanted = bool(records or clicks) and bool(results[bool(records) + bool(clicks)])
    return Pushed(drain_wanted, gone)
