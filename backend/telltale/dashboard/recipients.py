"""Recipients: per address, what the user sent and what came of it; one recipient's messages and best time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, render_template, request
from sqlalchemy.orm import Session

# figures_from_sends is the sum of a recipient's sends that /api/v1/recipients makes too: the two never disagree.
from ..reports.interest import Figures, figures_from_sends, median_seconds, signal
from ..services import services
from ..store import reports
from ..store.models import User
from ..store.recipients import by_recipient, first_events, replies_checked
from .best_time import MIN_OPENS, heatmap_of
from .durations import duration
from .signin import signed_in
from .zones import user_zone

WINDOWS = (30, 90, 365)
PAGE_SIZE = 50
MESSAGES_SHOWN = 100
# Each column's sort key, and whether it reads best largest first (its first order). Ties go by
# address; a key of None (never opened: no time to first open) goes last, whichever the order.
SORTS = {
    "address": (lambda f: f.address, False),
    "sent": (lambda f: f.sent, True),
    "opened": (lambda f: f.opened, True),
    "clicked": (lambda f: f.clicked, True),
    "replied": (lambda f: f.replied, True),
    "first_open": (lambda f: median_seconds(f.first_open_delays), False),
}


class BadChoice(ValueError):
    """A window, sort or page the list does not offer."""


@signed_in
def index(user: User):
    try:
        days, sort, descending, page = _choices(request.args)
    except BadChoice as bad:
        abort(400, str(bad))
    with services().sessions() as db:
        since = datetime.now(UTC) - timedelta(days=days)
        sends = _sends_since(db, user.id, since)
        checked = replies_checked(db, user.id)
    ranked = _ranked([figures_from_sends(address, s) for address, s in sends.items()], sort, descending)
    shown = ranked[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return render_template("dashboard/recipients.html", user=user, days=days, windows=WINDOWS, sort=sort,
                           descending=descending, page=page, pages=max(1, -(-len(ranked) // PAGE_SIZE)),
                           total=len(ranked), rows=[_row(f, days, checked) for f in shown])


@signed_in
def show(user: User, address: str):
    try:
        days = _choices(request.args)[0]
    except BadChoice as bad:
        abort(400, str(bad))
    zone = user_zone(user)
    with services().sessions() as db:
        messages = reports.messages_to(db, user.id, address)
        if not messages:
            abort(404)  # an address the user never wrote to: nothing to show, and nothing of anyone else's
        since = datetime.now(UTC) - timedelta(days=days)
        recent = [m for m in messages if m.tracking and m.sent_at >= since]
        sends = by_recipient(recent, first_events(db, [m.id for m in recent])).get(address.lower(), [])
        figures = _row(figures_from_sends(address.lower(), sends), days, replies_checked(db, user.id))
        heatmap = heatmap_of(db, user, reports.opens_of([_send(m, address) for m in messages]))
    listed = [{"id": m.id, "subject": m.subject or "(no subject)", "sent_at": m.sent_at.astimezone(zone),
               "opens": m.opens, "clicks": m.clicks, "replies": m.replies, "tracking": m.tracking}
              for m in messages[:MESSAGES_SHOWN]]
    return render_template("dashboard/recipient.html", user=user, address=address.lower(), days=days,
                           windows=WINDOWS, figures=figures, messages=listed, more=len(messages) > MESSAGES_SHOWN,
                           heatmap=heatmap, minimum=MIN_OPENS, zone=zone.key)


def _sends_since(db: Session, user_id: int, since: datetime) -> dict[str, list]:
    """Each address's sends, through `by_recipient` (the API's rule for whose open is whose), with every
    time given as its offset from 1970: the delays `figures_from_sends` takes come out the same, without
    reading 30,000 datetimes."""
    firsts = reports.first_times(db, user_id, since)
    return by_recipient(reports.tracked_sends(db, user_id, since), firsts)


def _choices(args) -> tuple[int, str, bool, int]:
    days = args.get("days", str(WINDOWS[0]))
    if days not in {str(w) for w in WINDOWS}:
        raise BadChoice(f"'days' is one of {', '.join(map(str, WINDOWS))}, not {days!r}")
    sort = args.get("sort", "sent")
    if sort not in SORTS:
        raise BadChoice(f"sort by one of {', '.join(SORTS)}, not {sort!r}")
    order = args.get("order") or ("desc" if SORTS[sort][1] else "asc")
    if order not in ("asc", "desc"):
        raise BadChoice(f"'order' is asc or desc, not {order!r}")
    page = args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise BadChoice(f"'page' is a page number, not {page!r}")
    return int(days), sort, order == "desc", int(page)


def _ranked(figures: list[Figures], sort: str, descending: bool) -> list[Figures]:
    key, _ = SORTS[sort]
    by_address = sorted(figures, key=lambda f: f.address)
    known = [f for f in by_address if key(f) is not None]
    return sorted(known, key=key, reverse=descending) + [f for f in by_address if key(f) is None]


def _send(message, address: str) -> tuple[int, int, bool]:
    lowered = [r.lower() for r in message.recipients]
    return message.id, lowered.index(address.lower()), len(lowered) == 1


def _row(figures: Figures, days: int, checked: bool) -> dict:
    name, words = signal(figures, days, checked)
    return {"address": figures.address, "sent": figures.sent, "opened": figures.opened, "clicked": figures.clicked,
            "replied": figures.replied, "first_open": duration(median_seconds(figures.first_open_delays)),
            "signal": name, "words": words}
