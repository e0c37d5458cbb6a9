"""The dashboard's privacy page: retention and footer choices, the JSON download, deleting the account."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from telltale.store.models import Message, User

from .helpers import csrf_of, path_of, register, sign_in


def test_a_user_sets_a_shorter_retention_and_the_footer_defaults(client, services, links, ana):
    sign_in(client, services, links)
    page = client.get("/app/privacy")
    assert page.status_code == 200 and b"365 days" in page.data
    csrf = csrf_of(page.data)

    too_long = client.post("/app/privacy", data={"csrf_token": csrf, "retention_days": "400", "optout_language": "en"})
    assert too_long.status_code == 422 and b"1 to 365 days" in too_long.data
    assert client.post("/app/privacy", data={"retention_days": "30", "optout_language": "en"}).status_code == 400

    saved = client.post("/app/privacy", data={"csrf_token": csrf, "retention_days": "30", "optout_footer": "on",
                                              "optout_language": "es", "optout_wording": "Este correo avisa."})
    assert saved.status_code == 303
    settings = client.get("/api/v1/settings", headers=ana).json
    assert (settings["retention_days"], settings["optout_footer"], settings["optout_language"],
            settings["optout_wording"]) == (30, True, "es", "Este correo avisa.")
    page = client.get(saved.headers["Location"])
    assert b"Saved." in page.data and b"<strong>30 days</strong>" in page.data


def test_reports_reaching_back_past_the_retention_say_since_when(client, services, links, ana):
    sign_in(client, services, links)
    client.patch("/api/v1/settings", json={"retention_days": 30}, headers=ana)
    today = datetime.now(UTC).date()
    recent = client.get(f"/app/reports?since={today - timedelta(days=7)}&until={today}")
    assert recent.status_code == 200 and b'id="kept-since"' not in recent.data
    long = client.get(f"/app/reports?since={today - timedelta(days=90)}&until={today}")
    assert b'id="kept-since"' in long.data and b"Figures since" in long.data


def test_the_json_download_holds_the_users_messages(client, services, links, ana):
    register(client, ana, subject="mine to take away")
    sign_in(client, services, links)
    download = client.get("/app/export/all.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert [m["subject"] for m in json.loads(download.data)["messages"]] == ["mine to take away"]


def test_deleting_the_account_from_the_dashboard_takes_the_typed_address(client, services, links, ana):
    sent = register(client, ana)
    sign_in(client, services, links)
    csrf = csrf_of(client.get("/app/privacy").data)
    wrong = client.post("/app/privacy/delete", data={"csrf_token": csrf, "confirm": "ana@example"})
    assert wrong.status_code == 422 and b"type its email address" in wrong.data
    done = client.post("/app/privacy/delete", data={"csrf_token": csrf, "confirm": " Ana@Example.test "})
    assert done.status_code == 200 and b"Your account is deleted" in done.data and b"1 message and" in done.data
    with services.sessions() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0
        assert db.scalar(select(func.count()).select_from(Message)) == 0
    assert client.get("/app/messages").status_code == 303  # signed out
    assert client.get(path_of(sent["links"][0]["tracked_url"])).status_code == 410
