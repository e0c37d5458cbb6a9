"""The user's settings where the user is: the options page and the toolbar popup, in real Chromium
against the real backend, each change checked through the backend's API."""
from __future__ import annotations

import pytest

from .test_extension import pair

# Neither this machine's zone nor UTC: only the browser can have told the server.
ZONE = "Pacific/Auckland"

PRIVACY = {"retention_days", "retention_days_max", "kept_since", "optout_footer", "optout_language",
           "optout_wording"}


def browser_token(browser) -> str:
    return browser.sw_eval("chrome.storage.local.get('token').then((s) => s.token)")


def pair_in_zone(browser, backend, zone: str, email: str = "sam@example.com"):
    """Pair through the options page of a browser whose clock is in `zone`; return the page."""
    user = backend.create_user(email)
    options = browser.options_page()
    # Chromium's own time zone emulation, for this page only: the shared browser stays as it is.
    browser.context.new_cdp_session(options).send("Emulation.setTimezoneOverride", {"timezoneId": zone})
    assert options.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == zone
    options.fill("#server-url", backend.url)
    options.click("#save-server")
    options.wait_for_selector("#status[data-state=unpaired]")
    options.fill("#pairing-code", user["pairing_code"])
    options.click("#pair")
    options.wait_for_selector("#status[data-state=paired]", timeout=10_000)
    return options, user["token"]


def open_preferences(browser):
    options = browser.options_page()
    # A status line is empty once all is well, and Playwright counts an empty line as hidden: the
    # waits here are for its data-state alone (state="attached").
    options.wait_for_selector("#preferences-status[data-state=ready]", state="attached", timeout=10_000)
    return options


def message_of(backend, token, message_id) -> dict:
    return backend.api("GET", f"/api/v1/messages/{message_id}", token)


# --- the options page ------------------------------------------------------------------------


def test_pairing_sends_the_browsers_time_zone(browser, backend):
    options, token = pair_in_zone(browser, backend, ZONE)
    assert f"Time zone set to {ZONE}" in options.text_content("#status")
    settings = backend.api("GET", "/api/v1/settings", token)
    assert settings["timezone"] == ZONE and settings["timezone_set"] is True
    options.wait_for_selector("#preferences-status[data-state=ready]", state="attached")
    assert options.input_value("#timezone") == ZONE


def test_pairing_leaves_a_time_zone_the_user_chose_alone(browser, backend):
    user = backend.create_user("sam@example.com")
    backend.api("PATCH", "/api/v1/settings", user["token"], {"timezone": "Europe/Madrid"})
    backend.telltale("user", "pair", "sam@example.com")
    options = browser.options_page()
    browser.context.new_cdp_session(options).send("Emulation.setTimezoneOverride", {"timezoneId": ZONE})
    code = backend.telltale("user", "pair", "sam@example.com").strip()
    options.fill("#server-url", backend.url)
    options.click("#save-server")
    options.wait_for_selector("#status[data-state=unpaired]")
    options.fill("#pairing-code", code)
    options.click("#pair")
    options.wait_for_selector("#status[data-state=paired]", timeout=10_000)
    assert "Time zone" not in options.text_content("#status")
    assert backend.api("GET", "/api/v1/settings", user["token"])["timezone"] == "Europe/Madrid"


