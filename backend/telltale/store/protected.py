"""Named reads and writes for protected messages: their protection, sealed body and revoked recipients.

Withdrawing and expiring delete the body's row: nothing of the text or its images is left to
hide. What stays is what the reading page must still say (withdrawn, on which date; expired).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from .models import ProtectedBody, ProtectedRevocation, Protection


@dataclass(frozen=True)
class Standing:
    """Whether a protected message can be read now, and if not why and since when."""

    state: str  # "available", "withdrawn" or "expired"
    since: datetime | None = None


def add_protection(session: Session, message_id: int, sealed: bytes, now: datetime, expires_at: datetime | None,
                   expires_after_view_hours: int | None) -> Protection:
    protection = Protection(message_id=message_id, created_at=now, expires_at=expires_at,
                            expires_after_view_hours=expires_after_view_hours, views=0)
    session.add(protection)
    session.flush()
    session.add(ProtectedBody(message_id=message_id, sealed=sealed))
    return protection


def protection_of(session: Session, message_id: int) -> Protection | None:
    return session.get(Protection, message_id)


def states_of(session: Session, message_ids: list[int], now: datetime) -> dict[int, str]:
    """Whether each of these messages that is protected can be read now ("available", "withdrawn" or
    "expired"), in one query: a page of the message list shows it beside each."""
    if not message_ids:
        return {}
    rows = session.scalars(select(Protection).where(Protection.message_id.in_(message_ids)))
    return {protection.message_id: standing(protection, now).state for protection in rows}


def sealed_body(session: Session, message_id: int) -> bytes | None:
    return session.scalar(select(ProtectedBody.sealed).where(ProtectedBody.message_id == message_id))


def has_body(session: Session, message_id: int) -> bool:
    return session.scalar(select(ProtectedBody.message_id).where(ProtectedBody.message_id == message_id)) is not None


def delete_body(session: Session, message_id: int) -> bool:
    """Delete the sealed body (and so its inline images); True if there was one."""
    return session.execute(delete(ProtectedBody).where(ProtectedBody.message_id == message_id)).rowcount > 0


def ends_at(protection: Protection) -> datetime | None:
    """When the message expires: the sooner of its absolute expiry and the one its first view started."""
    ends = [moment for moment in (protection.expires_at, protection.view_expires_at) if moment is not None]
    return min(ends) if ends else None


def standing(protection: Protection, now: datetime) -> Standing:
    if protection.withdrawn_at is not None:
        return Standing("withdrawn", protection.withdrawn_at)
    end = ends_at(protection)
    if end is not None and end <= now:
        return Standing("expired", end)
    return Standing("available")


def withdraw(session: Session, protection: Protection, now: datetime) -> None:
    """Withdraw the message for good: its body is deleted; a second withdrawal keeps the first date."""
    if protection.withdrawn_at is None:
        protection.withdrawn_at = now
    delete_body(session, protection.message_id)


def set_expiry(protection: Protection, expires_at: datetime | None, expires_after_view_hours: int | None) -> None:
    """Replace both expiries; an expiry after the first view that already happened counts from that view."""
    protection.expires_at = expires_at
    protection.expires_after_view_hours = expires_after_view_hours
    protection.view_expires_at = _view_expiry(protection.first_view_at, expires_after_view_hours)


def revoke(session: Session, message_id: int, recipient: int, now: datetime) -> ProtectedRevocation:
    found = session.get(ProtectedRevocation, (message_id, recipient))
    if found is None:
        found = ProtectedRevocation(message_id=message_id, recipient=recipient, revoked_at=now)
        session.add(found)
        session.flush()
    return found


def revocations(session: Session, message_id: int) -> list[ProtectedRevocation]:
    return list(session.scalars(
        select(ProtectedRevocation).where(ProtectedRevocation.message_id == message_id)
        .order_by(ProtectedRevocation.recipient)
    ))


def is_revoked(session: Session, message_id: int, recipient: int | None) -> bool:
    if recipient is None:
        return False
    return session.get(ProtectedRevocation, (message_id, recipient)) is not None


def note_views(session: Session, rows: Iterable[dict]) -> int:
    """Count the worker's newly stored counted views, and start each message's after-view clock at its first.

    Only counted views (a person's) come here: a scanner's view neither counts nor starts the clock.
    """
    per_message: dict[int, list[datetime]] = defaultdict(list)
    for row in rows:
        per_message[row["message_id"]].append(row["occurred_at"])
    if not per_message:
        return 0
    found = session.scalars(select(Protection).where(Protection.message_id.in_(sorted(per_message))))
    for protection in found:
        moments = per_message[protection.message_id]
        protection.views = (protection.views or 0) + len(moments)
        first = min(moments)
        if protection.first_view_at is None or first < protection.first_view_at:
            protection.first_view_at = first
            protection.view_expires_at = _view_expiry(first, protection.expires_after_view_hours)
    return len(per_message)


def purge_expired(session: Session, now: datetime) -> int:
    """Delete the bodies of messages past either expiry; return how many went.

    Looked for first, and written only when some are due: a sweep with nothing to purge (nearly
    every one) then takes no write lock, which on SQLite would queue behind the hits being stored.
    """
    due = list(session.scalars(
        select(ProtectedBody.message_id).join(Protection, Protection.message_id == ProtectedBody.message_id)
        .where(or_(Protection.expires_at <= now, Protection.view_expires_at <= now))
    ))
    if not due:
        return 0
    return session.execute(delete(ProtectedBody).where(ProtectedBody.message_id.in_(due))).rowcount


def _view_expiry(first_view_at: datetime | None, hours: int | None) -> datetime | None:
    if first_view_at is None or hours is None:
        return None
    return first_view_at + timedelta(hours=hours)
