"""Country names and time zones from the tz database's tables, which the tzdata package ships."""
from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from zoneinfo import ZoneInfo


def names() -> dict[str, str]:
    """Map each ISO 3166 country code to the country's English name."""
    found = {row[0]: row[1] for row in _table("iso3166.tab")}
    found["GB"] = "United Kingdom"  # tz's table says "Britain (UK)"
    return found


def zones() -> dict[str, str]:
    """Map each country whose clocks all agree this year to its first, most populous zone.

    Germany (Busingen) and Argentina get one: their other zones keep the same time. Spain and the US do not.
    """
    listed: dict[str, list[str]] = {}
    for row in _table("zone.tab"):
        listed.setdefault(row[0], []).append(row[2])
    year = datetime.now(UTC).year
    instants = (datetime(year, 1, 15, tzinfo=UTC), datetime(year, 7, 15, tzinfo=UTC))

    def clocks(zone: str) -> tuple:
        return tuple(instant.astimezone(ZoneInfo(zone)).utcoffset() for instant in instants)

    return {country: zones[0] for country, zones in listed.items()
            if len(zones) == 1 or len({clocks(zone) for zone in zones}) == 1}


def _table(name: str) -> list[list[str]]:
    """Read one of the tz database's tables."""
    text = (resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
