"""Per recipient: how often they open and reply, and the plain-language signal that follows.

Thresholds (README, "How interested is a recipient?"): nothing is said below MIN_SENT messages in the
window; "opens often, never replies" needs at least OFTEN_OPENED opens making OFTEN_SHARE of the
messages sent, and no reply. A recipient's opens are only those that can be told to be theirs: a
message sent to them alone, or their own pixel. Behind Gmail's or Yahoo's image proxy an open is
counted but says nothing about who read it, and a client that blocks images opens nothing: the
words say "opened", never "read".
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from statistics import median
from typing import Any

MIN_SENT = 3
OFTEN_OPENED = 3
OFTEN_SHARE = 0.6


@dataclass(frozen=True)
class Figures:
    address: str
    sent: int
    opened: int
    clicked: int
    replied: int
    first_open_delays: tuple[timedelta, ...]
    reply_delays: tuple[timedelta, ...]


def figures_from_sends(address: str, sends: Sequence[tuple[Any, Mapping[str, Any]]]) -> Figures:
    """Add up one recipient's sends into their Figures.

    `sends` is what store.recipients.by_recipient gives for one address: per message, its sent time and
    the first time the recipient opened, clicked or replied to it (keyed "open", "click", "reply"; a kind
    left out did not happen). The times may be datetimes or offsets from any common origin: only their
    differences are kept. The API and the dashboard both count through here, so they never disagree.
    """
    return Figures(
        address=address,
        sent=len(sends),
        opened=sum(1 for _, done in sends if "open" in done),
        clicked=sum(1 for _, done in sends if "click" in done),
        replied=sum(1 for _, done in sends if "reply" in done),
        first_open_delays=tuple(done["open"] - sent for sent, done in sends if "open" in done),
        reply_delays=tuple(done["reply"] - sent for sent, done in sends if "reply" in done),
    )


def median_seconds(delays: tuple[timedelta, ...]) -> float | None:
    return median(d.total_seconds() for d in delays) if delays else None


def signal(figures: Figures, days: int, replies_checked: bool) -> tuple[str, str]:
    """The signal's name and its words, with the counts behind it."""
    sent, opened, replied = figures.sent, figures.opened, figures.replied
    span = f"in {days} days"
    messages = "message" if sent == 1 else "messages"
    if sent < MIN_SENT:
        return "not_enough_data", f"{sent} {messages} {span}: not enough to say ({MIN_SENT} needed)"
    opens = f"opened {opened} of your last {sent} {messages}" if opened else f"opened none of your last {sent} {messages}"
    if replied:
        return "replies", f"replied to {replied} of your last {sent} {messages} {span}; {opens}"
    if not replies_checked:
        return "replies_unknown", f"{opens} {span}; replies are not checked: link your mailbox to see them"
    if opened >= OFTEN_OPENED and opened / sent >= OFTEN_SHARE:
        return "opens_never_replies", f"{opens}, replied to none {span}"
    if not opened:
        return "not_opening", f"{opens} {span}, and replied to none; their mail app may not load images"
    return "opens_sometimes", f"{opens}, replied to none {span}"
