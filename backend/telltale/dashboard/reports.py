"""Reports: a period's sending, rates, time to first open, reading and opens per day, in charts and tables."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import render_template, request
from sqlalchemy.orm import Session

from ..api.messages import READING_LABELS
from ..retention import kept_since
from ..services import services
from ..store import reports
from ..store.models import User
from .durations import bucketed, duration, median_of
from .period import BadPeriod, Period, period_from
from .signin import signed_in
from .zones import offsets, user_zone

BUNDLE = Path(__file__).parent / "static" / "dist" / "charts.js"
EPOCH = date(1970, 1, 1)


def charts_built() -> bool:
    """Whether `npm run build` has produced the chart bundle; without it the pages show tables only."""
    return BUNDLE.is_file()


@signed_in
def index(user: User):
    zone = user_zone(user)
    try:
        period = period_from(request.args, zone)
    except BadPeriod as bad:
        return render_template("dashboard/reports.html", user=user, problem=str(bad), period=None,
                               zone=zone.key), 400
    with services().sessions() as db:
        report = _report(db, user, period)
    # A period reaching back before the retention shows what is left, and says so.
    since = kept_since(user, services().settings)
    purged_before = since.astimezone(zone).date() if period.start < since else None
    return render_template("dashboard/reports.html", user=user, period=period, zone=zone.key,
                           charts_built=charts_built(), purged_before=purged_before, **report)


def _report(db: Session, user: User, period: Period) -> dict:
    sent = reports.sent_in(db, user.id, period.start, period.end)
    tracked = len(sent.tracked)
    delays = [max(0, delay) for delay, _, _ in sent.tracked if delay is not None]
    rates = [("Opened", len(delays)), ("Clicked", sum(c for _, c, _ in sent.tracked)),
             ("Replied", sum(r for _, _, r in sent.tracked))]
    first_open = bucketed(delays)
    reading = _reading(reports.reading_in(db, user.id, period.start, period.end))
    per_day = _per_day(db, user, period)
    return {
        "sent": tracked + sent.untracked, "tracked": tracked, "untracked": sent.untracked,
        "rates": [(label, count, count / tracked if tracked else None) for label, count in rates],
        "set_aside": reports.set_aside_in(db, user.id, period.start, period.end),
        "median_first_open": duration(median_of(delays)), "first_open": first_open, "reading": reading,
        "per_day": per_day,
        "charts": {"opensPerDay": _chart("line", "Day", "Counted opens", per_day),
                   "firstOpen": _chart("bars", "Time to first open", "Messages", first_open),
                   "reading": _chart("bars", "Reading", "Counted opens", reading)},
    }


def _per_day(db: Session, user: User, period: Period) -> list[tuple[str, int]]:
    """Counted opens on each day of the period, by the user's calendar; days without any included."""
    local = reports.LocalTime(zones={}, fallback=offsets(period.zone, period.start, period.end))
    counts = reports.opens_by_day(db, user.id, period.start, period.end, local)
    return [(day.isoformat(), counts.get((day - EPOCH).days, 0)) for day in period.days()]


def _reading(steps: dict[int, int]) -> list[tuple[str, int]]:
    return [(label, steps.get(step, 0)) for step, label in sorted(READING_LABELS.items())]


def _chart(kind: str, x_name: str, name: str, points: list[tuple[str, int]]) -> dict:
    """What charts.js draws: the labels along x, and one series of values."""
    return {"kind": kind, "xName": x_name, "name": name, "labels": [label for label, _ in points],
            "values": [value for _, value in points]}
