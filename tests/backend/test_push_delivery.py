"""Web Push through the whole pipeline: a hit, the worker's popup decision, a push the phone can read.

Every push is checked at a push service on loopback (push_service.py): its VAPID signature and
claims, and its payload decrypted with the browser's own keys. What arrives must be exactly the
popups the desktop is shown in the live events, no more and no fewer.
"""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from telltale import queue
from telltale.live import stream
from telltale.notify.notice import Notice
from telltale.services import working
from telltale.store.models import User
from telltale.worker.ingest import drain_hits
from telltale.worker.publish import release_held
from telltale.worker.push import send_pushes

from .helpers import path_of, register
from .push_service import verify_vapid

GOOGLEBOT = {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
             "REMOTE_ADDR": "66.249.66.1"}
APPLE_RELAY = {"HTTP_USER_AGENT": "Mozilla/5.0", "REMOTE_ADDR": "17.58.101.7"}


@pytest.fixture
def settings(settings):
    # The stand-in push service listens on loopback over http: allowed here, refused by default.
    return replace(settings, push_allow_private=True, push_timeout_seconds=1)


@pytest.fixture
def phone(client, ana, push_service):
    browser = push_service.browser()
    response = client.post("/api/v1/push/subscriptions", json=browser.subscription(name="Pixel"), headers=ana)
    assert response.status_code == 201, response.json
    return browser


def shown_popups(services) -> list[dict]:
    """The popups the desktop was given, from the live events of the one user."""
    with services.sessions() as session:
        [user_id] = session.scalars(select(User.id)).all()
    return [event["popup"] for event in stream.read_after(services.redis, user_id, "0-0") if event["popup"]]


def as_pushed(popup: dict) -> dict:
    return {"tag": popup["id"], "fresh": popup["fresh"], "title": popup["title"], "body": popup["body"]}


def test_a_persons_open_reaches_the_phone_as_the_popup_the_desktop_shows(client, ana, phone, push_service, drain):
    key = client.get("/api/v1/push/key", headers=ana).json["public_key"]
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    drain()
    [(received, pushed)] = push_service.pushes(phone)
    [popup] = shown_popups(client.application.extensions["telltale"])
    assert pushed == {**as_pushed(popup), "url": f"/app/messages/{message['id']}", "message_id": message["id"]}
    assert pushed["title"] == "bo@example.test opened “Q3 quote”" and pushed["body"] == "1st open · iPhone · Apple Mail"
    assert verify_vapid(received, push_service.origin)["k"] == key
    assert int(received.headers["ttl"]) > 0 and len(received.headers["topic"]) <= 32


def test_a_second_open_within_the_window_updates_the_same_notification(client, services, ana, phone, push_service,
                                                                        drain):
    message = register(client, ana)
    for _ in range(2):
        client.get(path_of(message["pixel_url"]))
        drain()
    popups = shown_popups(services)
    pushes = push_service.pushes(phone)
    assert [pushed for _, pushed in pushes] == [
        {**as_pushed(popup), "url": f"/app/messages/{message['id']}", "message_id": message["id"]} for popup in popups
    ]
    (first, one), (second, two) = pushes
    assert (one["fresh"], two["fresh"]) == (True, False) and one["tag"] == two["tag"] and two["body"] == "2 opens"
    assert first.headers["topic"] == second.headers["topic"], "the push service may drop the stale one"


def test_a_scanner_and_a_prefetcher_send_nothing(client, services, ana, phone, push_service, drain):
    message = register(client, ana, decoy=True)
    client.get(path_of(message["decoy_url"]))
    client.get(path_of(message["pixel_url"]), environ_base=APPLE_RELAY)
    drain()
    events = stream.read_after(services.redis, _user_id(services), "0-0")
    assert sorted(event["source"] for event in events) == ["prefetch", "scanner"]
    assert shown_popups(services) == [] and push_service.received == []


def test_a_search_engine_sends_the_one_warning_the_desktop_gets(client, services, ana, phone, push_service, drain):
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]), environ_base=GOOGLEBOT)
    client.get(path_of(message["links"][0]["tracked_url"]), environ_base=GOOGLEBOT)
    drain()
    [popup] = shown_popups(services)
    [(_, pushed)] = push_service.pushes(phone)
    assert pushed["title"] == popup["title"] == "“Q3 quote” appears to be public" and pushed["tag"] == popup["id"]


