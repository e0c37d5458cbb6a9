"""Moving spooled hits back into Redis, for the web processes' writers and the workers' sweeper alike."""
from __future__ import annotations

import logging

import redis

from .push import push_hits
from .spool import Spool

log = logging.getLogger(__name__)


def replay_spool(conn: redis.Redis, spool: Spool) -> int:
    """Push this machine's spooled hits into Redis; return how many moved.

    Redis failing again raises redis.RedisError and leaves the rest for the next replay; a spool
    that cannot be read is logged and left in place for the next replay too.
    """
    try:
        if not spool.has_pending():
            return 0
        moved = spool.replay(lambda chunk: push_hits(conn, chunk))
    except redis.RedisError:
        raise
    except OSError as exc:
        log.warning("could not replay the spool: %s", exc)
        return 0
    if moved:
        log.warning("replayed %d spooled hits into Redis", moved)
    return moved
