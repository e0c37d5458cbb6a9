"""/api/v1/push: the VAPID key, browsers' subscriptions and the address check on them, and a test send."""
from __future__ import annotations

import base64
import stat
from dataclasses import replace

import pytest

from .helpers import make_user


@pytest.fixture
def local_client(settings, make_app):
    """A client of a server whose owner lets pushes go to loopback (the stand-in push service)."""
    return make_app(replace(settings, push_allow_private=True, push_timeout_seconds=1)).test_client()


def subscribe(client, auth, subscription):
    return client.post("/api/v1/push/subscriptions", json=subscription, headers=auth)


def test_the_vapid_key_is_made_at_first_use_kept_private_and_the_same_for_every_process(client, ana, settings,
                                                                                         make_app):
    key = client.get("/api/v1/push/key", headers=ana).json["public_key"]
    point = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(point) == 65 and point[0] == 4 and "=" not in key
    assert stat.S_IMODE(settings.vapid_key_file.stat().st_mode) == 0o600
    again = make_app(settings).test_client().get("/api/v1/push/key", headers=ana).json["public_key"]
    assert again == key
    assert client.get("/api/v1/push/key").status_code == 401


def test_a_browser_subscribes_is_listed_renews_and_unsubscribes(local_client, services, ana, push_service):
    browser = push_service.browser()
    created = subscribe(local_client, ana, browser.subscription())
    assert created.status_code == 201
    assert created.json["endpoint"] == browser.endpoint and created.json["name"] == "Werkzeug/" + _werkzeug()
    renewed = subscribe(local_client, ana, {**browser.subscription(), "name": "Pixel 8, Chrome"})
    assert renewed.json["id"] == created.json["id"] and renewed.json["name"] == "Pixel 8, Chrome"
    [listed] = local_client.get("/api/v1/push/subscriptions", headers=ana).json["items"]
    assert listed["id"] == created.json["id"] and listed["last_ok_at"] is None
    zoe, _ = make_user(services, "zoe@example.test")
    assert local_client.delete(f"/api/v1/push/subscriptions/{listed['id']}", headers=zoe).status_code == 404
    assert local_client.delete(f"/api/v1/push/subscriptions/{listed['id']}", headers=ana).status_code == 204
    assert local_client.get("/api/v1/push/subscriptions", headers=ana).json["items"] == []


@pytest.mark.parametrize("endpoint", [
    "https://127.0.0.1/push/x", "https://10.1.2.3/push/x", "https://192.168.1.20:8443/push/x", "https://[::1]/push/x",
    "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/push/x", "https://[::ffff:127.0.0.1]/push/x",
    "https://localhost/push/x", "https://push.localhost/x", "http://push.example.com/x",
])
def test_an_endpoint_on_a_private_address_or_without_tls_is_refused(client, ana, push_service, endpoint):
    response = subscribe(client, ana, {**push_service.browser().subscription(), "endpoint": endpoint})
    assert response.status_code == 422 and response.json["error"]["field"] == "endpoint", response.json


def test_loopback_is_allowed_only_when_the_owner_says_so(client, local_client, ana, push_service):
    subscription = push_service.browser().subscription()
    assert subscribe(client, ana, subscription).status_code == 422
    assert subscribe(local_client, ana, subscription).status_code == 201


def test_a_public_push_service_is_accepted(client, ana, push_service):
    subscription = {**push_service.browser().subscription(), "endpoint": "https://fcm.googleapis.com/fcm/send/abc:1"}
    assert subscribe(client, ana, subscription).status_code == 201


def test_past_twenty_devices_the_oldest_subscription_makes_room(client, ana, push_service):
    subscription = push_service.browser().subscription()
    for n in range(21):
        endpoint = f"https://fcm.googleapis.com/fcm/send/device-{n}"
        assert subscribe(client, ana, {**subscription, "endpoint": endpoint}).status_code == 201
    listed = client.get("/api/v1/push/subscriptions", headers=ana).json["items"]
    assert [item["endpoint"].rpartition("-")[2] for item in listed] == [str(n) for n in range(1, 21)]


@pytest.mark.parametrize("keys, field", [
    ({"p256dh": "A" * 87}, "keys.p256dh"),
    ({"auth": "A" * 24}, "keys.auth"),
    ({"auth": None}, "keys.auth"),
])
def test_keys_a_browser_cannot_have_made_are_refused(local_client, ana, push_service, keys, field):
    subscription = push_service.browser().subscription()
    subscription["keys"].update(keys)
    response = subscribe(local_client, ana, subscription)
    assert response.status_code == 422 and response.json["error"]["field"] == field


def test_the_test_send_reports_each_channel_and_forgets_a_gone_one(local_client, ana, push_service):
    phone, old_laptop = push_service.browser("phone"), push_service.browser("laptop")
    push_service.answer(old_laptop, 410)
    for browser in (phone, old_laptop):
        assert subscribe(local_client, ana, browser.subscription()).status_code == 201
    apprise = f"json://{push_service.origin.removeprefix('http://')}/apprise"
    assert local_client.put("/api/v1/push/apprise", json={"urls": [apprise]}, headers=ana).status_code == 200
    results = local_client.post("/api/v1/push/test", headers=ana).json["results"]
    assert [(r["kind"], r["status"]) for r in results] == [("web_push", "sent"), ("web_push", "gone"),
                                                            ("apprise", "sent")]
    assert "410" in results[1]["detail"]
    [(_, pushed)] = push_service.pushes(phone)
    assert pushed["title"] == "Telltale test notification" and pushed["url"] == "/app/messages"
    assert len(push_service.to("/apprise")) == 1
    [left] = local_client.get("/api/v1/push/subscriptions", headers=ana).json["items"]
    assert left["endpoint"] == phone.endpoint and left["last_ok_at"] is not None


def test_the_test_send_with_no_channel_reports_nothing(client, ana):
    assert client.post("/api/v1/push/test", headers=ana).json == {"results": []}


def _werkzeug() -> str:
    from importlib.metadata import version

    return version("werkzeug")
