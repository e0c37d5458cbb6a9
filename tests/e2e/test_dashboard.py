"""The dashboard in Chromium: opened from the extension, or with a printed link in a browser without it.

Every page is checked with axe-core (run in the page) for serious and critical violations, and
photographed into test-results/screenshots/ for the README and for a look after a CI run.
"""
from __future__ import annotations

import urllib.request

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from .conftest import ROOT
from .test_extension import pair

SCREENSHOTS = ROOT / "test-results" / "screenshots"
APPLE_MAIL = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SERIOUS = ("serious", "critical")


def accessible(page: Page, name: str) -> None:
    """Fail on axe-core's serious or critical findings; keep a screenshot of the page either way."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    found = [v for v in Axe().run(page).response["violations"] if v["impact"] in SERIOUS]
    assert not found, [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found]


def fetch(url: str, agent: str) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": agent, "Accept": "*/*"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_the_extensions_popup_opens_the_dashboard_signed_in(browser, backend):
    token = pair(browser, backend)
    backend.api("POST", "/api/v1/messages", token, json={"subject": "Q3 quote", "recipients": ["bo@example.test"]})
    popup = browser.popup_page()
    with browser.context.expect_page() as opened:
        popup.click("#open-dashboard")
    dashboard = opened.value
    dashboard.wait_for_load_state()
    assert "/app/login/" in dashboard.url
    dashboard.get_by_role("button", name="Sign in").click()
    dashboard.wait_for_url("**/app/messages")
    assert dashboard.get_by_role("link", name="Q3 quote").is_visible()


def test_every_page_works_without_the_extension_and_passes_axe(page, backend):
    user = backend.create_user("sam@example.com")
    for subject, to in (("Lunch?", "cy@example.test"), ("Q3 quote", "bo@example.test")):
        sent = backend.api("POST", "/api/v1/messages", user["token"], json={"subject": subject, "recipients": [to]})
    fetch(sent["pixel_url"], APPLE_MAIL)
    fetch(sent["pixel_url"], GOOGLEBOT)
    backend.drain_wait()

    page.goto(backend.telltale("user", "login", "sam@example.com").strip())
    accessible(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/messages")
    accessible(page, "messages")

    page.get_by_label("Subject or recipient").fill("bo@example")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/app/messages?q=bo%40example*")
    assert page.get_by_role("link", name="Q3 quote").is_visible()
    assert page.get_by_role("link", name="Lunch?").count() == 0

    page.get_by_role("link", name="Q3 quote").click()
    page.wait_for_selector("table.timeline")
    assert page.locator("tr.counted").count() == 1 and page.locator("tr.set-apart").count() == 1
    assert "crawler" in page.locator("tr.set-apart").inner_text()
    accessible(page, "timeline")

    page.get_by_role("button", name="Turn tracking off").click()
    page.wait_for_selector("text=Tracking is off")
    tracked = backend.api("GET", f"/api/v1/messages/{sent['id']}", user["token"])
    assert tracked["tracking"] is False

    page.get_by_role("link", name="Team").click()
    page.get_by_label("Team name").fill("Sales")
    page.get_by_role("button", name="Create a team").click()
    page.wait_for_selector("text=What the team's managers can see")
    accessible(page, "team")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/app/signin")
    page.goto(f"{backend.url}/app/messages")
    assert page.url.startswith(f"{backend.url}/app/signin")
