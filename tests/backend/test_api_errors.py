"""The API's one error shape: {"error": {"code", "message", "field"?}}, with the right status."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from telltale.accounts.credentials import utcnow
from telltale.store.models import ApiToken, Message

from .helpers import make_user, register

MESSAGE = {"subject": "Hi", "recipients": ["bo@example.test"]}


@pytest.fixture
def auth(services):
    return make_user(services)[0]


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"}
    error = response.json["error"]
    assert error["code"] == code and error["message"]
    assert set(error) <= {"code", "message", "field"}
    return error


def test_it_refuses_malformed_json(client, auth):
    response = client.post("/api/v1/messages", data='{"recipients": [', content_type="application/json", headers=auth)
    _error(response, 400, "malformed_json")


def test_it_refuses_an_empty_body(client, auth):
    response = client.post("/api/v1/messages", data="", content_type="application/json", headers=auth)
    _error(response, 400, "malformed_json")


@pytest.mark.parametrize("body", [[MESSAGE], "hello", None, 7])
def test_it_refuses_a_body_that_is_not_an_object(client, auth, body):
    response = client.post("/api/v1/messages", data=json.dumps(body), content_type="application/json", headers=auth)
    error = _error(response, 400, "malformed_body")
    assert "object" in error["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tracking": "yes"}, "tracking"),
        ({"recipients": "bo@example.test"}, "recipients"),
        ({"recipients": ["bo@example.test", 7]}, "recipients.1"),
        ({"subject": 5}, "subject"),
        ({"links": "https://example.com/"}, "links"),
        ({"sent_at": "yesterday"}, "sent_at"),
        ({"tags": ["ok", ""]}, "tags.1"),
        ({"tags": ["ok", " padded"]}, "tags.1"),
        ({"tags": ["line\nbreak"]}, "tags.0"),
        ({"links": ["ftp://example.com/"]}, "links.0"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_it_names_the_field_with_a_bad_value(client, auth, change, field):
    response = client.post("/api/v1/messages", json={**MESSAGE, **change}, headers=auth)
    error = _error(response, 422, "invalid_field")
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")


def test_it_names_a_missing_field(client, auth):
    error = _error(client.post("/api/v1/messages", json={"subject": "Hi"}, headers=auth), 422, "invalid_field")
    assert error["field"] == "recipients"


def test_it_names_a_bad_field_in_a_change(client, auth):
    created = register(client, auth)
    response = client.patch(f"/api/v1/messages/{created['id']}", json={"notify": 1}, headers=auth)
    assert _error(response, 422, "invalid_field")["field"] == "notify"


@pytest.mark.parametrize(
    ("query", "field"), [("limit=0", "limit"), ("limit=many", "limit"), ("state=lost", "state"), ("page=2", "page")]
)
def test_it_names_a_bad_query_parameter(client, auth, query, field):
    error = _error(client.get(f"/api/v1/messages?{query}", headers=auth), 422, "invalid_field")
    assert error["field"] == field


def test_it_refuses_a_body_over_the_size_limit(client, settings, auth):
    padding = "x" * settings.max_body_bytes
    response = client.post("/api/v1/messages", json={**MESSAGE, "subject": padding}, headers=auth)
    error = _error(response, 413, "body_too_large")
    assert str(settings.max_body_bytes) in error["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_it_refuses_a_body_that_is_not_json(client, auth, content_type):
    response = client.post("/api/v1/messages", data=json.dumps(MESSAGE), content_type=content_type, headers=auth)
    _error(response, 415, "unsupported_media_type")


def test_it_accepts_json_with_a_charset(client, auth):
    response = client.post(
        "/api/v1/messages", data=json.dumps(MESSAGE), content_type="application/json; charset=utf-8", headers=auth
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer tt_not-a-real-token", "Bearer forged"]
)
def test_it_refuses_a_missing_or_bad_token(client, services, header):
    make_user(services)
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/api/v1/messages", headers=headers)
    _error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_a_revoked_token(client, services, auth):
    with services.sessions.begin() as session:
        session.execute(update(ApiToken).values(revoked_at=utcnow()))
    _error(client.get("/api/v1/messages", headers=auth), 401, "unauthorized")


def test_it_asks_for_a_token_before_it_reads_the_body(client):
    response = client.post("/api/v1/messages", data="not json", content_type="text/plain")
    _error(response, 401, "unauthorized")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_unknown_message_is_not_found(client, auth, method):
    response = client.open("/api/v1/messages/999999", method=method, json={"notify": False}, headers=auth)
    error = _error(response, 404, "not_found")
    assert "999999" in error["message"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_users_message_is_not_found_and_stays_unchanged(client, services, auth, method):
    owner, _ = make_user(services, "cy@example.test")
    theirs = register(client, owner, tags=["theirs"])
    before = client.get(f"/api/v1/messages/{theirs['id']}", headers=owner).json
    response = client.open(
        f"/api/v1/messages/{theirs['id']}", method=method, json={"notify": False, "tags": []}, headers=auth
    )
    _error(response, 404, "not_found")
    assert client.get(f"/api/v1/messages/{theirs['id']}", headers=owner).json == before
    with services.sessions.begin() as session:
        assert session.scalar(select(Message.notify).where(Message.id == theirs["id"])) is True


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "POST"])
@pytest.mark.parametrize("message_id", [0, 2**63, 2**64 + 5, 10**40])
def test_it_answers_404_for_an_id_past_the_database_range(client, auth, method, message_id):
    path = f"/api/v1/messages/{message_id}" + ("/sender-views" if method == "POST" else "")
    response = client.open(path, method=method, json={}, headers=auth)
    error = _error(response, 404, "not_found")
    assert error["message"].startswith(f"message {message_id} not found")


def test_it_refuses_a_cursor_past_the_database_range(client, auth):
    error = _error(client.get(f"/api/v1/messages?before={2**63}", headers=auth), 422, "invalid_field")
    assert error["field"] == "before" and str(2**63 - 1) in error["message"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00", "1969-12-31T23:59:59Z"])
def test_it_refuses_a_time_that_does_not_fit_in_utc_or_is_implausible(client, auth, moment):
    error = _error(client.post("/api/v1/messages", json={**MESSAGE, "sent_at": moment}, headers=auth),
                   422, "invalid_field")
    assert error["field"] == "sent_at" and "1970 to 2999" in error["message"]
    created = register(client, auth)
    response = client.post(f"/api/v1/messages/{created['id']}/sender-views", json={"at": moment}, headers=auth)
    assert _error(response, 422, "invalid_field")["field"] == "at"


@pytest.mark.parametrize("field", ["subject", "recipients", "client_ref", "thread_ref"])
def test_it_answers_422_for_a_nul_character_postgresql_cannot_store(client, auth, field):
    text = "a\x00b"
    response = client.post("/api/v1/messages", json={**MESSAGE, field: [text] if field == "recipients" else text},
                           headers=auth)
    assert _error(response, 422, "invalid_field")["field"].startswith(field)
    created = register(client, auth)
    if field.endswith("_ref"):
        response = client.patch(f"/api/v1/messages/{created['id']}", json={field: text}, headers=auth)
        assert _error(response, 422, "invalid_field")["field"] == field


def test_an_unknown_api_path_is_not_found_in_json(client, auth):
    error = _error(client.get("/api/v1/nothing-here", headers=auth), 404, "not_found")
    assert "/api/v1/nothing-here" in error["message"]


def test_a_wrong_method_is_refused_in_json_with_the_allowed_ones(client, auth):
    response = client.put("/api/v1/messages", json=MESSAGE, headers=auth)
    error = _error(response, 405, "method_not_allowed")
    assert error["message"].startswith("PUT /api/v1/messages")
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


def test_pages_outside_the_api_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
