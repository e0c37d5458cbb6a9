"""Named queries for the email digest: whose digest is due, claiming it, and one user's activity."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from .models import Event, Message, User


@dataclass(frozen=True)
class DigestReader:
    """The user a digest goes to, as they were before their digest was claimed."""

    id: int
    email: str
    timezone: str
    digest: str
    last_sent_at: datetime | None


@dataclass(frozen=True)
class MessageActivity:
    subject: str
    opens: int
    clicks: int


@dataclass(frozen=True)
class Activity:
    sent: int
    opens: int
    clicks: int
    messages_opened: int
    top: list[MessageActivity]

    @property
    def empty(self) -> bool:
        return not (self.sent or self.opens or self.clicks)


def _due(now: datetime, periods: Mapping[str, timedelta]) -> ColumnElement[bool]:
    return or_(
        *(
            (User.digest == kind) & (User.digest_sent_at.is_(None) | (User.digest_sent_at <= now - period))
            for kind, period in periods.items()
        )
    )


def due_user_ids(session: Session, now: datetime, periods: Mapping[str, timedelta]) -> list[int]:
    """Return the users whose digest kind is in `periods` and whose last digest is a period old."""
    return list(session.scalars(select(User.id).where(_due(now, periods)).order_by(User.id)))


def claim_digest(
    session: Session, user_id: int, now: datetime, periods: Mapping[str, timedelta]
) -> DigestReader | None:
    """Mark the user's digest sent at `now` if it is due; return the user as they were, or None.

    The UPDATE only succeeds if `digest_sent_at` is still what was read: two jobs for one user
    cannot both claim it, on SQLite (one writer at a time) as on PostgreSQL (row lock, then the
    condition is checked again). Rolling the transaction back gives the claim up.
    """
    row = session.execute(
        select(User.id, User.email, User.timezone, User.digest, User.digest_sent_at).where(
            User.id == user_id, _due(now, periods)
        )
    ).one_or_none()
    if row is None:
        return None
    unchanged = User.digest_sent_at.is_(None) if row.digest_sent_at is None else User.digest_sent_at == row.digest_sent_at
    claimed = session.execute(
        update(User).where(User.id == user_id, unchanged).values(digest_sent_at=now),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:
        return None
    return DigestReader(row.id, row.email, row.timezone, row.digest, row.digest_sent_at)


def activity(
    session: Session, user_id: int, since: datetime, until: datetime, *, counted: Callable[[str, bool], bool], top: int
) -> Activity:
    """Summarize the user's messages sent and events counted (by `counted(source, repeat)`) in [since, until)."""
    sent = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.user_id == user_id, Message.sent_at >= since, Message.sent_at < until)
    )
    # Grouped by source so the rule of what counts stays in one place (`counted`), not in SQL.
    rows = session.execute(
        select(Event.message_id, Message.subject, Event.kind, Event.source, Event.repeat, func.count().label("n"))
        .join(Message, Message.id == Event.message_id)
        .where(Message.user_id == user_id, Event.occurred_at >= since, Event.occurred_at < until)
        .group_by(Event.message_id, Message.subject, Event.kind, Event.source, Event.repeat)
    )
    tallies: dict[int, dict] = {}
    for row in rows:
        if not counted(row.source, row.repeat):
            continue
        tally = tallies.setdefault(row.message_id, {"subject": row.subject, "open": 0, "click": 0})
        tally[row.kind] = tally.get(row.kind, 0) + row.n
    ranked = sorted(tallies.items(), key=lambda item: (-item[1]["open"], -item[1]["click"], item[0]))
    return Activity(
        sent=sent or 0,
        opens=sum(t["open"] for t in tallies.values()),
        clicks=sum(t["click"] for t in tallies.values()),
        messages_opened=sum(1 for t in tallies.values() if t["open"]),
        top=[MessageActivity(t["subject"], t["open"], t["click"]) for _, t in ranked[:top]],
    )
