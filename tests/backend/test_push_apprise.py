"""Apprise URLs: checked by Apprise, sealed at rest, shown redacted, and told of each fresh popup."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import text

from .helpers import make_user, path_of, register

PASSWORD = "s3cret-Pa55"


@pytest.fixture
def settings(settings):
    # Apprise posts to the stand-in on loopback: allowed here, refused by default.
    return replace(settings, push_allow_private=True, push_timeout_seconds=1)


@pytest.fixture
def apprise_url(client, ana, push_service):
    url = f"json://ana:{PASSWORD}@{push_service.origin.removeprefix('http://')}/apprise"
    response = client.put("/api/v1/push/apprise", json={"urls": [url]}, headers=ana)
    assert response.status_code == 200, response.json
    return url


def test_a_fresh_popup_reaches_apprise_with_its_title_and_body(client, ana, apprise_url, push_service, drain):
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    drain()
    [received] = push_service.to("/apprise")
    sent = json.loads(received.body)
    assert (sent["title"], sent["message"]) == ("bo@example.test opened “Q3 quote”", "1st open · iPhone · Apple Mail")


def test_an_update_of_a_popup_is_not_sent_again_to_apprise(client, ana, apprise_url, push_service, drain):
    message = register(client, ana)
    for _ in range(2):
        client.get(path_of(message["pixel_url"]))
        drain()
    # Apprise cannot replace a notification it sent: the coalesced update would be a second one.
    assert len(push_service.to("/apprise")) == 1


def test_the_url_is_encrypted_at_rest_and_shown_redacted(client, services, ana, apprise_url):
    with services.engine.connect() as connection:
        [stored] = connection.execute(text("SELECT secret FROM apprise_urls")).scalars().all()
    assert PASSWORD not in stored and "127.0.0.1" not in stored and "json" not in stored
    assert services.vault().open(stored) == apprise_url
    [shown] = client.get("/api/v1/push/apprise", headers=ana).json["urls"]
    assert PASSWORD not in shown and shown.startswith("json://ana:")


def test_putting_a_list_replaces_the_old_one(client, ana, apprise_url):
    assert client.put("/api/v1/push/apprise", json={"urls": []}, headers=ana).json == {"urls": []}
    assert client.get("/api/v1/push/apprise", headers=ana).json == {"urls": []}


@pytest.mark.parametrize("url, says", [
    ("nosuchservice://token", "Apprise does not take this URL"),
    ("syslog://", "notify this server itself"),
])
def test_a_url_apprise_cannot_use_is_refused_with_the_reason(client, ana, url, says):
    response = client.put("/api/v1/push/apprise", json={"urls": ["ntfys://ntfy.sh/telltale-test", url]}, headers=ana)
    assert response.status_code == 422 and response.json["error"]["field"] == "urls.1"
    assert says in response.json["error"]["message"]


@pytest.mark.parametrize("url", ["json://127.0.0.1:8080/hook", "ntfy://10.0.0.5/topic", "gotify://[::1]/token",
                                 "json://localhost/hook", "mailto://user:pass@example.com?smtp=192.168.1.2"])
def test_a_url_to_a_private_address_is_refused_unless_the_owner_allows_it(settings, make_app, services, url):
    strict = make_app(replace(settings, push_allow_private=False)).test_client()
    auth, _ = make_user(services, "zoe@example.test")
    response = strict.put("/api/v1/push/apprise", json={"urls": [url]}, headers=auth)
    assert response.status_code == 422 and "private address" in response.json["error"]["message"], response.json