def test_quiet_hours_hold_the_push_and_the_summary_is_pushed_when_they_end(client, services, ana, phone, push_service,
                                                                           drain, app):
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}
    assert client.patch("/api/v1/settings", json={"quiet_hours": window}, headers=ana).status_code == 200
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    client.get(path_of(message["links"][0]["tracked_url"]))
    drain()
    assert shown_popups(services) == [] and push_service.received == []
    with app.app_context():
        assert release_held(_user_id(services)) == 2
    drain()
    [(_, pushed)] = push_service.pushes(phone)
    assert pushed["title"] == "While notifications were held" and pushed["body"] == "1 open, 1 click on 1 message"
    assert pushed["url"] == "/app/messages" and pushed["message_id"] is None


def test_the_summary_after_quiet_hours_queues_no_phone_job_for_a_user_without_a_phone(client, services, ana, drain,
                                                                                       app):
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}
    assert client.patch("/api/v1/settings", json={"quiet_hours": window}, headers=ana).status_code == 200
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    drain()
    jobs = Queue(services.settings.queue_name, connection=services.redis)
    jobs.empty()
    with app.app_context():
        assert release_held(_user_id(services)) == 1
    # The desktop still gets its summary; no job is queued to find nowhere to send it.
    [summary] = shown_popups(services)
    assert summary["title"] == "While notifications were held"
    assert queue.PUSH_JOB not in [job.func_name for job in jobs.jobs]


@pytest.mark.parametrize("status, kept", [(404, False), (410, False), (500, True), (429, True)])
def test_a_subscription_is_deleted_only_when_the_push_service_says_it_is_gone(client, services, ana, phone,
                                                                              push_service, drain, status, kept):
    push_service.answer(phone, status)
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    drain()
    assert len(push_service.to("/push/phone")) == 1
    listed = client.get("/api/v1/push/subscriptions", headers=ana).json["items"]
    assert [item["endpoint"] for item in listed] == ([phone.endpoint] if kept else [])
    assert all(item["last_ok_at"] is None for item in listed)
    assert client.get(f"/api/v1/messages/{message['id']}", headers=ana).json["opens"] == 1, "the hit is stored"


def test_a_delivered_push_notes_when_the_device_last_took_one(client, ana, phone, push_service, drain):
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    drain()
    [item] = client.get("/api/v1/push/subscriptions", headers=ana).json["items"]
    assert item["last_ok_at"] is not None and item["name"] == "Pixel"


def test_a_hanging_push_service_holds_the_worker_no_longer_than_the_timeout(client, services, ana, phone, push_service,
                                                                            app, drain):
    push_service.hang(phone)
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    # The hit is stored whatever the push does. How long the push holds the worker is timed on the
    # job itself below: drain() as a whole includes rq's teardown, which can wait up to 60 s on its
    # pubsub thread on a loaded machine, push or no push.
    drain()
    assert client.get(f"/api/v1/messages/{message['id']}", headers=ana).json["opens"] == 1
    notice = Notice(_user_id(services), "7-x", True, "Bo opened “Q3”", "1st open")
    with app.app_context():
        started = time.monotonic()
        # The stand-in would hold the request for 30 s; the job gives up after the 1 s timeout.
        assert send_pushes([notice.as_job_argument()]) == 0
        assert time.monotonic() - started < services.settings.push_timeout_seconds + 2
    assert len(client.get("/api/v1/push/subscriptions", headers=ana).json["items"]) == 1


def test_the_push_job_is_enqueued_by_name_without_retries(services):
    module, _, function = queue.PUSH_JOB.rpartition(".")
    assert f"{module}.{function}" == f"{send_pushes.__module__}.{send_pushes.__name__}"
    queue.enqueue_push(services.redis, "telltale", [Notice(1, "1-a", True, "t", "b").as_job_argument()])
    [job] = Queue("telltale", connection=services.redis).jobs
    assert job.func_name == queue.PUSH_JOB and job.retries_left is None


@pytest.mark.parametrize("channel", ["web_push", "apprise", None])
def test_a_popup_is_queued_for_the_phones_only_of_a_user_who_has_one(client, services, ana, push_service, channel):
    if channel == "web_push":
        browser = push_service.browser()
        assert client.post("/api/v1/push/subscriptions", json=browser.subscription(name="Pixel"),
                           headers=ana).status_code == 201
    elif channel == "apprise":
        assert client.put("/api/v1/push/apprise", json={"urls": ["json://127.0.0.1:9/"]}, headers=ana).status_code == 200
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]))
    token = working.set(services)
    try:
        drain_hits()
    finally:
        working.reset(token)
    # The desktop gets its popup either way; a phone job is queued only where there is a phone.
    assert len(shown_popups(services)) == 1
    queued = [job.func_name for job in Queue(services.settings.queue_name, connection=services.redis).jobs]
    assert (queue.PUSH_JOB in queued) is (channel is not None)


def _user_id(services) -> int:
    with services.sessions() as session:
        return session.scalar(select(User.id))
