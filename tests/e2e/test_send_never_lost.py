"""A Send is never lost, whatever the webmail's markup: the mail goes out, tracked or untracked
with a notice, or the compose is left exactly as the user wrote it and the next Send sends it.

Every shape in markup.py, on both clients, for a click on Send, Enter on Send and the shortcut,
with the real extension paired to a real backend. Also the other ways out of a Gmail compose:
Send & Archive and Schedule send.
"""
from __future__ import annotations

import html

import pytest

from .markup import SHAPES, Shape
from .test_extension import (
    DECOY,
    PIXEL,
    SWITCH,
    only_message,
    open_compose,
    pair,
    signer_of,
    untracked,
)
from .webmail import GMAIL_COMPOSE, OUTLOOK_COMPOSE

URLS = {"gmail": GMAIL_COMPOSE, "outlook": OUTLOOK_COMPOSE}
BODY = "[data-fixture=body]"
SEND = "[data-fixture=send]"
NOTICE = "[data-telltale-notice]"
REFUSED = "Telltale cannot track this message"
RESTORED = "Telltale could not see this message leave"
TRIGGERS = ["click", "enter", "shortcut"]


def press_send(page, trigger: str, target: str = SEND) -> None:
    if trigger == "click":
        page.click(target)
    elif trigger == "enter":
        page.focus(target)
        page.keyboard.press("Enter")
    else:
        page.focus(BODY)
        page.keyboard.press("Control+Enter")


def body_of(page) -> str:
    """The compose body the webmail sends, as the stand-in reads it."""
    return page.eval_on_selector(BODY, "body => body.innerHTML")


def notices(page) -> list[str]:
    return page.eval_on_selector_all(NOTICE, "hosts => hosts.map((host) => host.getAttribute('aria-label'))")


def registered(backend, token) -> list[dict]:
    return backend.api("GET", "/api/v1/messages", token)["items"]


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unknown_send_markup_never_loses_the_mail(browser, backend, webmail, shape: Shape, trigger: str):
    token = pair(browser, backend)
    webmail.rewrite(shape.fixture, shape.change)
    page = webmail.open(URLS[shape.client])
    page.wait_for_selector(BODY)
    written = body_of(page)

    if shape.expect == "untracked":
        # Told once, before Send, and no switch anywhere: not in the compose, not in the app around it.
        page.wait_for_selector(f"{NOTICE}[aria-label^='{REFUSED}']", state="attached", timeout=5_000)
        assert page.query_selector(SWITCH) is None
        assert len([text for text in notices(page) if text.startswith(REFUSED)]) == 1, notices(page)
    else:
        page.wait_for_selector(SWITCH)

    press_send(page, trigger)
    if shape.expect == "restored" and trigger == "shortcut":
        # The button clicked again did not send: the compose stays, as the user wrote it.
        page.wait_for_selector(f"{NOTICE}[aria-label^='{RESTORED}']", state="attached", timeout=8_000)
        assert webmail.sent == []
        assert body_of(page) == written
        assert page.get_attribute(SWITCH, "aria-checked") == "false", "the switch says the next Send is untracked"
        webmail.wait_until(lambda: registered(backend, token) == [], 10, "the registration to be dropped")
        if shape.client == "outlook":
            # Track switched back on: the next Send tries again, and is restored again.
            page.click(SWITCH)
            press_send(page, "shortcut")
            webmail.wait_until(lambda: len([n for n in notices(page) if n.startswith(RESTORED)]) == 2, 10,
                               "the second Send to be restored too")
            assert webmail.sent == [] and body_of(page) == written
            webmail.wait_until(lambda: registered(backend, token) == [], 10, "the second registration to be dropped")
        press_send(page, "shortcut")
    [record] = webmail.wait_for_sent(1, timeout=8)
    assert record["body"] == written, "sent exactly as written"
    assert registered(backend, token) == [], "nothing registered for a mail that went out untracked"


# The shortcut is Send's own (Send & Archive has none), covered by test_extension.py.
@pytest.mark.parametrize("trigger", ["click", "enter"])
def test_send_and_archive_is_tracked_like_send(browser, backend, webmail, trigger):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    written = body_of(page)
    archive = "[data-fixture=send][data-tooltip='Send & Archive']"
    press_send(page, trigger, archive)
    [record] = webmail.wait_for_sent(1)
    assert_fully_tracked(record, written, backend, token)


def test_a_scheduled_message_is_tracked(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    written = body_of(page)
    page.click("[data-fixture=send-options]")
    page.click("[data-fixture=schedule]")
    page.click("[data-fixture=time] >> nth=0")
    [record] = webmail.wait_for_sent(1)
    assert record["trigger"] == "schedule"
    assert_fully_tracked(record, written, backend, token)


def test_closing_the_schedule_menu_leaves_the_compose_as_written_and_send_still_tracks(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    written = body_of(page)
    page.click("[data-fixture=send-options]")
    page.click("[data-fixture=schedule]")
    page.keyboard.press("Escape")
    webmail.wait_until(lambda: body_of(page) == written, 8, "the tracking to come out of the body")
    webmail.wait_until(lambda: registered(backend, token) == [], 10, "the registration to be dropped")
    assert page.get_attribute(SWITCH, "aria-checked") == "true", "a closed menu is no reason to stop tracking"

    press_send(page, "click")
    [record] = webmail.wait_for_sent(1)
    assert_fully_tracked(record, written, backend, token)


def assert_fully_tracked(record: dict, written: str, backend, token: str) -> None:
    body = record["body"]
    assert len(PIXEL.findall(body)) == 1 and len(DECOY.findall(body)) == 1, body
    assert untracked(body, signer_of(backend)) == written
    message = only_message(backend, token)
    assert message["tracking"] and message["subject"] == html.unescape(record["subject"])
