"""The options page's "Mailboxes (replies)" section, in real Chromium against the real backend: which
providers the server can link, linking in a tab of its own, the list of linked mailboxes as the
server keeps it, and unlinking one.

The backend here has a Google app configured (values that only have to look set: nothing reaches
Google) and no Microsoft one.
"""
from __future__ import annotations

import pytest

from .conftest import Backend
from .test_extension import pair

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
    asked: list[str] = []
    browser.context.on("request", lambda request: asked.append(request.url))
    with browser.context.expect_page() as opened:
        options.click("#link-google")
    tab = opened.value
    options.wait_for_selector("#mailboxes-status[data-state=linking]", state="attached")
    assert "Finish linking your Google account" in options.text_content("#mailboxes-status")
    # The tab goes to the server's own linking page with a ticket; where that page sends it next
    # (Google's consent screen) is not reached from this machine.
    tab.wait_for_load_state()
    link = f"{backend.url}/accounts/link/google?ticket="
    assert any(url.startswith(link) for url in asked), asked
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
