"""The extension as a user meets it: real Chromium, the built extension, the real backend and worker.

Each test pairs a fresh browser profile with a fresh backend, writes or reads mail on the Gmail and
Outlook fixture pages, and checks what the recipient's side and the sender's screen show.
"""
from __future__ import annotations

import html
import os
import re
import signal
import sqlite3
import time
import urllib.request
from contextlib import closing
from urllib.parse import urlsplit

import pytest

from telltale.keyring import load_or_create_keys
from telltale.url_tokens import TokenSigner
from tests.backend.processes import start, stop, wait_for
from tests.backend.servers import spare_port

from .webmail import GMAIL_COMPOSE, GMAIL_CONVERSATION, GMAIL_SENT, OUTLOOK_COMPOSE, OUTLOOK_SENT

GMAIL_SEND = ".IZ .Up div > div[role=button]:not(.Uo):not([aria-haspopup=true])"
SWITCH = "[data-telltale-switch]"
NOTIFY_SECONDS = 2
RECIPIENT_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
PIXEL = re.compile(r'<img\b[^>]*\ssrc="([^"]*/p/[^"]*)"[^>]*>')
READING = re.compile(r'<img\b[^>]*\ssrc="([^"]*/r/[^"]*)"[^>]*>')
HREF = re.compile(r'\shref="([^"]*)"')
DECOY = re.compile(r'<a href="([^"]*/l/[^"]*)" tabindex="-1" aria-hidden="true"[^>]*>\u200b</a>')


# --- helpers ---------------------------------------------------------------------------------


def pair(browser, backend, email="sam@example.com") -> str:
    """Pair the extension through its options page, as a user does; return the user's API token."""
    user = backend.create_user(email)
    options = browser.options_page()
    options.fill("#server-url", backend.url)
    options.click("#save-server")
    options.wait_for_selector("#status[data-state=unpaired]")
    options.fill("#pairing-code", user["pairing_code"])
    options.click("#pair")
    options.wait_for_selector("#status[data-state=paired]", timeout=10_000)
    # The options page shows the service worker's websocket state: connected means authenticated.
    options.wait_for_selector("#live:text-is('Connected')", timeout=10_000)
    options.close()
    return user["token"]


def compose_body(page, client: str) -> str:
    selector = ".Ap [g_editable=true]" if client == "gmail" else "[id^=editorParent_] [role=textbox]"
    return page.eval_on_selector(selector, "body => body.innerHTML")


def open_compose(webmail, url: str):
    page = webmail.open(url)
    page.wait_for_selector(SWITCH)
    return page


def send(page, client: str) -> None:
    if client == "gmail":
        page.click(GMAIL_SEND)
    else:
        page.focus("[id^=editorParent_] [role=textbox]")
        page.keyboard.press("Control+Enter")


def untracked(body: str, signer: TokenSigner) -> str:
    """`body` with our images and decoy taken out and each tracked link pointing back at its target."""
    body = DECOY.sub("", READING.sub("", PIXEL.sub("", body, count=1), count=1), count=1)

    def original(match: re.Match) -> str:
        url = html.unescape(match.group(1))
        if "/l/" not in url:
            return match.group(0)
        target = signer.verify_link(urlsplit(url).path.removeprefix("/l/")).target
        return f' href="{html.escape(target)}"'

    return HREF.sub(original, body)


def signer_of(backend) -> TokenSigner:
    return TokenSigner(load_or_create_keys(backend.settings.keys_file))


