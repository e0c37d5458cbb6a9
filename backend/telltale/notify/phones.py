"""What a user does with their phone channels, whichever door they come in by: the API (a bearer
token) or the dashboard (a session). One place checks an endpoint or an Apprise URL, and one place
sends the test notification, so the two doors cannot disagree.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from ..store.models import PushSubscription
from ..store.push import replace_apprise_urls, subscribe
from . import apprise_urls
from .guard import check_endpoint
from .notice import Notice

if TYPE_CHECKING:
    from ..services import Services
    from .channels import Channel

TEST_TITLE = "Telltale test notification"
TEST_BODY = "Notifications of opens, clicks and replies will arrive here"


class BadChannel(ValueError):
    """A channel refused before it is kept; `field` names what was wrong, for the API's error body."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def add_browser(session: Session, svc: Services, user_id: int, endpoint: str, p256dh: str, auth: str,
                name: str) -> PushSubscription:
    """Keep a browser's Web Push subscription for the user, once its endpoint is one we may post to."""
    try:
        # The worker will POST to this URL: refuse loopback and private addresses here, where the
        # user hears why, and again on every connection (guarded_http.py).
        endpoint = check_endpoint(endpoint, svc.settings.push_allow_private)
    except ValueError as exc:
        raise BadChannel("endpoint", str(exc)) from None
    return subscribe(session, user_id, endpoint, p256dh, auth, name, datetime.now(UTC))


def set_apprise(session: Session, svc: Services, user_id: int, urls: list[str]) -> list[str]:
    """Make `urls` the user's whole list of Apprise URLs, sealed; return them as the user may see them."""
    for position, url in enumerate(urls):
        try:
            apprise_urls.parse(url, svc.settings.push_allow_private)
        except ValueError as exc:
            raise BadChannel(f"urls.{position}", str(exc)) from None
    vault = svc.vault()
    replace_apprise_urls(session, user_id, [vault.seal(url) for url in urls], datetime.now(UTC))
    return [apprise_urls.redacted(url) for url in urls]


def apprise_of(session: Session, svc: Services, user_id: int) -> list[Channel]:
    from . import channels  # on use: see send_test

    return [c for c in channels.load(session, svc.vault, [user_id]).get(user_id, []) if c.kind == "apprise"]


@dataclass(frozen=True)
class Tried:
    """What one channel said to the test notification."""

    kind: str
    id: int
    name: str
    status: str
    detail: str


def send_test(session: Session, svc: Services, user_id: int) -> list[Tried]:
    """Send a test notification to each of the user's channels, and forget those that are gone."""
    # Imported on use: channels bring requests and urllib3, which a web process otherwise never
    # loads (5 MB in each, measured), for the rare test a user asks for.
    from . import channels

    notice = Notice(user_id, f"test-{secrets.token_hex(4)}", True, TEST_TITLE, TEST_BODY)
    # No flush before the sends: a pending write (a token's last use) would hold SQLite's write
    # lock, and so the worker's, while the push services answer.
    with session.no_autoflush:
        found = channels.load(session, svc.vault, [user_id])
    with channels.Sender(svc.settings, svc.vapid()) as sender:
        outcomes = channels.deliver(sender, found, [notice])
    channels.record(session, outcomes, datetime.now(UTC))
    return [Tried(o.channel.kind, o.channel.id, o.channel.name, o.result.status, o.result.detail) for o in outcomes]
