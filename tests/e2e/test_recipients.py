"""Recipients as the compose shows them: resolved chips and typed addresses, in To, Cc and Bcc."""
from __future__ import annotations

import pytest

from .test_extension import only_message, open_compose, pair, send
from .webmail import GMAIL_COMPOSE, OUTLOOK_COMPOSE

# Both compose fixtures hold two chips and one address typed but not resolved in each field.
FIELDS = {
    "to": ["dana@example.net", "lee@example.org", "ravi@example.com"],
    "cc": ["morgan@example.com", "kim@example.net", "pat@example.com"],
    "bcc": ["archive@example.org", "jo@example.net", "audit@example.com"],
}


@pytest.mark.parametrize("client, url", [("gmail", GMAIL_COMPOSE), ("outlook", OUTLOOK_COMPOSE)])
def test_every_chip_and_typed_address_of_to_cc_and_bcc_is_registered_once(browser, backend, webmail, client, url):
    token = pair(browser, backend)
    send(open_compose(webmail, url), client)
    [record] = webmail.wait_for_sent(1)
    assert {field: record[field] for field in FIELDS} == FIELDS, "what the page sent"

    registered = only_message(backend, token)["recipients"]

    assert sorted(registered) == sorted(sum(FIELDS.values(), []))
