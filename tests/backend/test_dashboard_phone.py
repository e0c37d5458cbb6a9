"""The dashboard's phone page: this browser's subscription, the device list, Apprise URLs, a test send,
and the service worker that makes the dashboard an installable app."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from sqlalchemy import text

from .helpers import csrf_of, make_user, sign_in

PASSWORD = "s3cret-Pa55"


@pytest.fixture
def settings(settings):
    # The stand-in push service listens on loopback: allowed here, refused by default.
    return replace(settings, push_allow_private=True, push_timeout_seconds=1)


@pytest.fixture
def signed_in(client, services, links, ana):
    sign_in(client, services, links)
    return client


def csrf(client) -> str:
    return csrf_of(client.get("/app/phone").data)


def post_subscription(client, subscription, token=None):
    headers = {"X-CSRFToken": token} if token is not None else {}
    return client.post("/app/phone/browsers", data=json.dumps(subscription), headers=headers,
                       content_type="application/json")


def devices(client) -> list[str]:
    return re.findall(r'<tr data-endpoint="([^"]+)"', client.get("/app/phone").data.decode())


def test_the_page_needs_sign_in(client):
    assert client.get("/app/phone").status_code == 303


def test_the_page_carries_the_servers_key_the_ios_rule_and_makes_the_app_installable(signed_in, services):
    response = signed_in.get("/app/phone")
    page = response.data.decode()
    assert f'data-key="{services.vapid().public_key}"' in page
    assert "Add to Home Screen" in page and "never sends a silent one" in page
    assert 'rel="manifest"' in page and "/app/static/phone.js" in page
    policy = response.headers["Content-Security-Policy"]
    for directive in ("connect-src 'self'", "worker-src 'self'", "manifest-src 'self'", "script-src 'self'"):
        assert directive in policy
    assert "unsafe-inline" not in policy


def test_the_service_worker_is_served_from_app_so_its_scope_is_the_dashboard(client):
    with client.get("/app/sw.js") as worker:
        assert worker.status_code == 200 and worker.mimetype == "text/javascript"
        assert b"showNotification" in worker.data and worker.headers["Cache-Control"] == "no-cache"
    with client.get("/app/static/manifest.webmanifest") as manifest:
        assert manifest.status_code == 200
        described = json.loads(manifest.data)
    assert described["scope"] == "/app/" and {icon["sizes"] for icon in described["icons"]} == {"192x192", "512x512"}
    for icon in described["icons"]:
        assert icon["src"].startswith("/app/static/dist/")


def test_a_browser_subscribes_from_the_page_is_listed_and_removed(signed_in, push_service):
    phone = push_service.browser("phone")
    token = csrf(signed_in)
    assert post_subscription(signed_in, phone.subscription()).status_code == 400  # no CSRF token, nothing kept
    assert devices(signed_in) == []
    kept = post_subscription(signed_in, phone.subscription(), token)
    assert kept.status_code == 201 and kept.json["name"]
    # Posted again on the next visit: still one device.
    assert post_subscription(signed_in, phone.subscription(), token).status_code == 201
    assert devices(signed_in) == [phone.endpoint]
    removed = signed_in.post(f"/app/phone/browsers/{kept.json['id']}/remove", data={"csrf_token": token})
    assert removed.status_code == 303 and devices(signed_in) == []


def test_a_subscription_a_browser_cannot_have_made_is_refused_with_its_reason(signed_in, push_service):
    bad_keys = push_service.browser().subscription()
    bad_keys["keys"]["p256dh"] = "A" * 87
    response = post_subscription(signed_in, bad_keys, csrf(signed_in))
    assert response.status_code == 422 and "keys.p256dh" in response.json["problem"]
    assert devices(signed_in) == []


def test_a_push_service_on_a_private_address_is_refused_by_default(settings, make_app, services, links, ana,
                                                                    push_service):
    strict = make_app(replace(settings, push_allow_private=False)).test_client()
    sign_in(strict, services, links)
    on_loopback = push_service.browser().subscription()
    on_loopback["endpoint"] = on_loopback["endpoint"].replace("http://", "https://")
    response = post_subscription(strict, on_loopback, csrf(strict))
    assert response.status_code == 422 and "push service cannot be used" in response.json["problem"]
    assert "loopback or private address" in response.json["problem"]


def test_one_user_cannot_remove_anothers_device(app, signed_in, services, links, push_service):
    phone = push_service.browser()
    kept = post_subscription(signed_in, phone.subscription(), csrf(signed_in)).json
    make_user(services, "eve@example.test")
    eve = app.test_client()
    sign_in(eve, services, links, "eve@example.test")
    eve.post(f"/app/phone/browsers/{kept['id']}/remove", data={"csrf_token": csrf(eve)})
    assert devices(signed_in) == [phone.endpoint]


def test_apprise_urls_are_added_sealed_shown_redacted_and_removed(signed_in, services, push_service):
    token = csrf(signed_in)
    url = f"json://ana:{PASSWORD}@{push_service.origin.removeprefix('http://')}/apprise"
    assert signed_in.post("/app/phone/apprise", data={"csrf_token": token, "url": url}).status_code == 303
    page = signed_in.get("/app/phone").data.decode()
    assert "json://ana:" in page and PASSWORD not in page
    with services.engine.connect() as connection:
        [stored] = connection.execute(text("SELECT secret FROM apprise_urls")).scalars().all()
    assert PASSWORD not in stored
    [channel_id] = re.findall(r"/app/phone/apprise/(\d+)/remove", page)
    assert signed_in.post(f"/app/phone/apprise/{channel_id}/remove", data={"csrf_token": token}).status_code == 303
    assert "json://ana:" not in signed_in.get("/app/phone").data.decode()


def test_an_apprise_url_apprise_does_not_take_gets_a_clear_error(signed_in):
    response = signed_in.post("/app/phone/apprise", data={"csrf_token": csrf(signed_in), "url": "nosuch://x"})
    assert response.status_code == 422 and b"That Apprise URL cannot be used" in response.data
    assert not re.search(rb"/app/phone/apprise/\d+/remove", response.data)  # nothing kept


def test_the_test_send_reaches_every_channel_and_says_what_each_did(signed_in, push_service):
    token = csrf(signed_in)
    phone, old_laptop = push_service.browser("phone"), push_service.browser("laptop")
    push_service.answer(old_laptop, 410)
    for browser in (phone, old_laptop):
        assert post_subscription(signed_in, browser.subscription(), token).status_code == 201
    apprise = f"json://{push_service.origin.removeprefix('http://')}/apprise"
    assert signed_in.post("/app/phone/apprise", data={"csrf_token": token, "url": apprise}).status_code == 303
    page = signed_in.post("/app/phone/test", data={"csrf_token": token}).data.decode()
    results = re.findall(r"<tr><td>[^<]*</td><td>([a-z]+)", page.split('id="tried"')[1])
    assert results == ["sent", "unsubscribed", "sent"]
    [(_, pushed)] = push_service.pushes(phone)  # decrypted with the phone's own keys
    assert pushed["title"] == "Telltale test notification"
    assert len(push_service.to("/apprise")) == 1
    assert devices(signed_in) == [phone.endpoint]


def test_a_test_send_with_nothing_to_send_to_says_so(signed_in):
    page = signed_in.post("/app/phone/test", data={"csrf_token": csrf(signed_in)}).data
    assert b"no device or Apprise URL" in page
