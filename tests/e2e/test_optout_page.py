"""The opt-out page as recipients and link scanners meet it: a scanner's GET, or Chromium rendering
the page, declines nothing; a person pressing the button in Chromium with JavaScript off does, and
from then on the worker discards that recipient's opens. Real Chromium, real backend and worker.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .conftest import CHROMIUM
from .scanner import READER_AGENT, fetch
from .test_dashboard import accessible
from .test_extension import fetch_as_recipient, pair


@pytest.fixture
def no_script(playwright):
    """A Chromium page with JavaScript switched off: the page must work without it."""
    engine = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ])
    try:
        yield engine.new_context(java_script_enabled=False, user_agent=READER_AGENT).new_page()
    finally:
        engine.close()


def register(backend, token: str, recipient: str) -> dict:
    sent_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return backend.api("POST", "/api/v1/messages", token, json={
        "subject": "Q3 quote", "recipients": [recipient], "sent_at": sent_at, "optout": True})


def declined(backend, token: str, message_id: int) -> bool:
    return backend.api("GET", f"/api/v1/messages/{message_id}", token)["tracking_declined"]


def test_a_scanner_declines_nothing_and_a_person_pressing_the_button_does(backend, page, no_script):
    token = backend.create_user("ana@example.test")["token"]
    message = register(backend, token, "bo@example.test")
    other = register(backend, token, "cy@example.test")
    url = message["optout"]["url"]
    assert url.startswith(f"{backend.url}/o/") and message["optout"]["link_text"] == "Don't track me"

    # A link scanner: a plain GET and a HEAD, then Chromium rendering the page, with and without script.
    status, scanned = fetch(url)
    assert status == 200 and "Don&#39;t track me" in scanned
    assert fetch(url, "HEAD")[0] == 200
    page.goto(url)
    accessible(page, "optout-ask")
    assert no_script.goto(url).status == 200
    assert no_script.get_by_role("button", name="Don't track me").is_visible()
    assert declined(backend, token, message["id"]) is False

    # The language links work without script too.
    no_script.get_by_role("link", name="Español").click()
    assert no_script.get_by_role("button", name="No rastrearme").is_visible()
    no_script.get_by_role("link", name="English").click()

    # The recipient presses the button.
    no_script.get_by_role("button", name="Don't track me").click()
    no_script.wait_for_load_state()
    assert "You are not tracked" in no_script.inner_text("h1")
    assert "ana@example.test will no longer be told" in no_script.inner_text("body")
    assert declined(backend, token, message["id"]) is True

    # Their mail client loads the pixel: answered, and discarded by the worker; another recipient's is kept.
    assert fetch_as_recipient(message["pixel_url"]) == 200
    assert fetch_as_recipient(other["pixel_url"]) == 200
    backend.drain_wait()
    assert backend.stored_events(message["id"], token) == []
    assert [e["kind"] for e in backend.stored_events(other["id"], token)] == ["open"]
    assert declined(backend, token, other["id"]) is False


def test_the_senders_popup_says_tracking_was_declined(browser, backend):
    token = pair(browser, backend)
    message = register(backend, token, "bo@example.test")
    assert fetch(message["optout"]["url"], "POST", b"")[0] == 200
    popup = browser.popup_page()
    row = popup.wait_for_selector(f"li[data-message-id='{message['id']}']")
    assert "Tracking declined by the recipient" in row.inner_text()
