"""The options page's "Mailboxes (replies)" section, in real Chromium against the real backend: which
providers the server can link, linking in a tab of its own, the list of linked mailboxes as the
server keeps it, and unlinking one.

The backend here has a Google app configured and no Microsoft one. Where a mailbox is linked, Google
is the fake of tests/fakes/google.py, which consents at once; elsewhere the app's values only have
to look set, and nothing reaches Google.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.google import CLIENT_ID, CLIENT_SECRET, running_fake_google
from tests.fakes.https import make_ca

from .conftest import Backend
from .test_extension import notifications, only_message, open_compose, pair, recent_events, send
from .webmail import GMAIL_COMPOSE, GMAIL_SENT

GOOGLE_APP = {
    "TELLTALE_GOOGLE_CLIENT_ID": "telltale-e2e.apps.googleusercontent.com",
    "TELLTALE_GOOGLE_CLIENT_SECRET": "telltale-e2e-secret",
}


@pytest.fixture
def backend(tmp_path):
    server = Backend(tmp_path / "home", env=GOOGLE_APP)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def open_mailboxes(browser):
    options = browser.options_page()
    # An empty status line counts as hidden for Playwright: wait for its data-state alone.
    options.wait_for_selector("#mailboxes-status[data-state=ready]", state="attached", timeout=10_000)
    return options


def test_only_a_provider_the_server_can_link_is_offered_and_the_other_names_its_settings(browser, backend):
    token = pair(browser, backend)
    assert backend.api("GET", "/api/v1/accounts", token) == {"items": [], "providers": {"google": True, "microsoft": False}}
    options = open_mailboxes(browser)
    assert options.is_visible("#mailboxes-section")
    assert options.text_content("#mailboxes li.empty") == "No mailbox linked yet: replies are not looked for."
    assert options.is_enabled("#link-google") and options.is_hidden("#google-setup")
    assert options.is_disabled("#link-microsoft")
    said = options.text_content("#microsoft-setup")
    for setting in ("TELLTALE_MICROSOFT_CLIENT_ID", "TELLTALE_MICROSOFT_CLIENT_SECRET", "TELLTALE_MICROSOFT_TENANT"):
        assert setting in said, said
    # The disabled button says why, for someone who does not see the line under it.
    assert options.get_attribute("#link-microsoft", "aria-describedby") == "microsoft-setup"


def test_linking_opens_the_servers_one_time_page_in_a_new_tab(browser, backend):
    pair(browser, backend)
    options = open_mailboxes(browser)
    asked = []
    browser.context.on("request", lambda request: asked.append(request))
    with browser.context.expect_page() as opened:
        options.click("#link-google")
    tab = opened.value
    options.wait_for_selector("#mailboxes-status[data-state=linking]", state="attached")
    assert "Finish linking your Google account" in options.text_content("#mailboxes-status")
    # The tab goes to the server's own linking page, which took the ticket and sends it on to
    # Google's consent screen for this server's app (not reached from this machine).
    tab.wait_for_load_state()
    consent = [request.url for request in asked if request.url.startswith("https://accounts.google.com/o/oauth2/auth?")]
    assert consent, [request.url for request in asked]
    asked_google = parse_qs(urlsplit(consent[0]).query)
    assert asked_google["client_id"] == [GOOGLE_APP["TELLTALE_GOOGLE_CLIENT_ID"]]
    assert asked_google["redirect_uri"] == [f"{backend.url}/accounts/callback/google"]
    assert options.is_enabled("#link-google"), "a second try stays possible"


def test_a_link_the_server_refuses_for_want_of_its_app_names_the_settings(browser, backend):
    """As from a page loaded before the server owner removed the app: the server's 409 is explained."""
    pair(browser, backend)
    options = open_mailboxes(browser)
    options.evaluate("document.getElementById('link-microsoft').disabled = false")
    tabs = len(browser.context.pages)
    options.click("#link-microsoft")
    options.wait_for_selector("#mailboxes-status[data-state=error]", state="attached")
    assert "TELLTALE_MICROSOFT_CLIENT_ID" in options.text_content("#mailboxes-status")
    assert options.is_disabled("#link-microsoft")
    assert len(browser.context.pages) == tabs, "no tab was opened"


