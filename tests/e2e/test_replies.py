"""Replies end to end: a tracked send through the extension, a reply in the linked mailbox, a popup.

The backend's real worker reads the mailbox with google-api-python-client from the local fake
Google (tests/fakes/google.py) over HTTPS, trusting the fake's CA through the libraries' own
environment variables; the extension is the built one, in Debian's Chromium.
"""
from __future__ import annotations

import pytest
import requests

from tests.fakes.google import consent, google_app_for, running_fake_google
from tests.fakes.https import make_ca

from .conftest import Backend
from .test_extension import notifications, only_message, open_compose, pair, recent_events, send
from .webmail import GMAIL_COMPOSE

SAM = "sam@example.com"
POLL_SECONDS = 1
# One poll: the worker's sweeper looks for due mailboxes every 5 s, and each poll is a few requests.
ONE_POLL = 5 + POLL_SECONDS + 4


@pytest.fixture
def google(tmp_path, monkeypatch):
    ca = make_ca(tmp_path)
    for name, value in ca.client_env.items():  # the test plays the user's browser at the fake's consent page
        monkeypatch.setenv(name, value)
    with running_fake_google(ca) as (fake, base_url):
        fake.add_mailbox(SAM)
        yield fake, google_app_for(base_url, fake), ca


@pytest.fixture
def backend(tmp_path, google):
    fake, app, ca = google
    server = Backend(tmp_path / "home", env={
        "TELLTALE_GOOGLE_CLIENT_ID": app.client_id, "TELLTALE_GOOGLE_CLIENT_SECRET": app.client_secret,
        "TELLTALE_GOOGLE_AUTH_URI": app.auth_uri, "TELLTALE_GOOGLE_TOKEN_URI": app.token_uri,
        "TELLTALE_GOOGLE_REVOKE_URI": app.revoke_uri, "TELLTALE_GMAIL_API_URL": app.api_endpoint,
        "TELLTALE_REPLY_POLL_SECONDS": str(POLL_SECONDS), **ca.client_env,
    })
    fake.reset(redirect_uris=(f"{server.url}/accounts/callback/google",))
    fake.add_mailbox(SAM)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def link_google(backend, token: str) -> dict:
    """Link the mailbox as a person does from the extension's options: the one-time link, then consent."""
    url = backend.api("POST", "/api/v1/accounts/link", token, {"provider": "google"})["url"]
    with requests.Session() as browser:
        started = browser.get(url, allow_redirects=False, timeout=10)
        assert started.status_code == 303, started.text
        answer = consent(started.headers["Location"])
        done = browser.get(f"{backend.url}/accounts/callback/google", params=answer, timeout=20)
        assert done.status_code == 200 and f"{SAM} is linked" in done.text, done.text
    [account] = backend.api("GET", "/api/v1/accounts", token)["items"]
    return account


def deliver_sent_copy(fake, message: dict) -> str:
    """What Gmail does on send: the message lands in Sent, in its conversation; return the thread."""
    # The compose fixture is a reply: the extension read the conversation's id from the page.
    assert message["thread_ref"].startswith("gmail:")
    _, thread = fake.add_message(SAM, labels=("SENT",), thread_id=message["thread_ref"].removeprefix("gmail:"),
                                 headers={
        "From": SAM, "To": ", ".join(message["recipients"]), "Subject": message["subject"],
        "Message-ID": "<sent-1@mail.gmail.com>"})
    return thread


def test_a_reply_in_the_linked_mailbox_pops_up_within_one_poll_and_an_auto_reply_does_not(
        browser, backend, webmail, google):
    fake = google[0]
    token = pair(browser, backend, SAM)
    link_google(backend, token)
    page = open_compose(webmail, GMAIL_COMPOSE)
    send(page, "gmail")
    webmail.wait_for_sent(1)
    message = only_message(backend, token)
    thread = deliver_sent_copy(fake, message)

    replier = message["recipients"][0]
    fake.add_message(SAM, thread_id=thread, headers={
        "From": f"Ana <{replier}>", "To": SAM, "Subject": f"Re: {message['subject']}",
        "In-Reply-To": "<sent-1@mail.gmail.com>", "Message-ID": "<reply-1@example.org>"})
    webmail.wait_until(lambda: notifications(browser), ONE_POLL, "the reply's popup")
    [event] = webmail.wait_until(lambda: [e for e in recent_events(browser) if e["type"] == "reply"], 2,
                                 "the reply in the extension's storage")
    assert event["popup"]["title"] == f"{replier} replied to “{message['subject']}”"
    assert list(notifications(browser)) == [event["popup"]["id"]]
    assert backend.api("GET", f"/api/v1/messages/{message['id']}", token)["state"] == "replied"

    browser.sw_eval("chrome.notifications.getAll().then((all) => "
                    "Promise.all(Object.keys(all).map((id) => chrome.notifications.clear(id))))")
    fake.add_message(SAM, thread_id=thread, headers={
        "From": replier, "To": SAM, "Subject": f"Automatic reply: {message['subject']}",
        "Auto-Submitted": "auto-replied", "In-Reply-To": "<sent-1@mail.gmail.com>"})
    webmail.wait_until(
        lambda: [e for e in backend.stored_events(message["id"], token) if e["kind"] == "reply" and e["source"] == "auto"],
        ONE_POLL, "the auto-reply stored")
    webmail.wait_until(lambda: len([e for e in recent_events(browser) if e["type"] == "reply"]) == 2, 3,
                       "the auto-reply's event reaching the extension")
    assert notifications(browser) == {}, "an automatic reply raises no popup"
    assert backend.api("GET", f"/api/v1/messages/{message['id']}", token)["replies"] == 1


def test_unlinking_removes_the_token_here_and_at_google(backend, google):
    fake = google[0]
    token = backend.create_user(SAM)["token"]
    account = link_google(backend, token)
    assert fake.live_grants(SAM) == 1
    gone = backend.api("DELETE", f"/api/v1/accounts/{account['id']}", token)
    assert gone["revoked"] is True
    assert backend.api("GET", "/api/v1/accounts", token)["items"] == []
    assert fake.live_grants(SAM) == 0, "Google holds no live grant for Telltale any more"
