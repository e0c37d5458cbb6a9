"""Local time for the reports: each zone's UTC offsets over a span, for the store to apply in SQL.

An offset is looked up per zone and day, not per event: a year of opens in ten zones is a few
thousand look-ups, and the store turns the answer into one CASE that the database applies to every
row (store/reports.py, `local_seconds`). Daylight saving time is honoured to the second.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..store.models import User
from ..store.reports import LocalTime, Offsets

# A zone changes its offset at most once a day (twice a year in practice): stepping a day at a
# time, then bisecting the day where it changed, finds every change.
STEP = timedelta(days=1)


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone of that name, or None when there is none or this Python does not know it."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def user_zone(user: User) -> ZoneInfo:
    """The user's zone: what their reports' days and unzoned opens are in (UTC if it is unknown)."""
    return zone_named(user.timezone) or ZoneInfo("UTC")


def local_time(spans: Mapping[str | None, tuple[datetime, datetime]], fallback: ZoneInfo) -> LocalTime:
    """Offsets for each known zone over its span, and the fallback zone's over all of them."""
    zones = {name: offsets(zone_named(name), *span) for name, span in spans.items() if zone_named(name)}
    if spans:
        everything = (min(first for first, _ in spans.values()), max(last for _, last in spans.values()))
    else:
        everything = (datetime.now(UTC),) * 2
    return LocalTime(zones=zones, fallback=offsets(fallback, *everything))


def offsets(zone: ZoneInfo, first: datetime, last: datetime) -> Offsets:
    """The zone's offsets (seconds east of UTC) from `first` to `last`, each with the instant it began."""
    return _offsets(zone, first.astimezone(UTC).date(), last.astimezone(UTC).date())


@functools.lru_cache(maxsize=512)
def _offsets(zone: ZoneInfo, first: date, last: date) -> Offsets:
    at = datetime.combine(first, time(), UTC)
    end = datetime.combine(last, time(), UTC) + STEP
    found = [(at, _east(zone, at))]
    while at < end:
        step = at + STEP
        if _east(zone, step) != found[-1][1]:
            change = _change(zone, at, step, found[-1][1])
            found.append((change, _east(zone, change)))
        at = step
    return tuple(found)


def _change(zone: ZoneInfo, before: datetime, after: datetime, old: int) -> datetime:
    """The first second in (before, after] at which the zone's offset is no longer `old`."""
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if _east(zone, before + timedelta(seconds=middle)) == old:
            low = middle
        else:
            high = middle
    return before + timedelta(seconds=high)


def _east(zone: ZoneInfo, at: datetime) -> int:
    return int(at.astimezone(zone).utcoffset().total_seconds())