# --- linking through a fake Google, the list, needs-linking-again, unlinking -----------------------


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("fake-google-ca"))


@pytest.fixture(scope="module")
def fake_google(test_ca):
    with running_fake_google(test_ca) as served:
        yield served


@pytest.fixture
def browser_options():
    # The fake Google's certificate is signed by the test's own authority, which Chromium does not know.
    return {"ignore_https_errors": True}


@pytest.fixture
def linked(tmp_path, fake_google, test_ca):
    """A backend whose Google is the fake, polling linked mailboxes every second, and the fake."""
    fake, base_url = fake_google
    home = tmp_path / "home"
    server = Backend(home, env={
        **test_ca.client_env,
        "TELLTALE_GOOGLE_CLIENT_ID": CLIENT_ID, "TELLTALE_GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        "TELLTALE_GOOGLE_AUTH_URI": f"{base_url}/o/oauth2/auth", "TELLTALE_GOOGLE_TOKEN_URI": f"{base_url}/token",
        "TELLTALE_GOOGLE_REVOKE_URI": f"{base_url}/revoke", "TELLTALE_GMAIL_API_URL": f"{base_url}/",
        "TELLTALE_REPLY_POLL_SECONDS": "1",
    })
    with fake.lock:
        fake.reset(redirect_uris=(f"{server.url}/accounts/callback/google",))
        fake.add_mailbox(MAILBOX)
    try:
        server.start()
        yield server, fake
    finally:
        server.stop()


MAILBOX = "Sam.Tester@example.com"
# The legacy id of the conversation the Gmail compose fixture replies to: the Gmail API's thread id.
THREAD = "18b364492e242086"


def back_to(options) -> None:
    """The user closes the linking tab and comes back to the options page."""
    options.bring_to_front()
    # Headless Chromium does not move the window's focus between tabs: say so the way the page hears it.
    options.evaluate("window.dispatchEvent(new Event('focus'))")


def test_a_mailbox_linked_in_its_tab_shows_when_the_user_comes_back_and_unlinks(browser, linked):
    backend, fake = linked
    token = pair(browser, backend)
    options = open_mailboxes(browser)
    with browser.context.expect_page() as opened:
        options.click("#link-google")
    tab = opened.value
    # The server's page, then Google's consent (the fake consents at once), then the server's callback.
    tab.wait_for_url(f"{backend.url}/accounts/callback/google?*", timeout=15_000)
    assert "sam.tester@example.com" in tab.text_content("body")
    [account] = backend.api("GET", "/api/v1/accounts", token)["items"]
    tab.close()

    back_to(options)
    row = options.wait_for_selector(f"#mailboxes li[data-account-id='{account['id']}']")
    options.wait_for_selector("#mailboxes-status[data-state=linked]", state="attached")
    assert options.text_content("#mailboxes-status").startswith("Linked sam.tester@example.com")
    assert row.query_selector(".name").text_content() == "sam.tester@example.com"
    assert "Google · linked just now" in row.query_selector(".details").text_content()
    assert options.locator("#mailboxes li.empty").count() == 0

    # Google stops accepting the grant: the next poll marks the mailbox, and the page says so.
    with fake.lock:
        fake.revoke_all(MAILBOX)
    options.wait_for_function(
        """id => { window.dispatchEvent(new Event('focus'));
                   return document.querySelector(`#mailboxes li[data-account-id='${id}'][data-status=relink]`); }""",
        arg=account["id"], timeout=15_000, polling=1000,
    )
    options.wait_for_selector("#mailboxes[aria-busy=false]", state="attached")
    stale = options.locator(f"#mailboxes li[data-account-id='{account['id']}']")
    assert stale.locator(".mailbox-status").text_content() == "Needs linking again"
    assert "no longer accepts" in stale.locator(".details").text_content()
    assert stale.locator("button.relink").count() == 1

    # Unlink asks first: dismissed, nothing happens.
    options.once("dialog", lambda dialog: dialog.dismiss())
    stale.locator("button.unlink").click()
    assert len(backend.api("GET", "/api/v1/accounts", token)["items"]) == 1
    options.once("dialog", lambda dialog: dialog.accept())
    options.click(f"#mailboxes li[data-account-id='{account['id']}'] button.unlink")
    options.wait_for_selector("#mailboxes-status[data-state=unlinked]", state="attached")
    said = options.text_content("#mailboxes-status")
    assert "sam.tester@example.com is unlinked" in said, said
    assert backend.api("GET", "/api/v1/accounts", token)["items"] == []
    options.wait_for_selector("#mailboxes li.empty")


