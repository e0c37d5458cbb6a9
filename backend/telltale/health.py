"""What /healthz says: whether this process can take hits, reach Redis and the database.

Anyone may ask, so it says what is wrong, never where things are: an exception's text names
hosts and ports, so only its type is shown.
"""
from __future__ import annotations

import redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .queue import HitWriter, lost_hits, pending_hits
from .services import Services


def report(svc: Services, writer: HitWriter, websockets: int) -> dict:
    """Return the state of each part, with "status" "ok" only when hits are safe and both stores answer."""
    state = {"status": "ok", "redis": "ok", "database": "ok", "hits": "ok", "websockets": websockets}
    try:
        svc.redis.ping()
        state["pending_hits"] = pending_hits(svc.redis)
        state["lost_hits"] = lost_hits(svc.redis) + writer.lost_unreported
    except redis.RedisError as exc:
        state["redis"] = f"unreachable: {type(exc).__name__}"
    try:
        with svc.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        state["database"] = f"unreachable: {type(exc).__name__}"
    state["hits"] = _hits(svc, writer, redis_ok=state["redis"] == "ok")
    try:
        state["spooled_files"] = len(svc.spool.pending_files())
    except OSError as exc:
        state["spool"] = f"unreadable: {exc.strerror}"
    if any(state[part] != "ok" for part in ("redis", "database", "hits")) or "spool" in state:
        state["status"] = "degraded"
    return state


def _hits(svc: Services, writer: HitWriter, *, redis_ok: bool) -> str:
    # This process knows what befell its own hits; with Redis down, the spool is checked as well,
    # since the hits of the machine's other processes meet the same disk.
    if writer.trouble:
        return writer.trouble
    if not redis_ok and (why := svc.spool.unwritable()):
        return f"hits are being lost: Redis is unreachable and the spool cannot be written ({why})"
    return "ok"
