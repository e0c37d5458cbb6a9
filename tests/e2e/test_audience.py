"""How long a recipient kept the message open, and forwards, as a real browser engine shows them.

The recipient is a second Chromium (no extension) with a mail app's User-Agent, rendering the
message body the way a mail client renders HTML: the images load from the real `telltale serve`.
"""
from __future__ import annotations

import html
import re
import time

import pytest

from tests.backend.processes import wait_for

from .conftest import CHROMIUM, READING_MARKS
from .test_extension import GMAIL_COMPOSE, RECIPIENT_AGENT, open_compose, pair, send

MARKS = [float(mark) for mark in READING_MARKS.split(",")]
STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@pytest.fixture
def recipient(playwright):
    engine = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
    )
    context = engine.new_context(user_agent=RECIPIENT_AGENT)
    try:
        yield context
    finally:
        context.close()
        engine.close()


def show(context, body: str, seconds: float) -> None:
    """Show `body` for `seconds`, then close it, as a reader closing the message does."""
    page = context.new_page()
    # Not "load": the reading image keeps the page loading for as long as the chain runs.
    page.set_content(body, wait_until="domcontentloaded")
    time.sleep(seconds)
    page.close()


def open_of(backend, token: str, message_id: int) -> dict:
    [event] = [e for e in backend.stored_events(message_id, token) if e["kind"] == "open"]
    return event


def test_a_reader_who_stays_is_told_from_one_who_glances(backend, recipient):
    token = backend.create_user("sam@example.com")["token"]
    stays = {"glanced": (MARKS[0] + MARKS[1]) / 2, "read": MARKS[2] + 1.0}
    shown = {}
    for label, seconds in stays.items():
        message = backend.api("POST", "/api/v1/messages", token,
                              json={"subject": f"{label} it", "recipients": ["bo@example.test"]}, expect=201)
        show(recipient, f'<p>Hello</p><img src="{message["pixel_url"]}"><img src="{message["reading_url"]}">',
             seconds)
        shown[label] = message["id"]
    backend.drain_wait()
    for label, message_id in shown.items():
        event = open_of(backend, token, message_id)
        assert (event["source"], event["reading"]) == ("person", label), event


def thunderbird_forward(body: str) -> str:
    """`body` forwarded inline by Thunderbird: its container and its table of the original's headers."""
    return (
        '<p>FYI, see below.</p><div class="moz-forward-container">-------- Forwarded Message --------'
        '<table class="moz-email-headers-table" cellpadding="0" cellspacing="0" border="0"><tbody>'
        '<tr><th valign="BASELINE" nowrap="nowrap" align="RIGHT">Subject: </th><td>Q3 quote</td></tr>'
        f"</tbody></table><br><br>{body}</div>"
    )


def test_forward_markup_loads_the_forward_image_only_inside_a_forward(browser, backend, webmail, recipient):
    token = pair(browser, backend)
    browser.sw_eval("chrome.storage.local.set({detectForwards: true})")
    page = open_compose(webmail, GMAIL_COMPOSE)
    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)
    [style] = STYLE.findall(record["body"])
    assert f"{backend.url}/f/" in html.unescape(style)
    [message] = backend.api("GET", "/api/v1/messages", token)["items"]

    show(recipient, record["body"], 0.5)  # the message itself, read as sent
    backend.drain_wait()
    assert [e["kind"] for e in backend.stored_events(message["id"], token)] == ["open"]

    show(recipient, thunderbird_forward(record["body"]), 0.5)
    wait_for(lambda: any(e["kind"] == "forward" for e in backend.stored_events(message["id"], token)), 10,
             "the forward image to be stored")
    forward = next(e for e in backend.stored_events(message["id"], token) if e["kind"] == "forward")
    assert (forward["source"], forward["forwarded"]) == ("person", True)
    assert backend.api("GET", f"/api/v1/messages/{message['id']}", token)["forwarded"] is True
