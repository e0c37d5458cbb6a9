"""The periodic purge of protected messages past their expiry: their bodies are deleted, not hidden.

The reading page deletes an expired body as soon as someone asks for it; this catches the ones
nobody asks for, within a minute of their expiry, from the worker's sweeper.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from ..services import Services
from ..store.protected import purge_expired

log = logging.getLogger(__name__)
PURGED_KEY = "telltale:protected:purged"
PURGE_EVERY = 60


def check_expired(svc: Services) -> int:
    """Delete expired bodies at most once a minute across all workers; return how many went."""
    if not svc.redis.set(PURGED_KEY, b"1", nx=True, ex=PURGE_EVERY):
        return 0
    return purge_now(svc)


def purge_now(svc: Services, now: datetime | None = None) -> int:
    with svc.sessions.begin() as session:
        purged = purge_expired(session, now or datetime.now(UTC))
    if purged:
        log.info("deleted the bodies of %d expired protected messages", purged)
    return purged
