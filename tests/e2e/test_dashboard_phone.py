"""The phone page in Chromium: subscribe this browser, see it listed, send a test notification that
reaches the push service encrypted for this browser, and have the dashboard's own service worker show it.

Chromium's real push service is Google's (FCM), on the internet, which tests may not reach. So the
page's PushManager hands out a subscription of the local push-service stand-in instead (an init
script, the one stand-in here); the service worker, the page's script, the server, its VAPID
signature and the payload's encryption are all real, and the push is delivered to the real service
worker through DevTools' ServiceWorker.deliverPushMessage.
"""
from __future__ import annotations

import json
import time

import pytest

from tests.backend.push_service import PushService

from .conftest import Backend
from .test_dashboard import accessible

FAKE_PUSH_MANAGER = """
((subscription) => {
  const KEY = 'telltale-test-subscription';
  const make = () => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    if (!options || options.userVisibleOnly !== true || !options.applicationServerKey) {
      throw new DOMException('userVisibleOnly and applicationServerKey are required', 'NotAllowedError');
    }
    localStorage.setItem(KEY, String(options.applicationServerKey));
    return make();
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem(KEY) ? make() : null;
  };
})(%s);
"""


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def phone_backend(tmp_path):
    # The stand-in push service is on loopback, which the server refuses unless told.
    server = Backend(tmp_path / "home", env={"TELLTALE_PUSH_ALLOW_PRIVATE": "1"})
    try:
        server.start()
        yield server
    finally:
        server.stop()


def registration_id(cdp, origin: str, timeout: float = 10) -> str:
    found: dict[str, str] = {}

    def seen(event):
        for registration in event["registrations"]:
            if registration["scopeURL"] == f"{origin}/app/" and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + timeout
    while "id" not in found and time.monotonic() < deadline:
        cdp.send("Runtime.evaluate", {"expression": "1"})  # lets the event loop deliver events
        time.sleep(0.1)
    assert "id" in found, "the dashboard's service worker was not registered for /app/"
    return found["id"]


def deliver_push(page, origin: str, payload: dict, attempts: int = 3, wait: float = 8) -> list[dict]:
    """Hands the payload to the service worker as a push, and returns the notifications it shows.

    Chromium drops a DevTools push delivery without a word when the worker cannot take it yet
    (its delivery callback is a no-op); in one loaded CI run, the notification never showed.
    So the push is delivered again, as a push service redelivers, until it shows; the tag makes
    a second delivery replace the first notification, so the count below still proves one.
    """
    cdp = page.context.new_cdp_session(page)
    registration = registration_id(cdp, origin)
    page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.state)")
    shown: list[dict] = []
    for _ in range(attempts):
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration,
                                                      "data": json.dumps(payload)})
        deadline = time.monotonic() + wait
        while not shown and time.monotonic() < deadline:
            shown = page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications())"
                                  ".then((all) => all.map((n) => ({title: n.title, body: n.body, tag: n.tag})))")
            time.sleep(0.1)
        if shown:
            break
    return shown


def test_a_browser_subscribes_gets_a_test_notification_and_its_service_worker_shows_it(page, phone_backend,
                                                                                        push_service, extension_dir):
    # extension_dir: `npm run build` has run, which draws the app's icons too.
    backend = phone_backend
    phone = push_service.browser("chromium")
    page.context.grant_permissions(["notifications"], origin=backend.url)
    page.add_init_script(FAKE_PUSH_MANAGER % json.dumps(phone.subscription()))
    backend.create_user("sam@example.com")
    page.goto(backend.telltale("user", "login", "sam@example.com").strip())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/messages")

    page.get_by_role("link", name="Phone").click()
    page.wait_for_url("**/app/phone")
    status = page.get_by_role("status").first
    status.filter(has_text="does not receive notifications yet").wait_for()
    accessible(page, "phone")

    page.get_by_role("button", name="Notify me on this device").click()
    status.filter(has_text="This device receives your notifications").wait_for()
    assert page.locator("#device-list tbody tr").count() == 1
    # The page subscribed with the server's own VAPID key.
    server_key = page.locator("#push").get_attribute("data-key")
    assert page.evaluate("localStorage.getItem('telltale-test-subscription')") == server_key
    assert page.get_by_role("button", name="Stop notifications on this device").is_visible()

    page.get_by_role("button", name="Send a test notification").click()
    page.locator("#tried").wait_for()
    assert page.locator("#tried td").nth(1).inner_text().startswith("sent")
    [(_, pushed)] = push_service.pushes(phone)  # decrypted with this browser's keys
    assert pushed["title"] == "Telltale test notification"

    shown = deliver_push(page, backend.url, pushed)
    assert shown == [{"title": pushed["title"], "body": pushed["body"], "tag": pushed["tag"]}]

    page.get_by_role("button", name="Stop notifications on this device").click()
    page.wait_for_load_state()
    status.filter(has_text="does not receive notifications yet").wait_for()
    assert page.locator("#device-list tbody tr").count() == 0