def fetch_as_recipient(url: str) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": RECIPIENT_AGENT, "Accept": "image/*"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def notifications(browser) -> dict:
    return browser.sw_eval("chrome.notifications.getAll()")


def recent_events(browser) -> list[dict]:
    return browser.sw_eval("chrome.storage.local.get('recentEvents').then((s) => s.recentEvents || [])")


def only_message(backend, token) -> dict:
    items = backend.api("GET", "/api/v1/messages", token)["items"]
    assert len(items) == 1, items
    return items[0]


# --- tests -----------------------------------------------------------------------------------


def test_pairing_through_the_options_page_connects_the_live_channel(browser, backend):
    pair(browser, backend)
    stored = browser.sw_eval("chrome.storage.local.get(['serverUrl', 'token'])")
    assert stored["serverUrl"] == backend.url
    assert len(stored["token"]) > 20
    me = backend.api("GET", "/api/v1/settings", stored["token"])
    assert "timezone" in me


@pytest.mark.parametrize("client, url", [("gmail", GMAIL_COMPOSE), ("outlook", OUTLOOK_COMPOSE)])
def test_a_tracked_send_has_one_pixel_tracked_links_and_the_users_text(browser, backend, webmail, client, url):
    token = pair(browser, backend)
    page = open_compose(webmail, url)
    assert page.get_attribute(SWITCH, "aria-checked") == "true"
    written = compose_body(page, client)

    send(page, client)
    [record] = webmail.wait_for_sent(1)

    body = record["body"]
    pixels = PIXEL.findall(body)
    assert len(pixels) == 1 and pixels[0].startswith(f"{backend.url}/p/"), body
    assert len(DECOY.findall(body)) == 1, "one invisible decoy link, for scanners"
    assert [url.split("/r/")[0] for url in READING.findall(body)] == [backend.url], "one reading image"
    assert "<style" not in body, "the forward style is an opt-in"
    hrefs = [html.unescape(h) for h in HREF.findall(DECOY.sub("", body))]
    tracked = [h for h in hrefs if h.startswith(f"{backend.url}/l/")]
    assert len(tracked) == 3, hrefs  # two links in the text, one in the signature
    # mailto:, the in-page anchor and the link inside the quoted message are left alone.
    assert "mailto:sam.tester@example.com" in hrefs and "#details" in hrefs
    assert "https://example.org/reports/q2" in hrefs
    assert untracked(body, signer_of(backend)) == written

    message = only_message(backend, token)
    assert message["tracking"] and message["subject"] == record["subject"]
    assert [link["url"] for link in message["links"]] == [
        "https://example.org/reports/q3?utm_source=mail&year=2026", "https://docs.example.org/slides/q3",
        "https://sam.example.com/",
    ]
    assert message["thread_ref"], "the conversation is known, so replies can be matched"
    assert message["account"] == "sam.tester@example.com", "the mailbox it was sent from, read from the page"

    # The recipient opens it: a desktop popup within two seconds.
    opened = time.monotonic()
    assert fetch_as_recipient(html.unescape(pixels[0])) == 200
    webmail.wait_until(lambda: notifications(browser), NOTIFY_SECONDS + 1, "a desktop notification")
    took = time.monotonic() - opened
    assert took < NOTIFY_SECONDS, f"the popup took {took:.2f} s"
    # The service worker shows the popup, then records the event: give the record a moment.
    [event] = webmail.wait_until(lambda: recent_events(browser), 2, "the event in the extension's storage")
    assert event["type"] == "open" and event["message_id"] == message["id"]
    assert record["subject"] in event["popup"]["title"]
    assert list(notifications(browser)) == [event["popup"]["id"]]


def test_the_switch_off_sends_the_body_untouched_and_registers_nothing(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    written = compose_body(page, "gmail")
    page.click(SWITCH)
    assert page.get_attribute(SWITCH, "aria-checked") == "false"

    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)

    assert record["body"] == written
    assert backend.api("GET", "/api/v1/messages", token)["items"] == []


def test_tracking_off_by_default_leaves_the_switch_off(browser, backend, webmail):
    token = pair(browser, backend)
    browser.sw_eval("chrome.storage.local.set({trackByDefault: false})")
    page = open_compose(webmail, OUTLOOK_COMPOSE)
    assert page.get_attribute(SWITCH, "aria-checked") == "false"
    written = compose_body(page, "outlook")
    send(page, "outlook")
    assert webmail.wait_for_sent(1)[0]["body"] == written
    assert backend.api("GET", "/api/v1/messages", token)["items"] == []


@pytest.mark.parametrize("failure", ["hangs", "is down"])
def test_a_backend_that_fails_mid_send_still_sends_untracked_with_a_notice(browser, backend, webmail, failure):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    written = compose_body(page, "gmail")
    if failure == "hangs":
        os.killpg(backend.web.pid, signal.SIGSTOP)  # the server and its workers: connects, never answers
    else:
        backend.stop_web()
    try:
        started = time.monotonic()
        send(page, "gmail")
        [record] = webmail.wait_for_sent(1, timeout=5)
        took = time.monotonic() - started
        assert record["body"] == written
        assert took < 2.5, f"the send waited {took:.2f} s"
        notice = page.wait_for_selector("[data-telltale-notice]", state="attached")
        assert notice.get_attribute("aria-label").startswith("Sent untracked:")
    finally:
        if failure == "hangs":
            os.killpg(backend.web.pid, signal.SIGCONT)
        else:
            backend.start_web()
    # A registration the server took after the deadline is deleted once it answers again.
    webmail.wait_until(lambda: backend.api("GET", "/api/v1/messages", token)["items"] == [], 20,
                       "no message left registered for a mail sent untracked")


@pytest.mark.parametrize("client, compose, sent_view", [
    ("gmail", GMAIL_COMPOSE, GMAIL_CONVERSATION), ("outlook", OUTLOOK_COMPOSE, OUTLOOK_SENT),
])
def test_the_sender_reading_their_own_message_is_not_an_open(browser, backend, webmail, client, compose, sent_view):
    token = pair(browser, backend)
    send(open_compose(webmail, compose), client)
    [record] = webmail.wait_for_sent(1)
    message = only_message(backend, token)

    webmail.show_sent(client, record)
    sent = webmail.open(sent_view)
    blocked = sent.wait_for_selector("img[data-telltale-blocked]", state="attached")
    shown_as = blocked.get_attribute("data-telltale-blocked")
    assert ("googleusercontent.com" in shown_as) == (client == "gmail"), shown_as
    webmail.wait_until(lambda: sender_views(backend, message["id"]), 5, "the sender's view to reach the backend")
    backend.drain_wait()
    sent.wait_for_timeout(1000)  # time for a popup, were one coming

    assert notifications(browser) == {}
    detail = backend.api("GET", f"/api/v1/messages/{message['id']}", token)
    assert detail["opens"] == 0 and detail["events"] == []
    # Not even fetched: the extension's network rule stopped the image in the browser.
    assert not [url for url in webmail.proxied if "/p/" in url], webmail.proxied


def sender_views(backend, message_id: int) -> int:
    """How many views of its own message the extension reported (the API does not list them)."""
    path = backend.settings.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        return db.execute("select count(*) from sender_views where message_id = ?", (message_id,)).fetchone()[0]


def test_the_sent_list_shows_ticks_for_sent_and_opened(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)
    message = only_message(backend, token)

    sent = webmail.open(GMAIL_SENT)
    ticks = sent.wait_for_selector(f"[data-telltale-ticks][data-message-id='{message['id']}']")
    assert ticks.get_attribute("data-state") == "sent" and ticks.text_content().startswith("✓")
    pixel = html.unescape(PIXEL.findall(record["body"])[0])
    fetch_as_recipient(pixel)
    backend.drain_wait()
    sent.reload()
    ticks = sent.wait_for_selector(f"[data-telltale-ticks][data-message-id='{message['id']}'][data-state=opened]")
    assert ticks.text_content().startswith("✓✓")
    ticks.hover()
    hover = sent.wait_for_selector("[data-telltale-hover]")
    assert "Opened" in hover.text_content()


def test_stop_tracking_in_the_popup_makes_later_opens_uncounted(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)
    message = only_message(backend, token)

    popup = browser.popup_page()
    row = popup.wait_for_selector(f"li[data-message-id='{message['id']}']")
    row.wait_for_selector("button.stop-tracking").click()
    popup.wait_for_selector(f"li[data-message-id='{message['id']}']:has-text('Tracking stopped')")

    fetch_as_recipient(html.unescape(PIXEL.findall(record["body"])[0]))
    backend.drain_wait()
    popup.wait_for_timeout(1000)
    detail = backend.api("GET", f"/api/v1/messages/{message['id']}", token)
    assert detail["tracking"] is False and detail["opens"] == 0 and detail["events"] == []
    assert notifications(browser) == {}


def test_the_websocket_comes_back_after_a_restart_with_what_it_missed(browser, backend, webmail):
    token = pair(browser, backend)
    message = backend.api("POST", "/api/v1/messages", token, {"subject": "Missed while down", "recipients": ["ana@example.com"]})
    # A second web node stays up: the recipient's open lands there while ours restarts.
    other_port = spare_port()
    other = start(backend.settings, "serve", "--workers", "1", "--bind", f"127.0.0.1:{other_port}")
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{other_port}/healthz"), 30, "the second web node")
        backend.stop_web(signal.SIGKILL)
        pixel = urlsplit(message["pixel_url"])
        fetch_as_recipient(f"http://127.0.0.1:{other_port}{pixel.path}")
        backend.drain_wait()
        assert notifications(browser) == {}, "nothing can arrive while our node is down"
        backend.start_web()
        webmail.wait_until(lambda: notifications(browser), 20, "the missed event after the reconnect")
    finally:
        stop(other)
    events = webmail.wait_until(lambda: recent_events(browser), 2, "the event in the extension's storage")
    assert [event["message_id"] for event in events] == [message["id"]], "delivered once"
    assert events[0]["popup"]["title"].endswith("“Missed while down”")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False
