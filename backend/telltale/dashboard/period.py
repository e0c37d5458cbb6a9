"""The period a report or an export covers: whole days of the user's calendar, read from the query string."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30
# A year and a day: enough for a yearly review, and it keeps a report's grouped queries and its
# opens-per-day chart (one point a day) small.
MAX_DAYS = 366


class BadPeriod(ValueError):
    """A period the page cannot use; the message says why."""


@dataclass(frozen=True)
class Period:
    since: date  # first day, in the user's zone
    until: date  # last day, included
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period: midnight after `until`, whatever daylight saving does that day."""
        return datetime.combine(self.until + timedelta(days=1), time(), self.zone)

    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]

    def args(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def period_from(args, zone: ZoneInfo, today: date | None = None) -> Period:
    """The period named by `since` and `until` (either may be left out), else the last DEFAULT_DAYS days."""
    today = today or datetime.now(zone).date()
    until = _day(args, "until") or today
    since = _day(args, "since") or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise BadPeriod(f"the period starts ({since}) after it ends ({until})")
    if (until - since).days + 1 > MAX_DAYS:
        raise BadPeriod(f"a period is at most {MAX_DAYS} days; this one is {(until - since).days + 1}")
    return Period(since, until, zone)


def optional_period(args, zone: ZoneInfo) -> Period | None:
    """The period named in the query string, or None when it names none (an export then takes everything)."""
    if not (args.get("since") or args.get("until")):
        return None
    return period_from(args, zone)


def _day(args, name: str) -> date | None:
    value = args.get(name) or None
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise BadPeriod(f"'{name}' is a date like 2026-12-05, not {value!r}") from None
