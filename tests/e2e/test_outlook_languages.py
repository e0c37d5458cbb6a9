"""Outlook on the web in German, French, Spanish and Japanese: every label localised, the same tracking.

The pages are the English fixtures with each user-visible string replaced (outlook_pages.py); ids,
roles and component classes stay, as they do in Outlook. Nothing the extension needs may hang on a
label.
"""
from __future__ import annotations

import html

import pytest

from .outlook_pages import ENGLISH_LABELS, LANGUAGES, localize
from .test_extension import HREF, PIXEL, only_message, open_compose, pair, send
from .webmail import OUTLOOK_COMPOSE, OUTLOOK_SENT

# The conversation of the compose fixture's selected row, which sent.html lists as its second row.
CONVERSATION = "AAQkADFkZGYzYWMxLTk1ODMtNGQ4Zi04ZTRkLTJmNjUwYTg4Nzg1OAAQAKxl2JQ7nmVMk8Z9a0Rdx8Y="


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_compose_in_any_language_is_tracked_with_the_subject_and_recipients_it_shows(
        browser, backend, webmail, language):
    token = pair(browser, backend)
    webmail.rewrite("outlook/compose.html", localize(language))
    page = open_compose(webmail, OUTLOOK_COMPOSE)
    assert page.get_attribute("html", "lang") == language
    assert not [label for label in ENGLISH_LABELS if page.locator(f"[aria-label='{label}']").count()]
    shown = page.input_value("[data-fixture=subject]")

    send(page, "outlook")
    [record] = webmail.wait_for_sent(1)

    message = only_message(backend, token)
    assert shown and message["subject"] == shown == record["subject"]
    assert sorted(message["recipients"]) == sorted(record["to"] + record["cc"] + record["bcc"])
    assert len(message["recipients"]) == 9
    body = record["body"]
    assert len(PIXEL.findall(body)) == 1 and PIXEL.findall(body)[0].startswith(f"{backend.url}/p/")
    tracked = [href for href in map(html.unescape, HREF.findall(body)) if href.startswith(f"{backend.url}/l/")]
    assert len(tracked) == 4, tracked  # two links in the text, one in the signature, the decoy
    assert message["thread_ref"] == f"outlook:{CONVERSATION}"
    assert message["account"] == "sam.tester@example.com", "read from the account manager, whatever its label says"


@pytest.mark.parametrize("language", LANGUAGES)
def test_sent_items_in_any_language_tick_the_conversation_of_a_tracked_reply(browser, backend, webmail, language):
    token = pair(browser, backend)
    webmail.rewrite("outlook/compose.html", localize(language))
    send(open_compose(webmail, OUTLOOK_COMPOSE), "outlook")
    webmail.wait_for_sent(1)
    message = only_message(backend, token)

    webmail.rewrite("outlook/sent.html", localize(language))
    sent = webmail.open(OUTLOOK_SENT)
    ticks = sent.wait_for_selector(f"[data-telltale-ticks][data-message-id='{message['id']}']")
    assert ticks.evaluate("ticks => ticks.closest('[role=option]').getAttribute('data-convid')") == CONVERSATION
    assert ticks.get_attribute("data-state") == "sent"
    assert sent.locator("[data-telltale-ticks]").count() == 1
