"""The per-user event stream and its doorbell.

Every event goes to a bounded Redis stream per user, and its id rings that user's doorbell
channel in the same Lua call, so stream order and doorbell order agree. Readers never take
events from the doorbell: they read the stream after the last id they sent. Live delivery and
catching up after a reconnect are then the same read, which cannot skip or repeat an event.
"""
from __future__ import annotations

import json

import orjson
import redis

STREAM_PREFIX = "telltale:events:"
DOORBELL_PREFIX = "telltale:doorbell:"
DOORBELL_PATTERN = DOORBELL_PREFIX + "*"
READ_BATCH = 200
MAX_ID_PART = 2**64 - 1

# Any number of events for one user, in order; the doorbell rings once, with the newest id: a
# reader fetches everything after the id it has, so one ring covers the lot. Only that id comes
# back: a reply of every id cost the worker more to parse than the script took to run.
_APPEND = """
local id
for i = 2, #ARGV do
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
end
redis.call('PUBLISH', KEYS[2], id)
return id
"""


def stream_key(user_id: int) -> str:
    return f"{STREAM_PREFIX}{user_id}"


def doorbell(user_id: int) -> str:
    return f"{DOORBELL_PREFIX}{user_id}"


def user_of_doorbell(channel: bytes) -> int | None:
    suffix = channel.decode("ascii", "replace").removeprefix(DOORBELL_PREFIX)
    return int(suffix) if suffix.isdigit() else None


def append(conn: redis.Redis, user_id: int, event: dict, history: int) -> str:
    """Add `event` to the user's stream (keeping about `history` events); return its id."""
    return append_many(conn, [(user_id, event)], history)[user_id]


def append_many(conn: redis.Redis, events: list[tuple[int, dict]], history: int) -> dict[int, str]:
    """`append` each (user id, event), in order for each user, in one round trip; return each user's newest id."""
    per_user: dict[int, list[bytes]] = {}
    for user_id, event in events:
        per_user.setdefault(user_id, []).append(orjson.dumps(event))
    pipe = conn.pipeline(transaction=False)
    # EVALSHA, loading the script when Redis lacks it: its text is not sent with every call.
    script = pipe.register_script(_APPEND)
    for user_id, payloads in per_user.items():
        script(keys=[stream_key(user_id), doorbell(user_id)], args=[history, *payloads])
    return {user_id: newest.decode("ascii") for user_id, newest in zip(per_user, pipe.execute(), strict=True)}


def read_after(conn: redis.Redis, user_id: int, last_id: str) -> list[dict]:
    """Return the user's events after `last_id` (oldest first), each with its `id`."""
    entries = conn.xrange(stream_key(user_id), min=f"({last_id}", count=READ_BATCH)
    events = []
    for entry_id, fields in entries:
        event = json.loads(fields[b"e"])
        event["id"] = entry_id.decode("ascii")
        events.append(event)
    return events


def newest_id(conn: redis.Redis, user_id: int) -> str:
    """Return the id of the user's newest event, or "0-0" when there is none."""
    newest = conn.xrevrange(stream_key(user_id), count=1)
    return newest[0][0].decode("ascii") if newest else "0-0"


def valid_id(value: str) -> bool:
    """Tell whether `value` is a Redis stream id: "<ms>-<seq>", each an unsigned 64-bit number."""
    millis, sep, seq = value.partition("-")
    parts = (millis, seq)
    # isdigit alone lets non-ASCII digits and numbers past Redis's range through, and Redis
    # refuses those only when the stream is read: a client would be closed on every reconnect.
    if not sep or not all(part.isascii() and part.isdigit() and len(part) <= 20 for part in parts):
        return False
    numbers = (int(millis), int(seq))
    # Nothing can follow the largest id, so Redis refuses to read after it.
    return max(numbers) <= MAX_ID_PART and numbers != (MAX_ID_PART, MAX_ID_PART)
