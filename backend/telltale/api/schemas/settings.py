"""/api/v1/settings: time zone, re-open period, quiet hours, digest and popups after a reply."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StringConstraints

from .common import Strict


def _whole(value):
    # JSON Schema counts 15.0 as an integer, and so does the document: accept it as 15.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Minutes = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=7 * 24 * 60)]
# Checked against the list, not by loading: ZoneInfo("Europe") raises IsADirectoryError, and
# a name that merely loads may be a file such as "localtime" rather than an IANA zone.
ZONES = frozenset(available_timezones() - {"localtime", "posixrules", "Factory"})


def _zone(name: str) -> str:
    if name not in ZONES:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Madrid'")
    return name


ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
ZoneName = Annotated[
    str, AfterValidator(_zone), Field(json_schema_extra={"enum": sorted(ZONES)}, description="An IANA time zone name")
]
Digest = Literal["off", "hourly", "daily"]
OptOutLanguage = Literal["en", "es", "de"]


class QuietHours(Strict):
    """Popups wait from `start` to `end` (HH:MM in the user's time zone; may span midnight)."""

    start: ClockTime
    end: ClockTime


class SettingsOut(BaseModel):
    email: str
    timezone: str
    timezone_set: bool = Field(description="False while the time zone is still the default (UTC): no one chose it")
    reopen_quiet_minutes: int
    quiet_hours: QuietHours | None
    digest: Digest
    popups_after_reply: bool = Field(description="Popups for re-opens of a thread whose recipient has replied")
    retention_days: int | None = Field(description="Days this user's messages and events are kept, when shorter than "
                                                   "the server's; null keeps the server's")
    retention_days_max: int = Field(description="The server's retention (TELLTALE_RETENTION_DAYS): the longest allowed")
    kept_since: datetime = Field(description="Messages sent before this moment have been purged, and reports start here")
    optout_footer: bool = Field(description="New tracked messages carry the opt-out footer unless the send says otherwise")
    optout_language: OptOutLanguage
    optout_wording: str | None = Field(description="The footer's sentence in the user's own words; null: the language's")


class SettingsPatch(Strict):
    timezone: ZoneName | None = None
    reopen_quiet_minutes: Minutes | None = None
    quiet_hours: QuietHours | None = None
    digest: Digest | None = None
    popups_after_reply: bool | None = None
    retention_days: Annotated[int, Field(ge=1, le=100 * 365)] | None = None
    optout_footer: bool | None = None
    optout_language: OptOutLanguage | None = None
    optout_wording: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
