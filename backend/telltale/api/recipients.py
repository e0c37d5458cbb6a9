"""/api/v1/recipients: per address, what the user sent and what came of it, with the interest signal."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..reports.interest import Figures, figures_from_sends, median_seconds, signal
from ..store.recipients import by_recipient, first_events, replies_checked, sent_since
from .errors import not_found
from .schemas import Interest, RecipientList, RecipientOut


def index(call) -> tuple[RecipientList, int]:
    query = call.query
    figures = _figures(call, query.days)
    checked = replies_checked(call.session, call.user.id)
    ranked = sorted(figures.values(), key=lambda f: (-f.sent, f.address))[: query.limit]
    return RecipientList(days=query.days, items=[_out(f, query.days, checked) for f in ranked]), 200


def show(call, address: str) -> tuple[RecipientOut, int]:
    figures = _figures(call, call.query.days).get(address)
    if figures is None:
        raise not_found(f"recipient {address} (in the last {call.query.days} days)")
    return _out(figures, call.query.days, replies_checked(call.session, call.user.id)), 200


def _figures(call, days: int) -> dict[str, Figures]:
    messages = sent_since(call.session, call.user.id, datetime.now(UTC) - timedelta(days=days))
    firsts = first_events(call.session, [m.id for m in messages])
    return {address: figures_from_sends(address, sends) for address, sends in by_recipient(messages, firsts).items()}


def _out(figures: Figures, days: int, checked: bool) -> RecipientOut:
    name, words = signal(figures, days, checked)
    return RecipientOut(
        address=figures.address, sent=figures.sent, opened=figures.opened, clicked=figures.clicked,
        replied=figures.replied, median_first_open_seconds=median_seconds(figures.first_open_delays),
        median_reply_seconds=median_seconds(figures.reply_delays), interest=Interest(signal=name, text=words),
    )
