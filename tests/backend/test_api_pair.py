"""POST /api/v1/pair: a one-time pairing code for an API token."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from telltale.accounts.credentials import utcnow
from telltale.store.models import PairingCode

from .helpers import make_user


def test_it_trades_a_pairing_code_for_a_working_token(client, services):
    _, code = make_user(services)
    paired = client.post("/api/v1/pair", json={"code": code})
    assert paired.status_code == 200
    auth = {"Authorization": f"Bearer {paired.json['token']}"}
    listed = client.get("/api/v1/messages", headers=auth)
    assert listed.status_code == 200
    assert listed.json == {"items": [], "next_before": None}


def test_the_token_sees_the_messages_of_the_user_who_got_the_code(client, services):
    cli_auth, code = make_user(services)
    created = client.post("/api/v1/messages", json={"recipients": ["bo@example.test"]}, headers=cli_auth).json
    token = client.post("/api/v1/pair", json={"code": code}).json["token"]
    shown = client.get(f"/api/v1/messages/{created['id']}", headers={"Authorization": f"Bearer {token}"})
    assert shown.status_code == 200


def test_a_pairing_code_works_once(client, services):
    _, code = make_user(services)
    assert client.post("/api/v1/pair", json={"code": code}).status_code == 200
    again = client.post("/api/v1/pair", json={"code": code})
    assert again.status_code == 400
    assert again.json["error"]["code"] == "invalid_pairing_code"
    assert again.json["error"]["field"] == "code"


def test_it_refuses_an_expired_pairing_code(client, services):
    _, code = make_user(services)
    with services.sessions.begin() as session:
        session.execute(update(PairingCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    refused = client.post("/api/v1/pair", json={"code": code})
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "invalid_pairing_code"


def test_it_refuses_an_unknown_pairing_code(client, services):
    make_user(services)
    refused = client.post("/api/v1/pair", json={"code": "ABCDE-FGHJK"})
    assert refused.status_code == 400
    assert "pairing code" in refused.json["error"]["message"]


def test_it_accepts_a_code_typed_in_lower_case_without_the_dash(client, services):
    _, code = make_user(services)
    paired = client.post("/api/v1/pair", json={"code": code.replace("-", "").lower()})
    assert paired.status_code == 200


def test_a_code_of_the_wrong_type_is_named(client, services):
    refused = client.post("/api/v1/pair", json={"code": 1234567890})
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "code"


def test_a_code_that_cannot_be_a_pairing_code_is_named(client, services):
    for code in ["ABC", "ABCDE_FGHJK", "ABCDE--FGHJK", "ABCDE-FGHJK-LMNPQ", "ABCDÉ-FGHJK"]:
        refused = client.post("/api/v1/pair", json={"code": code})
        assert refused.status_code == 422, code
        assert refused.json["error"]["field"] == "code"
