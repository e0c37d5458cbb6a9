"""Protected messages as people meet them, on both clients: the sender composes with Protected on,
the mail carries only the teaser and the link; a link scanner fetches the page and burns nothing;
the recipient presses Show and reads; the sender withdraws from the toolbar popup; the recipient
sees "withdrawn". Real Chromium with the built extension, real backend and worker.
"""
from __future__ import annotations

import html
import re
import time

import pytest

from .scanner import READER_AGENT, fetch
from .test_dashboard import accessible
from .test_extension import PIXEL, fetch_as_recipient, only_message, open_compose, pair, send
from .webmail import GMAIL_COMPOSE, OUTLOOK_COMPOSE

PROTECT = "[data-telltale-protect]"
TEASER = "[data-telltale-teaser]"
EXPIRY = "[data-telltale-expiry]"
BODY = "[data-fixture=body]"
READING_LINK = re.compile(r'<a href="([^"]*/m/[^"]*)">')
# The classifier takes a click (and a press of Show) within 10 s of sending for a scanner's.
READ_AFTER_SECONDS = 10.5




def protection(backend, token, message_id: int) -> dict:
    return backend.api("GET", f"/api/v1/messages/{message_id}", token)["protection"]


@pytest.mark.parametrize("client, url", [("gmail", GMAIL_COMPOSE), ("outlook", OUTLOOK_COMPOSE)])
def test_compose_protected_read_withdraw_and_a_scanner_burns_nothing(browser, backend, webmail, client, url):
    token = pair(browser, backend)
    page = open_compose(webmail, url)
    written = page.inner_text(BODY).strip()
    first_line = written.splitlines()[0].strip()
    assert page.is_hidden(TEASER), "the teaser field shows only for a protected message"
    page.click(PROTECT)
    assert page.get_attribute(PROTECT, "aria-checked") == "true"
    page.fill(TEASER, "Bo, the figures are here: {link}\nThey stay up a day after you read them.")
    page.select_option(EXPIRY, "24")

    send(page, client)
    [record] = webmail.wait_for_sent(1)
    sent_at = time.monotonic()

    # The mail: the teaser, its link and the pixel; nothing of what was written.
    body = record["body"]
    assert first_line not in body and first_line not in html.unescape(body), body
    assert "the figures are here:" in body and "They stay up a day" in body
    [reading] = [html.unescape(link) for link in READING_LINK.findall(body)]
    assert reading.startswith(f"{backend.url}/m/")
    assert len(PIXEL.findall(body)) == 1
    message = only_message(backend, token)
    assert message["protected"] == "available"
    assert protection(backend, token, message["id"])["expires_after_view_hours"] == 24

    # A link scanner fetches the page (GET and HEAD): it sees a button, not the message, and burns nothing.
    status, scanned = fetch(reading)
    assert status == 200 and first_line not in scanned and "Show the message" in scanned
    assert fetch(reading, "HEAD")[0] == 200
    backend.drain_wait()
    state = protection(backend, token, message["id"])
    assert state["views"] == 0 and state["first_view_at"] is None and state["ends_at"] is None

    # The recipient opens the mail (its pixel), then the link, and reads it.
    fetch_as_recipient(html.unescape(PIXEL.findall(body)[0]))
    reader = browser.context.new_page()
    reader.set_extra_http_headers({"User-Agent": READER_AGENT})
    try:
        reader.goto(reading)
        assert reader.locator("h1").count() == 1
        accessible(reader, f"protected-ask-{client}")
        webmail.wait_until(lambda: time.monotonic() - sent_at > READ_AFTER_SECONDS, READ_AFTER_SECONDS + 1,
                           "a person's pace")
        reader.get_by_role("button", name="Show the message").click()
        reader.wait_for_load_state()
        assert first_line in reader.inner_text("body")
        accessible(reader, f"protected-shown-{client}")
        backend.drain_wait()
        state = protection(backend, token, message["id"])
        events = backend.api("GET", f"/api/v1/messages/{message['id']}", token)["events"]
        assert state["views"] == 1 and state["first_view_at"] is not None and state["ends_at"] is not None, [(e["source"], e["reason"], e["user_agent"]) for e in events]
        views = [e for e in backend.api("GET", f"/api/v1/messages/{message['id']}", token)["events"] if e["kind"] == "view"]
        assert [e["source"] for e in views] == ["person"], views

        # The sender withdraws from the toolbar popup: one press asks, the second withdraws.
        popup = browser.popup_page()
        row = popup.wait_for_selector(f"li[data-message-id='{message['id']}']")
        assert "Protected" in row.inner_text()
        withdraw = row.wait_for_selector("button.withdraw")
        withdraw.click()
        assert withdraw.text_content() == "Withdraw for good?"
        assert protection(backend, token, message["id"])["state"] == "available"
        withdraw.click()
        popup.wait_for_selector(f"li[data-message-id='{message['id']}']:has-text('Withdrawn')")
        assert popup.locator(f"li[data-message-id='{message['id']}'] button.withdraw").count() == 0
        state = protection(backend, token, message["id"])
        assert state["state"] == "withdrawn" and state["body_stored"] is False

        # The recipient comes back: withdrawn, and nothing else.
        response = reader.goto(reading)
        assert response.status == 410
        text = reader.inner_text("body")
        assert "Withdrawn by the sender on" in text and first_line not in text
        accessible(reader, f"protected-withdrawn-{client}")
    finally:
        reader.close()


def test_a_protected_send_with_the_backend_down_goes_out_as_written_with_a_notice(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    written = page.eval_on_selector(BODY, "body => body.innerHTML")
    page.click(PROTECT)
    backend.stop_web()
    try:
        send(page, "gmail")
        [record] = webmail.wait_for_sent(1, timeout=8)
        assert record["body"] == written, "never half protected: the mail is as it was written"
        notice = page.wait_for_selector("[data-telltale-notice]", state="attached")
        assert notice.get_attribute("aria-label").startswith("Sent as written, not protected")
    finally:
        backend.start_web()
    webmail.wait_until(lambda: backend.api("GET", "/api/v1/messages", token)["items"] == [], 20,
                       "no message left registered for a mail sent unprotected")
