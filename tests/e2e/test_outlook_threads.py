"""Outlook on the web: a reply belongs to its conversation, a new message to none.

Outlook keeps a conversation's row selected in the message list while the reading pane shows a new
message being written; the selection must not lend that message its conversation.
"""
from __future__ import annotations

from .outlook_pages import new_message
from .test_extension import only_message, open_compose, pair, send
from .webmail import OUTLOOK_COMPOSE, OUTLOOK_SENT

# The row selected while writing (sent.html's second row), and the row of a new message's subject
# (sent.html's first row, with its Exchange item id).
SELECTED = "AAQkADFkZGYzYWMxLTk1ODMtNGQ4Zi04ZTRkLTJmNjUwYTg4Nzg1OAAQAKxl2JQ7nmVMk8Z9a0Rdx8Y="
OWN_ROW = "AAQkADFkZGYzYWMxLTk1ODMtNGQ4Zi04ZTRkLTJmNjUwYTg4Nzg1OAAQAGl7cN2bUk5Gm4y0wQ1pA8s="
OWN_ITEM = "AQAAAAAJuqMCAAAIQYb16wAAAAA="
OWN_SUBJECT = "Budget draft for review"


def test_a_reply_written_in_the_open_conversation_carries_its_conversation(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, OUTLOOK_COMPOSE)
    assert page.locator("#ConversationReadingPaneContainer [data-fixture=compose] #divRplyFwdMsg").count() == 1

    send(page, "outlook")
    webmail.wait_for_sent(1)

    assert only_message(backend, token)["thread_ref"] == f"outlook:{SELECTED}"


def test_a_new_message_gets_no_conversation_and_the_sent_list_ticks_only_its_own_row(browser, backend, webmail):
    token = pair(browser, backend)
    webmail.rewrite("outlook/compose.html", new_message(OWN_SUBJECT))
    page = open_compose(webmail, OUTLOOK_COMPOSE)
    assert page.locator(f"[role=option][aria-selected=true][data-convid='{SELECTED}']").count() == 1
    assert page.locator("#ConversationReadingPaneContainer, #divRplyFwdMsg, #appendonsend").count() == 0

    send(page, "outlook")
    webmail.wait_for_sent(1)
    message = only_message(backend, token)
    assert message["thread_ref"] is None and message["subject"] == OWN_SUBJECT

    sent = webmail.open(OUTLOOK_SENT)
    ticks = sent.wait_for_selector(f"[data-telltale-ticks][data-message-id='{message['id']}']")
    assert ticks.evaluate("ticks => ticks.closest('[role=option]').getAttribute('data-convid')") == OWN_ROW
    assert sent.locator(f"[role=option][data-convid='{SELECTED}'] [data-telltale-ticks]").count() == 0
    # The row the message showed up in completes its references.
    completed = webmail.wait_until(lambda: (m := only_message(backend, token))["thread_ref"] and m, 5,
                                   "the Sent list to report the row's references")
    assert completed["thread_ref"] == f"outlook:{OWN_ROW}" and completed["client_ref"] == f"outlook:{OWN_ITEM}"
