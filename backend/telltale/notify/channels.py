"""A user's phone channels (browsers subscribed to Web Push, Apprise URLs), and sending notices to them.

Reading the channels, sending, and recording what the push services said are three steps, so
that no database transaction stays open while a push service takes its time.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from ..accounts.vault import Vault, VaultError
from ..config import Settings
from ..store.push import apprise_urls_of, forget_gone, note_delivered, subscriptions_of
from . import apprise_urls, guarded_http, webpush
from .notice import Notice, Result
from .vapid import VapidKey

log = logging.getLogger(__name__)
Kind = Literal["web_push", "apprise"]


@dataclass(frozen=True)
class Channel:
    kind: Kind
    id: int
    user_id: int
    # The device's name, or the Apprise URL redacted: what a person recognises in a list.
    name: str
    # A browser's subscription; an Apprise URL, opened; None when the vault no longer opens it.
    target: webpush.Target | str | None


@dataclass(frozen=True)
class Outcome:
    channel: Channel
    notice: Notice
    result: Result


def load(session: Session, vault: Callable[[], Vault], user_ids: Iterable[int]) -> dict[int, list[Channel]]:
    """Every channel of the users, by user; `vault` is asked for only when there is an Apprise URL to open."""
    user_ids = set(user_ids)
    channels: dict[int, list[Channel]] = {}
    for sub in subscriptions_of(session, user_ids):
        target = webpush.Target(sub.endpoint, sub.p256dh, sub.auth)
        channels.setdefault(sub.user_id, []).append(Channel("web_push", sub.id, sub.user_id, sub.name, target))
    for row in apprise_urls_of(session, user_ids):
        try:
            url: str | None = vault().open(row.secret)
        except VaultError:
            url = None
        name = apprise_urls.redacted(url) if url else "(sealed with a vault key this server no longer has)"
        channels.setdefault(row.user_id, []).append(Channel("apprise", row.id, row.user_id, name, url))
    return channels


class Sender:
    """What sending needs, made once per job or request: the VAPID key, the settings, one HTTP session."""

    def __init__(self, settings: Settings, key: VapidKey):
        self.key, self.contact = key, settings.push_contact
        self.timeout, self.allow_private = settings.push_timeout_seconds, settings.push_allow_private
        self.http = guarded_http.session(settings.push_allow_private)

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *_) -> None:
        self.http.close()

    def send(self, channel: Channel, notice: Notice) -> Result:
        if channel.target is None:
            return Result("failed", "no vault key opens this URL: enter it again")
        if isinstance(channel.target, webpush.Target):
            return webpush.send(self.http, self.key, self.contact, self.timeout, channel.target, notice)
        return apprise_urls.send(channel.target, notice, self.timeout, self.allow_private)


def deliver(sender: Sender, channels: dict[int, list[Channel]], notices: Iterable[Notice]) -> list[Outcome]:
    """Send each notice to its user's channels; Apprise only hears of fresh popups, having no way to update one."""
    outcomes = []
    for notice in notices:
        for channel in channels.get(notice.user_id, ()):
            if channel.kind == "apprise" and not notice.fresh:
                continue
            try:
                result = sender.send(channel, notice)
            except Exception as exc:
                # Deliberately broad: a bug in one Apprise plugin must not keep the other channels silent.
                log.exception("sending to %s channel %d failed", channel.kind, channel.id)
                result = Result("failed", f"{type(exc).__name__} while sending")
            if result.status != "sent":
                log.warning("%s channel %d of user %d: %s: %s", channel.kind, channel.id, channel.user_id,
                            result.status, result.detail)
            outcomes.append(Outcome(channel, notice, result))
    return outcomes


def record(session: Session, outcomes: Iterable[Outcome], now: datetime) -> None:
    """Forget the subscriptions a push service says are gone; note when the others last took a message."""
    pushed = [outcome for outcome in outcomes if outcome.channel.kind == "web_push"]
    forget_gone(session, {o.channel.id for o in pushed if o.result.status == "gone"})
    note_delivered(session, {o.channel.id for o in pushed if o.result.status == "sent"}, now)
