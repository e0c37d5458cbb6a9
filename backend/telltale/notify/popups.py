"""Popup state kept in Redis: one popup per thread per window, a daily cap, and held popups.

A popup has an id the extension reuses for `chrome.notifications.create`, so a coalesced event
updates the popup already on screen instead of raising a new one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis

from .policy import COALESCE_SECONDS, THREAD_POPUPS_PER_DAY

KINDS = ("open", "click", "reply", "view")
_PREFIX = "telltale:popup:"

# For each event in turn (KEYS: its thread's window and day keys; ARGV: the window's seconds, the
# daily cap, then popup id, kind and worthiness per event), one line of the reply: "id fresh(1/0)
# open click reply view" for a popup to show or update; "" for none; "capped" when the thread has
# had its popups for today. One call for a whole batch of events, in order; one string back, as a
# nested reply per event cost the worker more to parse than the script took to run.
_COALESCE = """
local out = {}
for e = 1, #KEYS / 2 do
  local window, day = KEYS[2 * e - 1], KEYS[2 * e]
  local new_id, kind, worthy = ARGV[3 * e], ARGV[3 * e + 1], ARGV[3 * e + 2]
  local id = redis.call('HGET', window, 'id')
  local fresh = '0'
  if not id and worthy == '1' then
    local today = redis.call('INCR', day)
    if today == 1 then redis.call('EXPIRE', day, 86400) end
    if today > tonumber(ARGV[2]) then
      out[e] = 'capped'
    else
      redis.call('HSET', window, 'id', new_id, kind, 0)
      id, fresh = new_id, '1'
    end
  end
  if id then
    redis.call('HINCRBY', window, kind, 1)
    redis.call('EXPIRE', window, ARGV[1])
    local t = redis.call('HMGET', window, 'open', 'click', 'reply', 'view')
    out[e] = table.concat({id, fresh, t[1] or '0', t[2] or '0', t[3] or '0', t[4] or '0'}, ' ')
  elseif not out[e] then
    out[e] = ''
  end
end
return table.concat(out, '\\n')
"""


@dataclass(frozen=True)
class Popup:
    id: str
    fresh: bool
    tally: dict[str, int]


@dataclass(frozen=True)
class Event:
    """An event that may raise or update its thread's popup."""

    user_id: int
    thread: str
    popup_id: str
    kind: str
    worthy: bool


def coalesce(conn: redis.Redis, events: list[Event]) -> list[Popup | None]:
    """Fold each event, in order, into its thread's open popup, or open one if it is worth it.

    One round trip for them all; the popup each event shows, or None.
    """
    if not events:
        return []
    keys, args = [], [COALESCE_SECONDS, THREAD_POPUPS_PER_DAY]
    for event in events:
        window = f"{_PREFIX}{event.user_id}:{event.thread}"
        keys += [window, f"{window}:day"]
        args += [event.popup_id, event.kind, int(event.worthy)]
    # EVALSHA, loading the script when Redis lacks it: its text is not sent with every call.
    replies = conn.register_script(_COALESCE)(keys=keys, args=args)
    return [_popup_of(reply) for reply in replies.decode().split("\n")]


def _popup_of(reply: str) -> Popup | None:
    fields = reply.split(" ")
    if len(fields) < 2 + len(KINDS):
        return None
    counts = [int(value) for value in fields[2:]]
    return Popup(fields[0], fields[1] == "1", dict(zip(KINDS, counts, strict=True)))


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
