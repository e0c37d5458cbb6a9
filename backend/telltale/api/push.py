"""/api/v1/push: phone notifications. The VAPID key, browsers' subscriptions, Apprise URLs, and a test send."""
from __future__ import annotations

from flask import request

from ..notify import phones
from ..store.push import subscriptions_of, unsubscribe
from .errors import ApiError, not_found
from .schemas import (
    AppriseOut,
    ChannelResult,
    PushKeyOut,
    PushSubscriptionList,
    PushSubscriptionOut,
    PushTestOut,
)


def key(call) -> tuple[PushKeyOut, int]:
    return PushKeyOut(public_key=call.services.vapid().public_key), 200


def subscribe_browser(call) -> tuple[PushSubscriptionOut, int]:
    body = call.body
    try:
        row = phones.add_browser(call.session, call.services, call.user.id, body.endpoint, body.keys.p256dh,
                                 body.keys.auth, body.name or browser_name() or "a browser")
    except phones.BadChannel as bad:
        raise ApiError(422, "invalid_field", str(bad), bad.field) from None
    return _out(row), 201


def index(call) -> tuple[PushSubscriptionList, int]:
    return PushSubscriptionList(items=[_out(row) for row in subscriptions_of(call.session, [call.user.id])]), 200


def remove(call, subscription_id: int) -> tuple[None, int]:
    if not unsubscribe(call.session, call.user.id, subscription_id):
        raise not_found(f"subscription {subscription_id}")
    return None, 204


def show_apprise(call) -> tuple[AppriseOut, int]:
    return AppriseOut(urls=[channel.name for channel in phones.apprise_of(call.session, call.services,
                                                                          call.user.id)]), 200


def replace_apprise(call) -> tuple[AppriseOut, int]:
    try:
        shown = phones.set_apprise(call.session, call.services, call.user.id, call.body.urls)
    except phones.BadChannel as bad:
        raise ApiError(422, "invalid_field", str(bad), bad.field) from None
    return AppriseOut(urls=shown), 200


def test(call) -> tuple[PushTestOut, int]:
    tried = phones.send_test(call.session, call.services, call.user.id)
    return PushTestOut(results=[ChannelResult(kind=t.kind, id=t.id, name=t.name, status=t.status, detail=t.detail)
                                for t in tried]), 200


def browser_name() -> str:
    """The browser's User-Agent, printable characters only, as a name typed in would be."""
    return "".join(c for c in request.headers.get("User-Agent", "") if c.isprintable())[:100].strip()


def _out(row) -> PushSubscriptionOut:
    return PushSubscriptionOut(id=row.id, name=row.name, endpoint=row.endpoint, created_at=row.created_at,
                               last_ok_at=row.last_ok_at)
