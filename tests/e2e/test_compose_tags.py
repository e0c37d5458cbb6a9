"""Tags typed in the compose window, beside the Track switch, are the message's tags on the server."""
from __future__ import annotations

import pytest

from .test_extension import only_message, open_compose, pair, send
from .webmail import GMAIL_COMPOSE, OUTLOOK_COMPOSE

TAGS = "[data-telltale-tags]"


@pytest.mark.parametrize("client, url", [("gmail", GMAIL_COMPOSE), ("outlook", OUTLOOK_COMPOSE)])
def test_tags_typed_at_compose_time_are_registered_with_the_message(browser, backend, webmail, client, url):
    token = pair(browser, backend)
    page = open_compose(webmail, url)
    page.fill(TAGS, "q3, board , q3")
    # Enter in the field files the tags; it must not send the message.
    page.press(TAGS, "Enter")
    page.wait_for_timeout(300)
    assert webmail.sent == []

    send(page, client)
    webmail.wait_for_sent(1)
    assert sorted(only_message(backend, token)["tags"]) == ["board", "q3"]