def test_the_options_page_saves_quiet_hours_reopen_period_digest_and_zone(browser, backend):
    token = pair(browser, backend)
    options = open_preferences(browser)
    assert options.is_disabled("#quiet-start"), "quiet hours start switched off"
    options.fill("#timezone", "America/Sao_Paulo")
    options.check("#quiet-on")
    options.fill("#quiet-start", "23:15")
    options.fill("#quiet-end", "06:45")
    options.fill("#reopen-minutes", "15")
    options.select_option("#digest", "hourly")
    assert not options.is_checked("#popups-after-reply"), "off by default"
    options.check("#popups-after-reply")
    options.click("#save-preferences")
    options.wait_for_selector("#preferences-status[data-state=saved]", state="attached")
    saved = backend.api("GET", "/api/v1/settings", token)
    # The privacy settings are the Privacy section's (test_privacy_options.py): this form leaves them be.
    assert {name: value for name, value in saved.items() if name not in PRIVACY} == {
        "email": "sam@example.com", "timezone": "America/Sao_Paulo", "timezone_set": True,
        "reopen_quiet_minutes": 15, "quiet_hours": {"start": "23:15", "end": "06:45"}, "digest": "hourly",
        "popups_after_reply": True,
    }
    assert (saved["retention_days"], saved["optout_footer"], saved["optout_wording"]) == (None, False, None)

    # Loaded from the server, not from the page: a fresh page shows the same.
    again = open_preferences(browser)
    assert again.input_value("#timezone") == "America/Sao_Paulo" and again.is_checked("#quiet-on")
    assert (again.input_value("#quiet-start"), again.input_value("#quiet-end")) == ("23:15", "06:45")
    assert again.input_value("#reopen-minutes") == "15" and again.input_value("#digest") == "hourly"
    assert again.is_checked("#popups-after-reply")
    again.uncheck("#quiet-on")
    again.uncheck("#popups-after-reply")
    again.click("#save-preferences")
    again.wait_for_selector("#preferences-status[data-state=saved]", state="attached")
    saved = backend.api("GET", "/api/v1/settings", token)
    assert saved["quiet_hours"] is None and saved["popups_after_reply"] is False


@pytest.mark.parametrize("field, value, said", [
    ("#timezone", "Mars/Olympus", "Time zone: unknown time zone 'Mars/Olympus'"),
    ("#reopen-minutes", "0", "Re-open quiet period: Input should be greater than or equal to 1"),
])
def test_a_value_the_server_refuses_shows_its_reason_and_saves_nothing(browser, backend, field, value, said):
    token = pair(browser, backend)
    options = open_preferences(browser)
    options.select_option("#digest", "daily")
    options.fill(field, value)
    options.click("#save-preferences")
    options.wait_for_selector("#preferences-status[data-state=error]", state="attached")
    assert said in options.text_content("#preferences-status")
    assert options.get_attribute(field, "aria-invalid") == "true"
    assert options.evaluate("document.activeElement.id") == field.removeprefix("#")
    settings = backend.api("GET", "/api/v1/settings", token)
    assert settings["digest"] == "off" and settings["timezone"] == "UTC"


def test_quiet_hours_that_start_when_they_end_are_refused_on_the_page(browser, backend):
    pair(browser, backend)
    options = open_preferences(browser)
    options.check("#quiet-on")
    options.fill("#quiet-start", "07:00")
    options.fill("#quiet-end", "07:00")
    options.click("#save-preferences")
    options.wait_for_selector("#preferences-status[data-state=error]", state="attached")
    assert "start and end at the same time" in options.text_content("#preferences-status")


# --- tokens: unpair, the list, revoke --------------------------------------------------------


def test_unpair_revokes_this_browsers_token_on_the_server(browser, backend):
    cli_token = pair(browser, backend)
    token = browser_token(browser)
    options = browser.options_page()
    options.wait_for_selector("#devices li[data-current=true]")
    options.click("#unpair")
    options.wait_for_selector("#status[data-state=unpaired]")
    assert "Its token is revoked on the server." in options.text_content("#status")
    backend.api("GET", "/api/v1/settings", token, expect=401)
    backend.api("GET", "/api/v1/settings", cli_token)
    assert browser_token(browser) == ""
    assert options.is_hidden("#preferences-section") and options.is_hidden("#devices-section")


def test_unpair_with_the_server_down_forgets_the_token_and_says_it_was_not_revoked(browser, backend):
    pair(browser, backend)
    token = browser_token(browser)
    options = browser.options_page()
    options.wait_for_selector("#preferences-status[data-state=ready]", state="attached")
    backend.stop_web()
    options.click("#unpair")
    options.wait_for_selector("#status[data-state=unpaired]", timeout=15_000)
    said = options.text_content("#status")
    assert "could not be revoked on the server" in said and "could not be reached" in said, said
    assert browser_token(browser) == ""
    backend.start_web()
    # What the page said is true: the token still works until it is revoked from elsewhere.
    backend.api("GET", "/api/v1/settings", token)


