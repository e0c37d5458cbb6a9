"""Messages that no longer exist (deleted, or past their retention), for the link redirect.

The hot path reads no database, yet a tracked link must stop redirecting once its message is gone:
the link's target was the sender's to keep, and it goes with the rest of their data. Deleting
records the message ids in one Redis set; a click's hit is pushed only if its message is not in it,
and the click answers 410 if it is, both in the hit writer's round trip (queue/push.py). Only
links ask: the pixel answers its GIF whatever happens, and the worker discards a hit on a message
that does not exist.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

import redis
from sqlalchemy import event

from .queue.keys import GONE_KEY

log = logging.getLogger(__name__)


def mark_gone(conn: redis.Redis, message_ids: Iterable[int]) -> None:
    ids = [int(message_id) for message_id in message_ids]
    if ids:
        conn.sadd(GONE_KEY, *ids)


def mark_gone_on_commit(session, conn: redis.Redis, message_ids: Iterable[int]) -> None:
    """Mark `message_ids` gone once `session` commits the deletion (a rollback keeps them)."""
    ids = list(message_ids)
    event.listen(session, "after_commit", lambda _session: _mark_or_say(conn, ids), once=True)


def _mark_or_say(conn: redis.Redis, ids: list[int]) -> None:
    try:
        mark_gone(conn, ids)
    except redis.RedisError as exc:
        # The message is deleted; only its links keep leading on, to where its sender signed them.
        log.warning("could not record messages %s as deleted (%s): their links still redirect", ids, exc)
