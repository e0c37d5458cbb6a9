"""GET /api/v1/tokens, DELETE /api/v1/tokens/<id> and /api/v1/tokens/current."""
from __future__ import annotations

from sqlalchemy import select

from telltale.store.models import ApiToken

from .helpers import make_user


def pair(client, code: str, **fields) -> dict:
    paired = client.post("/api/v1/pair", json={"code": code, **fields})
    assert paired.status_code == 200, paired.json
    return {"Authorization": f"Bearer {paired.json['token']}"}


def test_it_lists_the_callers_tokens_with_their_labels_and_marks_the_one_in_use(client, services):
    cli_auth, code = make_user(services)
    browser_auth = pair(client, code, label="Chrome on Linux")
    listed = client.get("/api/v1/tokens", headers=browser_auth)
    assert listed.status_code == 200
    items = listed.json["items"]
    assert [(t["label"], t["current"]) for t in items] == [("", False), ("Chrome on Linux", True)]
    assert set(items[0]) == {"id", "label", "created_at", "last_used_at", "current"}
    assert items[1]["last_used_at"] is not None, "the listing request itself used it"
    from_cli = client.get("/api/v1/tokens", headers=cli_auth).json["items"]
    assert [t["current"] for t in from_cli] == [True, False]


def test_the_list_never_shows_a_secret_or_its_hash(client, services):
    auth, _ = make_user(services)
    token = auth["Authorization"].removeprefix("Bearer ")
    with services.sessions.begin() as session:
        stored_hash = session.scalar(select(ApiToken.token_hash))
    body = client.get("/api/v1/tokens", headers=auth).get_data(as_text=True)
    assert token not in body and stored_hash not in body and "tt_" not in body


def test_a_token_paired_without_a_label_is_labelled_extension(client, services):
    _, code = make_user(services)
    auth = pair(client, code)
    assert [t["label"] for t in client.get("/api/v1/tokens", headers=auth).json["items"]][-1] == "extension"


def test_a_label_that_is_not_printable_text_is_refused(client, services):
    _, code = make_user(services)
    for label in ["", " Chrome", "Chrome\n", "a" * 101, "nul\0"]:
        refused = client.post("/api/v1/pair", json={"code": code, "label": label})
        assert refused.status_code == 422, label
        assert refused.json["error"]["field"] == "label"


def test_a_revoked_token_is_refused_at_once(client, services):
    cli_auth, code = make_user(services)
    browser_auth = pair(client, code, label="laptop")
    laptop = client.get("/api/v1/tokens", headers=browser_auth).json["items"][-1]
    assert client.delete(f"/api/v1/tokens/{laptop['id']}", headers=cli_auth).status_code == 204
    refused = client.get("/api/v1/messages", headers=browser_auth)
    assert refused.status_code == 401
    assert refused.json["error"]["message"] == "the API token is unknown or revoked"
    assert [t["label"] for t in client.get("/api/v1/tokens", headers=cli_auth).json["items"]] == [""]


def test_revoking_the_current_token_unpairs_the_caller_and_no_one_else(client, services):
    cli_auth, code = make_user(services)
    browser_auth = pair(client, code)
    revoked = client.delete("/api/v1/tokens/current", headers=browser_auth)
    assert revoked.status_code == 204 and not revoked.get_data()
    assert client.get("/api/v1/settings", headers=browser_auth).status_code == 401
    assert client.delete("/api/v1/tokens/current", headers=browser_auth).status_code == 401
    assert client.get("/api/v1/settings", headers=cli_auth).status_code == 200


def test_another_users_token_cannot_be_revoked_and_looks_like_none(client, services):
    ana_auth, _ = make_user(services, "ana@example.test")
    bo_auth, _ = make_user(services, "bo@example.test")
    [bo_token] = client.get("/api/v1/tokens", headers=bo_auth).json["items"]
    refused = client.delete(f"/api/v1/tokens/{bo_token['id']}", headers=ana_auth)
    missing = client.delete("/api/v1/tokens/999999", headers=ana_auth)
    assert refused.status_code == missing.status_code == 404
    assert refused.json["error"]["message"] == f"token {bo_token['id']} not found"
    assert client.get("/api/v1/settings", headers=bo_auth).status_code == 200


def test_a_token_revoked_once_is_not_found_the_second_time(client, services):
    cli_auth, code = make_user(services)
    browser_auth = pair(client, code)
    browser_id = client.get("/api/v1/tokens", headers=browser_auth).json["items"][-1]["id"]
    assert client.delete(f"/api/v1/tokens/{browser_id}", headers=cli_auth).status_code == 204
    assert client.delete(f"/api/v1/tokens/{browser_id}", headers=cli_auth).status_code == 404


def test_a_stranger_learns_nothing_about_tokens(client, services):
    make_user(services)
    assert client.get("/api/v1/tokens").status_code == 401
    assert client.delete("/api/v1/tokens/1").status_code == 401
    assert client.delete("/api/v1/tokens/current", headers={"Authorization": "Bearer tt_made_up"}).status_code == 401
