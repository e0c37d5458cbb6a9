"""Named queries for phone notifications: browsers' Web Push subscriptions and sealed Apprise URLs."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .models import AppriseUrl, PushSubscription

# A browser that subscribes anew leaves its old endpoint behind until a push finds it gone; past
# this many, the oldest make room rather than the new one being refused.
MAX_SUBSCRIPTIONS = 20


def subscribe(session: Session, user_id: int, endpoint: str, p256dh: str, auth: str, name: str,
              now: datetime) -> PushSubscription:
    """Keep the browser's subscription for the user, replacing what its endpoint held before."""
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint, created_at=now)
        session.add(row)
    # Posting the endpoint proves the browser holds it: it follows whoever subscribed it last.
    row.user_id, row.p256dh, row.auth, row.name = user_id, p256dh, auth, name
    session.flush()
    _trim(session, user_id)
    return row


def _trim(session: Session, user_id: int) -> None:
    ids = session.scalars(
        select(PushSubscription.id).where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.id.desc()).offset(MAX_SUBSCRIPTIONS)
    ).all()
    if ids:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))


def subscriptions_of(session: Session, user_ids: Iterable[int]) -> list[PushSubscription]:
    """The users' subscriptions, oldest first."""
    return list(session.scalars(
        select(PushSubscription).where(PushSubscription.user_id.in_(list(user_ids))).order_by(PushSubscription.id)
    ))


def unsubscribe(session: Session, user_id: int, subscription_id: int) -> bool:
    """Delete one of the user's subscriptions; False if they have none with that id."""
    result = session.execute(
        delete(PushSubscription).where(PushSubscription.id == subscription_id, PushSubscription.user_id == user_id)
    )
    return result.rowcount > 0


def forget_gone(session: Session, subscription_ids: Iterable[int]) -> None:
    """Delete subscriptions their push service says no longer exist."""
    ids = list(subscription_ids)
    if ids:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))


def note_delivered(session: Session, subscription_ids: Iterable[int], now: datetime) -> None:
    ids = list(subscription_ids)
    if ids:
        session.execute(update(PushSubscription).where(PushSubscription.id.in_(ids)).values(last_ok_at=now))


def apprise_urls_of(session: Session, user_ids: Iterable[int]) -> list[AppriseUrl]:
    """The users' sealed Apprise URLs, in the order they were given."""
    return list(session.scalars(
        select(AppriseUrl).where(AppriseUrl.user_id.in_(list(user_ids))).order_by(AppriseUrl.id)
    ))


def replace_apprise_urls(session: Session, user_id: int, sealed: list[str], now: datetime) -> list[AppriseUrl]:
    """Make `sealed` the user's whole list of Apprise URLs."""
    session.execute(delete(AppriseUrl).where(AppriseUrl.user_id == user_id))
    rows = [AppriseUrl(user_id=user_id, secret=secret, created_at=now) for secret in sealed]
    session.add_all(rows)
    session.flush()
    return rows
