"""Which events earn a popup, and when quiet hours hold them: the pure rules."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telltale.notify.policy import Preferences, quiet_until, worth_a_popup
from telltale.notify.text import body, ordinal, title

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_first_open_is_worth_a_popup_and_a_quick_reopen_is_not():
    prefs = Preferences(reopen_quiet_minutes=60)
    assert worth_a_popup("open", T0, None, prefs)
    assert not worth_a_popup("open", T0 + timedelta(minutes=59), T0, prefs)
    assert worth_a_popup("open", T0 + timedelta(minutes=60), T0, prefs)


def test_the_reopen_period_is_the_users_own():
    assert worth_a_popup("open", T0 + timedelta(minutes=5), T0, Preferences(reopen_quiet_minutes=5))


def test_every_click_and_reply_is_worth_a_popup():
    assert worth_a_popup("click", T0, T0, Preferences())
    assert worth_a_popup("reply", T0, T0, Preferences())


def test_once_they_replied_their_reopens_raise_no_popup_unless_the_user_asks():
    later = T0 + timedelta(hours=3)
    assert not worth_a_popup("open", later, T0, Preferences(), replied=True)
    assert worth_a_popup("open", later, T0, Preferences(popups_after_reply=True), replied=True)
    assert worth_a_popup("click", later, T0, Preferences(), replied=True)


@pytest.mark.parametrize("now, start, end, until", [
    ("2026-11-23T23:30", "22:00", "07:00", "2026-11-24T07:00"),  # spans midnight, evening side
    ("2026-11-24T03:00", "22:00", "07:00", "2026-11-24T07:00"),  # spans midnight, morning side
    ("2026-11-23T12:00", "22:00", "07:00", None),
    ("2026-11-23T13:15", "13:00", "14:00", "2026-11-23T14:00"),
    ("2026-11-23T14:00", "13:00", "14:00", None),  # the end is not quiet any more
    ("2026-11-23T13:00", "13:00", "13:00", None),  # an empty window is off
])
def test_quiet_hours_are_read_in_the_users_time_zone(now, start, end, until):
    zone = "Europe/Madrid"
    from zoneinfo import ZoneInfo

    local_now = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo(zone))
    prefs = Preferences(timezone=zone, quiet_start=start, quiet_end=end)
    result = quiet_until(local_now.astimezone(UTC), prefs)
    assert (result and result.replace(tzinfo=None).isoformat(timespec="minutes")) == until


def test_quiet_hours_without_a_window_hold_nothing():
    assert quiet_until(T0, Preferences()) is None


def test_popup_words():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th"]
    assert title("open", ["ana@example.test"], "Q3 quote") == "ana@example.test opened “Q3 quote”"
    assert title("open", ["a@x.test", "b@x.test"], "") == "A recipient opened “(no subject)”"
    assert title("reply", ["a@x.test", "b@x.test"], "Q3", "b@x.test") == "b@x.test replied to “Q3”"
    reply = {"type": "reply", "open_number": 0, "at": (T0 + timedelta(hours=2, minutes=5)).isoformat()}
    assert body(reply, {"open": 0, "click": 0, "reply": 1}, T0) == "2 h 5 min after you sent it"
    assert body({**reply, "at": (T0 + timedelta(seconds=20)).isoformat()}, {"reply": 1}, T0) == "1 min after you sent it"
    assert body({**reply, "at": (T0 + timedelta(days=3)).isoformat()}, {"reply": 1}, T0) == "3 days after you sent it"
    event = {"type": "open", "open_number": 2, "device": "iPhone", "client": None, "place": "Madrid"}
    assert body(event, {"open": 1, "click": 0, "reply": 0}) == "2nd open · iPhone · Madrid"
    assert body(event, {"open": 7, "click": 2, "reply": 0}) == "7 opens · 2 clicks"
    assert body(event, {"open": 1, "click": 1, "reply": 1}) == "1 open · 1 click · 1 reply"
    forwarded = {**event, "forwarded": True, "place": "Berlin, Germany"}
    assert body(forwarded, {"open": 1, "click": 0, "reply": 0}) == "2nd open · iPhone · Berlin, Germany · likely forwarded"
