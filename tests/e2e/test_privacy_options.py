"""The options page's privacy controls in real Chromium against the real backend: the don't-track
list kept in the browser, the opt-out footer and retention saved on the server, the user's data
downloaded as a file, and the account deleted after typing its email."""
from __future__ import annotations

import json
from pathlib import Path

from .test_extension import pair
from .test_settings import browser_token

EMAIL = "sam@example.com"


def open_privacy(browser):
    options = browser.options_page()
    # An empty status line counts as hidden for Playwright: wait for its data-state alone.
    options.wait_for_selector("#privacy-status[data-state=ready]", state="attached", timeout=10_000)
    return options


def test_the_dont_track_list_is_kept_in_the_browser_and_refuses_what_it_cannot_match(browser, backend):
    pair(browser, backend)
    options = browser.options_page()
    for entry in ("@Example.org", "ana@example.com"):
        options.fill("#dont-track-entry", entry)
        options.click("#dont-track-add")
        options.wait_for_selector("#dont-track-status[data-state=added]")
    options.fill("#dont-track-entry", "localhost")
    options.click("#dont-track-add")
    options.wait_for_selector("#dont-track-status[data-state=error]")
    assert "has no domain Telltale can match" in options.text_content("#dont-track-status")
    assert options.get_attribute("#dont-track-entry", "aria-invalid") == "true"

    options.reload()
    options.wait_for_selector("#dont-track-list li[data-entry='ana@example.com']")
    assert options.locator("#dont-track-list li .name").all_text_contents() == [
        "anyone at example.org or its subdomains", "ana@example.com"]
    options.click("#dont-track-list li[data-entry='example.org'] button")
    options.wait_for_selector("#dont-track-status[data-state=removed]")
    assert browser.sw_eval("chrome.storage.local.get('dontTrack').then((s) => s.dontTrack)") == ["ana@example.com"]


def test_the_footer_its_language_wording_and_retention_are_saved_on_the_server(browser, backend):
    token = pair(browser, backend)
    options = open_privacy(browser)
    limit = backend.api("GET", "/api/v1/settings", token)["retention_days_max"]
    assert options.text_content("#retention-max") == str(limit)

    options.check("#optout-footer")
    options.select_option("#optout-language", "de")
    options.fill("#optout-wording", "Lieber nicht verfolgt werden?")
    options.fill("#retention-days", "30")
    options.click("#save-privacy")
    options.wait_for_selector("#privacy-status[data-state=saved]", timeout=10_000)

    settings = backend.api("GET", "/api/v1/settings", token)
    assert {key: settings[key] for key in ("optout_footer", "optout_language", "optout_wording", "retention_days")} == {
        "optout_footer": True, "optout_language": "de", "optout_wording": "Lieber nicht verfolgt werden?", "retention_days": 30}
    assert browser.sw_eval("chrome.storage.local.get('optoutFooter').then((s) => s.optoutFooter)") is True

    # Emptied, the wording and the days go back to the language's and the server's.
    options.fill("#optout-wording", "")
    options.fill("#retention-days", "")
    options.click("#save-privacy")
    options.wait_for_selector("#privacy-status[data-state=saved]", timeout=10_000)
    settings = backend.api("GET", "/api/v1/settings", token)
    assert settings["optout_wording"] is None and settings["retention_days"] is None

    options.fill("#retention-days", str(limit + 1))
    options.click("#save-privacy")
    options.wait_for_selector("#privacy-status[data-state=error]")
    assert f"at most {limit} days" in options.text_content("#privacy-status")


def test_download_my_data_saves_the_servers_export_as_a_file(browser, backend):
    token = pair(browser, backend, EMAIL)
    backend.api("POST", "/api/v1/messages", token, json={"subject": "Q3 quote", "recipients": ["ana@example.org"]})
    options = open_privacy(browser)

    with options.expect_download() as download:
        options.click("#export-data")
    options.wait_for_selector("#account-data-status[data-state=exported]")

    assert download.value.suggested_filename == "telltale-export.json"
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert "Q3 quote" in json.dumps(exported)
    assert EMAIL in json.dumps(exported)


def test_deleting_the_account_takes_its_email_and_leaves_the_browser_unpaired(browser, backend):
    token = pair(browser, backend, EMAIL)
    options = open_privacy(browser)
    options.click("#delete-account")
    assert options.text_content("#delete-email") == EMAIL
    assert options.is_disabled("#delete-for-good")

    options.fill("#delete-confirm-email", "someone@example.com")
    options.click("#delete-for-good")
    options.wait_for_selector("#account-data-status[data-state=error]", timeout=10_000)
    assert "Nothing was deleted" in options.text_content("#account-data-status")
    assert backend.api("GET", "/api/v1/settings", token)["email"] == EMAIL, "the account is still there"

    options.fill("#delete-confirm-email", EMAIL.upper())
    options.click("#delete-for-good")
    options.wait_for_selector("#status[data-state=unpaired]", timeout=10_000)

    assert "deleted" in options.text_content("#status")
    assert options.is_hidden("#privacy-section")
    assert browser_token(browser) == ""
    backend.api("GET", "/api/v1/settings", token, expect=401)
