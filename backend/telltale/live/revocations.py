"""Revoked tokens, announced to every web process so that sockets opened with one close at once.

A socket authenticates once, when it opens; without this, a revoked token would keep hearing its
user's events until its socket happened to reconnect. Announced after the revocation commits: a
socket closed earlier could reconnect, still accepted, in between.
"""
from __future__ import annotations

import logging

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
CHANNEL = "telltale:revoked-tokens"


def announce_on_commit(session: Session, conn: redis.Redis, token_id: int) -> None:
    """Announce `token_id` revoked once `session` commits."""
    event.listen(session, "after_commit", lambda _session: _announce(conn, token_id), once=True)


def token_of(data: bytes) -> int | None:
    text = data.decode("ascii", "replace")
    return int(text) if text.isdigit() else None


def _announce(conn: redis.Redis, token_id: int) -> None:
    try:
        conn.publish(CHANNEL, str(token_id))
    except redis.RedisError as exc:
        # The revocation stands and the API refuses the token; only open sockets outlive it.
        log.warning("could not announce that token %s was revoked (%s): its open sockets last until they reconnect",
                    token_id, exc)
