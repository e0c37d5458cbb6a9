"""/api/v1/push: phone notifications. The VAPID key, browsers' subscriptions, Apprise URLs, and a test send."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import request

from ..notify import apprise_urls, channels
from ..notify.guard import check_endpoint
from ..notify.notice import Notice
from ..store.push import replace_apprise_urls, subscribe, subscriptions_of, unsubscribe
from .errors import ApiError, not_found
from .schemas import (
    AppriseOut,
    ChannelResult,
    PushKeyOut,
    PushSubscriptionList,
    PushSubscriptionOut,
    PushTestOut,
)

TEST_TITLE = "Telltale test notification"
TEST_BODY = "Notifications of opens, clicks and replies will arrive here"


def key(call) -> tuple[PushKeyOut, int]:
    return PushKeyOut(public_key=call.services.vapid().public_key), 200


def subscribe_browser(call) -> tuple[PushSubscriptionOut, int]:
    body = call.body
    try:
        # The worker will POST to this URL: refuse loopback and private addresses here, where the
        # user hears why, and again on every connection (notify/guard.py).
        endpoint = check_endpoint(body.endpoint, call.services.settings.push_allow_private)
    except ValueError as exc:
        raise ApiError(422, "invalid_field", f"endpoint: {exc}", "endpoint") from None
    name = body.name or _agent() or "a browser"
    row = subscribe(call.session, call.user.id, endpoint, body.keys.p256dh, body.keys.auth, name, datetime.now(UTC))
    return _out(row), 201


def index(call) -> tuple[PushSubscriptionList, int]:
    return PushSubscriptionList(items=[_out(row) for row in subscriptions_of(call.session, [call.user.id])]), 200


def remove(call, subscription_id: int) -> tuple[None, int]:
    if not unsubscribe(call.session, call.user.id, subscription_id):
        raise not_found(f"subscription {subscription_id}")
    return None, 204


def show_apprise(call) -> tuple[AppriseOut, int]:
    found = channels.load(call.session, call.services.vault, [call.user.id]).get(call.user.id, [])
    return AppriseOut(urls=[channel.name for channel in found if channel.kind == "apprise"]), 200


def replace_apprise(call) -> tuple[AppriseOut, int]:
    urls = call.body.urls
    for position, url in enumerate(urls):
        try:
            apprise_urls.parse(url, call.services.settings.push_allow_private)
        except ValueError as exc:
            raise ApiError(422, "invalid_field", f"urls.{position}: {exc}", f"urls.{position}") from None
    vault = call.services.vault()
    replace_apprise_urls(call.session, call.user.id, [vault.seal(url) for url in urls], datetime.now(UTC))
    return AppriseOut(urls=[apprise_urls.redacted(url) for url in urls]), 200


def test(call) -> tuple[PushTestOut, int]:
    svc, user = call.services, call.user
    notice = Notice(user.id, f"test-{secrets.token_hex(4)}", True, TEST_TITLE, TEST_BODY)
    # No flush before the sends: a pending write (the token's last use) would hold SQLite's write
    # lock, and so the worker's, while the push services answer.
    with call.session.no_autoflush:
        found = channels.load(call.session, svc.vault, [user.id])
    with channels.Sender(svc.settings, svc.vapid()) as sender:
        outcomes = channels.deliver(sender, found, [notice])
    channels.record(call.session, outcomes, datetime.now(UTC))
    return PushTestOut(results=[
        ChannelResult(kind=o.channel.kind, id=o.channel.id, name=o.channel.name, status=o.result.status,
                      detail=o.result.detail)
        for o in outcomes
    ]), 200


def _agent() -> str:
    # Printable characters only, as a name typed in would be.
    return "".join(c for c in request.headers.get("User-Agent", "") if c.isprintable())[:100].strip()


def _out(row) -> PushSubscriptionOut:
    return PushSubscriptionOut(id=row.id, name=row.name, endpoint=row.endpoint, created_at=row.created_at,
                               last_ok_at=row.last_ok_at)
