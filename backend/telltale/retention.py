"""How long a user's messages and events are kept: the instance's limit, or the user's shorter one."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .config import Settings


def kept_days(user_retention: int | None, settings: Settings) -> int:
    """Days kept for a user who chose `user_retention` (None: the instance's); never longer than the instance's."""
    return min(user_retention or settings.retention_days, settings.retention_days)


def kept_since(user, settings: Settings, now: datetime | None = None) -> datetime:
    """Messages sent before this moment are purged, or will be at the next pass: reports start here."""
    return (now or datetime.now(UTC)) - timedelta(days=kept_days(user.retention_days, settings))
