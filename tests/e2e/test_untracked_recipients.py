"""The don't-track list and the opt-out footer at Send, on the compose fixtures in real Chromium
against the real backend: a message to anyone on the list goes out untracked, as written, with the
reason shown; a message to others is tracked; a tracked message with the footer carries its link."""
from __future__ import annotations

import html
import re

import pytest

from .test_extension import PIXEL, compose_body, only_message, open_compose, pair, send
from .webmail import GMAIL_COMPOSE, OUTLOOK_COMPOSE

NOTICE = "[data-telltale-notice]"
OPTOUT_SWITCH = "[data-telltale-optout]"
# Each compose fixture's To, Cc and Bcc (tests/e2e/test_recipients.py): nine recipients.
OTHERS = " Every recipient gets the same copy of the message, so it is not tracked for the others either."


def add_to_dont_track(browser, *entries: str) -> None:
    """Add `entries` to the list through the options page, as a user does."""
    options = browser.options_page()
    for entry in entries:
        options.fill("#dont-track-entry", entry)
        options.click("#dont-track-add")
        options.wait_for_selector(f"#dont-track-list li[data-entry='{entry.lower().lstrip('@')}']")
    options.close()


def turn_footer_on(browser) -> None:
    """Make the opt-out footer the account's default through the options page."""
    options = browser.options_page()
    options.wait_for_selector("#privacy-status[data-state=ready]", state="attached", timeout=10_000)
    options.check("#optout-footer")
    options.click("#save-privacy")
    options.wait_for_selector("#privacy-status[data-state=saved]", timeout=10_000)
    options.close()


@pytest.mark.parametrize("client, url", [("gmail", GMAIL_COMPOSE), ("outlook", OUTLOOK_COMPOSE)])
def test_a_message_to_a_listed_bcc_recipient_goes_out_untracked_with_the_reason(browser, backend, webmail, client, url):
    token = pair(browser, backend)
    add_to_dont_track(browser, "Audit@Example.com")
    page = open_compose(webmail, url)
    written = compose_body(page, client)

    send(page, client)
    [record] = webmail.wait_for_sent(1)

    assert record["body"] == written, "sent exactly as written: no pixel, no tracked link"
    assert backend.api("GET", "/api/v1/messages", token)["items"] == [], "nothing registered"
    assert page.get_attribute(NOTICE, "aria-label") == "Not tracked: audit@example.com is on your don't-track list." + OTHERS
    assert page.locator(NOTICE).count() == 1


def test_a_listed_domain_names_every_recipient_at_it_and_its_subdomains(browser, backend, webmail):
    pair(browser, backend)
    add_to_dont_track(browser, "@example.org")
    page = open_compose(webmail, GMAIL_COMPOSE)
    written = compose_body(page, "gmail")
    send(page, "gmail")
    assert webmail.wait_for_sent(1)[0]["body"] == written
    assert page.get_attribute(NOTICE, "aria-label") == (
        "Not tracked: lee@example.org and archive@example.org are on your don't-track list." + OTHERS)


def test_a_message_to_no_one_on_the_list_is_tracked(browser, backend, webmail):
    token = pair(browser, backend)
    # Near misses: another address at a listed recipient's domain, a domain that only ends alike.
    add_to_dont_track(browser, "ana@example.com", "ample.net")
    page = open_compose(webmail, GMAIL_COMPOSE)
    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)
    assert len(PIXEL.findall(record["body"])) == 1
    assert only_message(backend, token)["tracking"]
    assert page.locator(NOTICE).count() == 0


def test_a_tracked_message_with_the_footer_on_by_default_carries_the_opt_out_link(browser, backend, webmail):
    token = pair(browser, backend)
    turn_footer_on(browser)
    page = open_compose(webmail, GMAIL_COMPOSE)
    assert page.get_attribute(OPTOUT_SWITCH, "aria-checked") == "true", "the switch starts as the account's default"

    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)

    footer = re.search(r'<div style="[^"]*color:#80868b[^"]*">([^<]*)<a href="([^"]*)"[^>]*>([^<]*)</a></div>', record["body"])
    assert footer, record["body"]
    sentence, url, link_text = footer.group(1).strip(), html.unescape(footer.group(2)), footer.group(3)
    assert sentence and link_text
    assert url.startswith(backend.url), "the link is the user's own server's"
    # After the user's text and before the pixel, in the same rewrite.
    assert record["body"].index(footer.group(0)) < record["body"].index(PIXEL.search(record["body"]).group(0))
    assert only_message(backend, token)["tracking"]


def test_the_compose_switch_adds_the_footer_to_one_message_when_the_default_is_off(browser, backend, webmail):
    pair(browser, backend)
    page = open_compose(webmail, GMAIL_COMPOSE)
    assert page.get_attribute(OPTOUT_SWITCH, "aria-checked") == "false"
    page.click(OPTOUT_SWITCH)
    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)
    assert re.search(rf'<a href="{re.escape(backend.url)}/[^"]*" style="color:#80868b">', record["body"]), record["body"]
