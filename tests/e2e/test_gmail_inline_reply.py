"""Gmail: a reply written inline, inside an open conversation, is tracked like a pop-up compose."""
from __future__ import annotations

from .test_extension import PIXEL, SWITCH, compose_body, only_message, open_compose, pair, send, signer_of, untracked
from .webmail import GMAIL_THREAD

LEGACY_THREAD = "18b364492e242086"


def test_an_inline_reply_is_tracked_in_its_thread_and_its_quote_is_left_alone(browser, backend, webmail):
    token = pair(browser, backend)
    page = open_compose(webmail, GMAIL_THREAD)
    assert page.locator(f".ip.adB .M9 {SWITCH}").count() == 1, "the Track switch sits in the inline reply"
    assert page.get_attribute(SWITCH, "aria-checked") == "true"
    written = compose_body(page, "gmail")
    quote = written[written.index('<div class="gmail_quote'):]

    send(page, "gmail")
    [record] = webmail.wait_for_sent(1)

    body = record["body"]
    assert len(PIXEL.findall(body)) == 1 and PIXEL.findall(body)[0].startswith(f"{backend.url}/p/")
    assert quote in body, "the quoted message, its link included, goes out as written"
    assert untracked(body, signer_of(backend)) == written
    message = only_message(backend, token)
    assert [link["url"] for link in message["links"]] == ["https://example.org/reports/q3"]
    assert message["thread_ref"] == f"gmail:{LEGACY_THREAD}" == f"gmail:{record['legacyThread']}"
    # This page's header has no account button: the account is the one its title names.
    assert message["account"] == "sam.tester@example.com"
    assert message["subject"] == record["subject"] == "Re: Quarterly report"
    assert message["recipients"] == ["dana@example.net"]