# --- a reply found in the linked mailbox, as the sender meets it ----------------------------------


def link_mailbox(browser, backend) -> str:
    """Pair, link the fake Google's mailbox through the options page; return the API token."""
    token = pair(browser, backend)
    options = open_mailboxes(browser)
    with browser.context.expect_page() as opened:
        options.click("#link-google")
    opened.value.wait_for_url(f"{backend.url}/accounts/callback/google?*", timeout=15_000)
    opened.value.close()
    options.close()
    return token


def test_a_reply_pops_up_ticks_the_sent_list_and_an_auto_reply_is_set_apart(browser, linked, webmail):
    backend, fake = linked
    token = link_mailbox(browser, backend)
    # A reply written on the Gmail page to "Quarterly report", whose thread the fake's mailbox holds.
    send(open_compose(webmail, GMAIL_COMPOSE), "gmail")
    webmail.wait_for_sent(1)
    message = only_message(backend, token)
    assert message["account"] == "sam.tester@example.com" and message["thread_ref"] == f"gmail:{THREAD}"

    with fake.lock:
        fake.add_message(MAILBOX, thread_id=THREAD, headers={
            "From": "Dana Reviewer <dana@example.net>", "To": MAILBOX, "Subject": "Re: Quarterly report",
            "Message-ID": "<reply-1@example.net>", "Date": "Fri, 04 Dec 2026 10:00:00 +0000",
        })
    [event] = webmail.wait_until(lambda: recent_events(browser), 15, "the reply's live event")
    assert event["type"] == "reply" and event["source"] == "person" and event["message_id"] == message["id"]
    # The desktop popup is the server's, as for opens and clicks.
    assert list(notifications(browser)) == [event["popup"]["id"]]

    with fake.lock:
        fake.add_message(MAILBOX, thread_id=THREAD, headers={
            "From": "Morgan Lead <morgan@example.com>", "To": MAILBOX, "Subject": "Automatic reply: Quarterly report",
            "Auto-Submitted": "auto-replied", "Message-ID": "<ooo-1@example.com>",
            "Date": "Fri, 04 Dec 2026 10:01:00 +0000",
        })
    auto = webmail.wait_until(lambda: [e for e in recent_events(browser) if e.get("source") == "auto"], 15,
                              "the auto-reply's live event")[0]
    assert auto["popup"] is None and len(notifications(browser)) == 1, "an auto-reply pops nothing up"

    popup = browser.popup_page()
    row = popup.wait_for_selector(f"li.message[data-message-id='{message['id']}']")
    assert "↩ Replied (1 reply)" in row.query_selector(".state").text_content()
    person = popup.wait_for_selector(f"#activity li[data-event-id='{event['id']}']")
    assert person.text_content().startswith("dana@example.net replied to “Re: Quarterly report”")
    assert "aside" not in person.get_attribute("class")
    aside = popup.wait_for_selector(f"#activity li[data-event-id='{auto['id']}']")
    assert aside.get_attribute("data-kind") == "auto-reply" and "aside" in aside.get_attribute("class")
    assert aside.text_content().startswith("Auto-reply to “Re: Quarterly report”")

    sent = webmail.open(GMAIL_SENT)
    ticks = sent.wait_for_selector(f"[data-telltale-ticks][data-message-id='{message['id']}'][data-state=replied]")
    assert ticks.text_content().startswith("✓✓ ↩") and ticks.get_attribute("aria-label").startswith("Replied")
