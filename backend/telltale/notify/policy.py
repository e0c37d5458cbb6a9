"""Which events deserve a popup, and when a user does not want one: pure functions, no I/O.

The rules: the first open; a re-open after a quiet period (the user's, default one hour), unless
the recipient has replied (the user may ask for those too); every click; every reply. Around them, in notify.popups: events of one thread within a minute of each
other share one popup that counts them, a thread makes at most a few popups a day, and popups
wait out the user's quiet hours. Other trackers' users get hundreds of alerts for one thread;
these limits make that impossible.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

COALESCE_SECONDS = 60
THREAD_POPUPS_PER_DAY = 5
# A view of a protected message is a reader asking to read it: news every time, like a click.
ALWAYS_WORTH_IT = frozenset({"click", "reply", "view"})


@dataclass(frozen=True)
class Preferences:
    timezone: str = "UTC"
    reopen_quiet_minutes: int = 60
    quiet_start: str | None = None
    quiet_end: str | None = None
    popups_after_reply: bool = False
    # Whether the user has a phone channel: without one, no job is queued to send popups there.
    phones: bool = True


def worth_a_popup(kind: str, at: datetime, previous_open_at: datetime | None, prefs: Preferences,
                  replied: bool = False) -> bool:
    """Say whether an event of `kind` at `at` earns a popup of its own."""
    if kind in ALWAYS_WORTH_IT:
        return True
    if kind != "open":
        return False
    # They answered: their opening the thread again is them reading the conversation, not news.
    if replied and not prefs.popups_after_reply:
        return False
    return previous_open_at is None or at - previous_open_at >= timedelta(minutes=prefs.reopen_quiet_minutes)


def quiet_until(now: datetime, prefs: Preferences) -> datetime | None:
    """Return when the user's quiet hours end if `now` falls inside them, else None."""
    if not prefs.quiet_start or not prefs.quiet_end or prefs.quiet_start == prefs.quiet_end:
        return None
    local = now.astimezone(ZoneInfo(prefs.timezone))
    start, end = _clock(prefs.quiet_start), _clock(prefs.quiet_end)
    today_end = datetime.combine(local.date(), end, local.tzinfo)
    clock = local.time()
    if start < end:
        return today_end if start <= clock < end else None
    # Quiet hours that span midnight, such as 22:00 to 07:00.
    if clock >= start:
        return today_end + timedelta(days=1)
    return today_end if clock < end else None


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
