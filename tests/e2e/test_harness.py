"""The harness itself: the extension runs, the webmail fixtures behave as webmail, the proxy reaches us."""
from __future__ import annotations

import json
import re
import signal
import urllib.request

import pytest

from .webmail import GMAIL_COMPOSE, GMAIL_SENT, OUTLOOK_SENT, PROXY_PREFIX, PROXY_USER_AGENT


def test_the_extensions_service_worker_starts_in_headless_chromium(browser, extension_dir):
    manifest = json.loads((extension_dir / "manifest.json").read_text())
    assert re.fullmatch(r"[a-p]{32}", browser.extension_id)
    assert browser.sw_eval("chrome.runtime.getManifest().name") == manifest["name"]


def test_the_extension_runs_in_the_gmail_fixture_and_an_unpaired_one_leaves_a_send_alone(browser, webmail):
    page = webmail.open(GMAIL_COMPOSE)
    assert browser.content_script_runs_in(page)
    written = page.locator(".Ap [g_editable=true]").inner_html()

    page.get_by_role("button", name="Send (Ctrl-Enter)").click()

    [sent] = webmail.wait_for_sent(1)
    assert (sent["client"], sent["trigger"], sent["subject"]) == ("gmail", "click", "Re: Quarterly report")
    assert sent["body"] == written
    assert page.locator("div.vh").inner_text() == "Message sent"


def test_gmails_proxy_fetches_a_real_pixel_once_the_message_is_opened_and_the_open_is_stored(backend, webmail):
    token = backend.create_user("sam.tester@example.com")["token"]
    message = backend.api("POST", "/api/v1/messages", token,
                          json={"subject": "Figures for Friday", "recipients": ["morgan@example.com"]})
    body = f'<div dir="ltr">Hi Morgan,</div><img src="{message["pixel_url"]}" width="1" height="1" alt="">'
    webmail.show_sent("gmail", {"subject": "Figures for Friday", "body": body})

    page = webmail.open(GMAIL_SENT)
    page.wait_for_load_state("load")
    assert webmail.proxied == [], "the message body loaded while only the list was shown"

    page.locator("tr.zA", has_text="Figures for Friday").click()

    pixel = page.locator("div.a3s img")
    assert pixel.get_attribute("src").startswith(PROXY_PREFIX)
    assert pixel.get_attribute("src").endswith("#" + message["pixel_url"])
    webmail.wait_until(lambda: pixel.evaluate("img => img.complete && img.naturalWidth === 1"), 10, "the pixel")
    assert webmail.proxied == [message["pixel_url"]]
    shown = webmail.wait_until(lambda: _opened(backend, token, message["id"]), 10, "the backend to store the open")
    assert [event["user_agent"] for event in shown["events"]] == [PROXY_USER_AGENT]


def test_outlooks_sent_view_loads_our_pixel_from_our_server_itself(backend, webmail):
    token = backend.create_user("sam.tester@example.com")["token"]
    message = backend.api("POST", "/api/v1/messages", token, json={"recipients": ["morgan@example.com"]})
    body = f'<div>Hi Morgan,</div><img src="{message["pixel_url"]}" width="1" height="1" alt="">'
    webmail.show_sent("outlook", {"subject": "Figures for Friday", "body": body})

    page = webmail.open(OUTLOOK_SENT)

    assert page.locator("[id$=_SUBJECT]").inner_text() == "Figures for Friday"
    pixel = page.locator("#UniqueMessageBody_1 img")
    assert (pixel.get_attribute("src"), pixel.get_attribute("data-imagetype")) == (message["pixel_url"], "External")
    webmail.wait_until(lambda: pixel.evaluate("img => img.complete && img.naturalWidth === 1"), 10, "the pixel")
    shown = webmail.wait_until(lambda: _stored(backend, token, message["id"]), 10, "the backend to store the hit")
    [event] = shown["events"]
    assert "Chrome/" in event["user_agent"] and webmail.proxied == []
    # Headless Chromium says so in its User-Agent: an automated browser, shown but not counted.
    assert event["source"] == "scanner" and "headless" in event["reason"] and shown["opens"] == 0


def test_the_web_server_comes_back_on_its_port_after_a_crash(backend):
    token = backend.create_user("sam.tester@example.com")["token"]
    message = backend.api("POST", "/api/v1/messages", token, json={"recipients": ["morgan@example.com"]})

    backend.stop_web(signal.SIGKILL)
    with pytest.raises(OSError):
        urllib.request.urlopen(message["pixel_url"], timeout=2)
    backend.start_web()

    with urllib.request.urlopen(message["pixel_url"], timeout=5) as response:
        assert response.status == 200
    backend.drain_wait()
    assert [event["kind"] for event in backend.stored_events(message["id"], token)] == ["open"]


def _stored(backend, token: str, message_id: int) -> dict | None:
    shown = backend.api("GET", f"/api/v1/messages/{message_id}", token)
    return shown if shown["events"] else None


def _opened(backend, token: str, message_id: int) -> dict | None:
    shown = backend.api("GET", f"/api/v1/messages/{message_id}", token)
    return shown if shown["opens"] == 1 and shown["events"] else None