def test_the_token_list_marks_this_browser_and_revokes_another_at_once(browser, backend):
    cli_token = pair(browser, backend)
    code = backend.telltale("user", "pair", "sam@example.com").strip()
    laptop = backend.api("POST", "/api/v1/pair", json={"code": code, "label": "Firefox on the laptop"})["token"]
    options = browser.options_page()
    options.wait_for_selector("#devices-status[data-state=ready]", state="attached")
    rows = options.query_selector_all("#devices li")
    names = [row.query_selector(".name").text_content() for row in rows]
    assert names[0] == "Command line (telltale user create)" and names[2] == "Firefox on the laptop"
    assert names[1].endswith("(this browser)") and names[1] != "A browser extension (this browser)"
    assert rows[1].query_selector("button") is None, "this browser leaves with Unpair"
    page_text = options.text_content("#devices")
    assert laptop not in page_text and browser_token(browser) not in page_text and cli_token not in page_text

    rows[2].query_selector("button.revoke").click()
    options.wait_for_selector("#devices-status[data-state=revoked]", state="attached")
    assert "Revoked “Firefox on the laptop”" in options.text_content("#devices-status")
    backend.api("GET", "/api/v1/messages", laptop, expect=401)
    assert len(options.query_selector_all("#devices li")) == 2
    backend.api("GET", "/api/v1/messages", browser_token(browser))


# --- the toolbar popup -----------------------------------------------------------------------


def test_the_popup_resumes_tracking_mutes_and_unmutes(browser, backend):
    token = pair(browser, backend)
    created = backend.api("POST", "/api/v1/messages", token, {"subject": "Q3 quote", "recipients": ["bo@example.test"],
                                                             "tracking": False})
    popup = browser.popup_page()
    row = f"li[data-message-id='{created['id']}']"
    popup.click(f"{row} button.resume-tracking")
    popup.wait_for_selector(f"{row} button.stop-tracking")
    assert message_of(backend, token, created["id"])["tracking"] is True
    assert popup.evaluate("document.activeElement.className") == "stop-tracking", "focus stays on the control"
    assert "Tracking resumed for “Q3 quote”." in popup.text_content("#popup-status")

    popup.click(f"{row} button.mute")
    popup.wait_for_selector(f"{row} button.unmute")
    assert message_of(backend, token, created["id"])["notify"] is False
    popup.click(f"{row} button.unmute")
    popup.wait_for_selector(f"{row} button.mute")
    assert message_of(backend, token, created["id"])["notify"] is True


def test_the_popup_adds_and_removes_tags(browser, backend):
    token = pair(browser, backend)
    created = backend.api("POST", "/api/v1/messages", token, {"subject": "Q3 quote", "recipients": ["bo@example.test"],
                                                             "tags": ["q3"]})
    popup = browser.popup_page()
    row = f"li[data-message-id='{created['id']}']"
    popup.wait_for_selector(f"{row} li.tag[data-tag=q3]")

    popup.fill(f"#new-tag-{created['id']}", "  client a ")
    popup.click(f"{row} button.add-tag-button")
    popup.wait_for_selector(f"{row} li.tag[data-tag='client a']")
    assert message_of(backend, token, created["id"])["tags"] == ["client a", "q3"]
    assert popup.evaluate("document.activeElement.id") == f"new-tag-{created['id']}"

    popup.fill(f"#new-tag-{created['id']}", "q3")
    popup.press(f"#new-tag-{created['id']}", "Enter")
    popup.wait_for_selector("#popup-status:has-text('“q3” is already a tag of this message.')")

    popup.click(f"{row} button[aria-label='Remove tag q3']")
    popup.wait_for_selector(f"{row} li.tag[data-tag=q3]", state="detached")
    assert message_of(backend, token, created["id"])["tags"] == ["client a"]
    assert "Removed tag “q3” from “Q3 quote”." in popup.text_content("#popup-status")
