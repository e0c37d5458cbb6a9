"""GET and PATCH /api/v1/settings."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .helpers import make_user

# Shown with the rest, and tested with retention and the opt-out footer (test_retention.py, test_optout.py).
PRIVACY = {"retention_days", "retention_days_max", "kept_since", "optout_footer", "optout_language", "optout_wording"}


def test_settings_start_with_sensible_defaults(client, services):
    auth, _ = make_user(services)
    settings = client.get("/api/v1/settings", headers=auth).json
    kept_since = settings.pop("kept_since")
    assert settings == {
        "email": "ana@example.test", "timezone": "UTC", "timezone_set": False, "reopen_quiet_minutes": 60,
        "quiet_hours": None, "digest": "off", "popups_after_reply": False,
        "retention_days": None, "retention_days_max": 365, "optout_footer": False, "optout_language": "en",
        "optout_wording": None,
    }
    assert datetime.fromisoformat(kept_since) < datetime.now(UTC) - timedelta(days=364)


def test_a_user_sets_quiet_hours_zone_reopen_period_and_digest(client, services):
    auth, _ = make_user(services)
    changed = client.patch(
        "/api/v1/settings",
        json={"timezone": "Europe/Madrid", "quiet_hours": {"start": "22:30", "end": "07:00"},
              "reopen_quiet_minutes": 15, "digest": "daily", "popups_after_reply": True},
        headers=auth,
    )
    assert changed.status_code == 200
    after = client.get("/api/v1/settings", headers=auth).json
    assert {name: after[name] for name in changed.json if name not in PRIVACY} == {
        "email": "ana@example.test", "timezone": "Europe/Madrid", "timezone_set": True, "reopen_quiet_minutes": 15,
        "quiet_hours": {"start": "22:30", "end": "07:00"}, "digest": "daily", "popups_after_reply": True,
    }
    cleared = client.patch("/api/v1/settings", json={"quiet_hours": None}, headers=auth).json
    assert cleared["quiet_hours"] is None and cleared["timezone"] == "Europe/Madrid"


def test_bad_settings_are_refused_naming_the_field(client, services):
    auth, _ = make_user(services)
    for body, field in [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"reopen_quiet_minutes": 0}, "reopen_quiet_minutes"),
        ({"digest": "weekly"}, "digest"),
    ]:
        response = client.patch("/api/v1/settings", json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.json["error"]["field"] == field
    assert client.get("/api/v1/settings").status_code == 401


@pytest.mark.parametrize("zone", ["Europe", "America/", "/etc/passwd", "../zoneinfo/UTC", "localtime", "Europe/Madrid\0",
                                  "x" * 300])
def test_it_answers_422_for_a_time_zone_that_is_no_iana_name(client, services, zone):
    auth, _ = make_user(services)
    response = client.patch("/api/v1/settings", json={"timezone": zone}, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "timezone" and "IANA" in response.json["error"]["message"]
    assert client.get("/api/v1/settings", headers=auth).json["timezone"] == "UTC"


def test_a_whole_number_written_with_a_decimal_point_is_a_number_of_minutes(client, services):
    auth, _ = make_user(services)
    changed = client.patch("/api/v1/settings", json={"reopen_quiet_minutes": 15.0}, headers=auth)
    assert changed.status_code == 200 and changed.json["reopen_quiet_minutes"] == 15
    refused = client.patch("/api/v1/settings", json={"reopen_quiet_minutes": 15.5}, headers=auth)
    assert refused.status_code == 422 and refused.json["error"]["field"] == "reopen_quiet_minutes"
    assert client.patch("/api/v1/settings", json={"reopen_quiet_minutes": "15"}, headers=auth).status_code == 422


def test_a_zone_counts_as_chosen_once_set_even_to_the_default(client, services):
    auth, _ = make_user(services)
    other = client.patch("/api/v1/settings", json={"digest": "hourly", "timezone": None}, headers=auth).json
    assert other["timezone_set"] is False, "a null zone chooses nothing"
    chosen = client.patch("/api/v1/settings", json={"timezone": "UTC"}, headers=auth).json
    assert chosen["timezone"] == "UTC" and chosen["timezone_set"] is True


def test_a_refused_patch_changes_nothing_even_in_fields_that_were_valid(client, services):
    auth, _ = make_user(services)
    refused = client.patch("/api/v1/settings", json={"digest": "daily", "reopen_quiet_minutes": 7 * 24 * 60 + 1},
                           headers=auth)
    assert refused.status_code == 422 and refused.json["error"]["field"] == "reopen_quiet_minutes"
    assert "10080" in refused.json["error"]["message"]
    settings = client.get("/api/v1/settings", headers=auth).json
    assert settings["digest"] == "off" and settings["reopen_quiet_minutes"] == 60
