"""Popup state kept in Redis: one popup per thread per window, a daily cap, and held popups.

A popup has an id the extension reuses for `chrome.notifications.create`, so a coalesced event
updates the popup already on screen instead of raising a new one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis

from .policy import COALESCE_SECONDS, THREAD_POPUPS_PER_DAY

KINDS = ("open", "click", "reply")
_PREFIX = "telltale:popup:"

# Returns {id, fresh(1/0), open, click, reply} for a popup to show or update; {} for none;
# {"capped"} when the thread has had its popups for today.
_COALESCE = """
local id = redis.call('HGET', KEYS[1], 'id')
if id then
  redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  local t = redis.call('HMGET', KEYS[1], 'open', 'click', 'reply')
  return {id, '0', t[1] or '0', t[2] or '0', t[3] or '0'}
end
if ARGV[4] == '0' then return {} end
local today = redis.call('INCR', KEYS[2])
if today == 1 then redis.call('EXPIRE', KEYS[2], 86400) end
if today > tonumber(ARGV[5]) then return {'capped'} end
redis.call('HSET', KEYS[1], 'id', ARGV[1], ARGV[2], 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
local t = redis.call('HMGET', KEYS[1], 'open', 'click', 'reply')
return {ARGV[1], '1', t[1] or '0', t[2] or '0', t[3] or '0'}
"""


@dataclass(frozen=True)
class Popup:
    id: str
    fresh: bool
    tally: dict[str, int]


def coalesce(conn: redis.Redis, user_id: int, thread: str, popup_id: str, kind: str, worthy: bool) -> Popup | None:
    """Fold an event into its thread's open popup, or open one if the event is worth it."""
    window, day = f"{_PREFIX}{user_id}:{thread}", f"{_PREFIX}{user_id}:{thread}:day"
    reply = conn.eval(_COALESCE, 2, window, day, popup_id, kind, COALESCE_SECONDS, int(worthy), THREAD_POPUPS_PER_DAY)
    if len(reply) < 5:
        return None
    counts = [int(value) for value in reply[2:]]
    return Popup(reply[0].decode(), reply[1] == b"1", dict(zip(KINDS, counts, strict=True)))


def hold(conn: redis.Redis, user_id: int, kind: str, message_id: int, until: datetime) -> bool:
    """Keep a popup-worthy event for the summary at `until`; True when no release is planned yet."""
    key = f"{_PREFIX}{user_id}:held"
    pipe = conn.pipeline()
    pipe.hincrby(key, kind, 1)
    pipe.sadd(f"{key}:messages", message_id)
    pipe.set(f"{key}:release", until.isoformat(), nx=True, exat=int(until.timestamp()) + 60)
    return bool(pipe.execute()[2])


def take_held(conn: redis.Redis, user_id: int) -> tuple[dict[str, int], int]:
    """Remove and return what was held: counts by kind and how many messages they touched."""
    key = f"{_PREFIX}{user_id}:held"
    pipe = conn.pipeline()
    pipe.hgetall(key)
    pipe.scard(f"{key}:messages")
    pipe.delete(key, f"{key}:messages", f"{key}:release")
    counts, messages, _ = pipe.execute()
    return {kind: int(counts.get(kind.encode(), 0)) for kind in KINDS}, int(messages)
