"""The dashboard's recipients, best time and reports pages in Chromium: the charts draw under the pages'
CSP, nothing is refused, and axe-core finds nothing serious. Screenshots go to test-results/screenshots/.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from telltale.dashboard.best_time import MIN_OPENS
from telltale.store.db import make_engine
from telltale.store.models import User
from tests.backend.dashboard_seed import seed

from .test_dashboard import APPLE_MAIL, GOOGLEBOT, SCREENSHOTS, accessible, fetch


def test_the_report_pages_draw_their_charts_under_the_csp_and_pass_axe(page, backend, extension_dir):
    # extension_dir: `npm run build` has run, which also builds the dashboard's chart bundle.
    user = backend.create_user("sam@example.com")
    for n in range(MIN_OPENS):  # an open each: enough for the heatmaps
        sent = backend.api("POST", "/api/v1/messages", user["token"],
                           json={"subject": f"Quote {n}", "recipients": ["bo@example.test"]})
        fetch(sent["pixel_url"], APPLE_MAIL)
    fetch(sent["pixel_url"], GOOGLEBOT)
    backend.drain_wait()
    refused = []
    # A CSP refusal and a script error are console errors; a missing file is a failed response
    # (the browser's own favicon request aside: the dashboard has none).
    page.on("console", lambda message: refused.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.on("response", lambda response: refused.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)

    page.goto(backend.telltale("user", "login", "sam@example.com").strip())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/messages")

    page.get_by_role("link", name="Reports").click()
    page.wait_for_url("**/app/reports")
    page.wait_for_selector('[data-chart="opensPerDay"][data-drawn="true"] canvas')
    assert page.locator("[data-chart] canvas").count() == 3
    assert page.get_by_text("Charts are unavailable").count() == 0
    accessible(page, "reports")

    page.get_by_role("link", name="Recipients").click()
    page.wait_for_url("**/app/recipients")
    accessible(page, "recipients")
    page.get_by_role("link", name="bo@example.test").click()
    page.wait_for_url("**/app/recipients/bo@example.test*")
    assert page.get_by_role("link", name="Quote 2", exact=True).is_visible()
    assert page.get_by_role("table", name="bo@example.test").is_visible()
    accessible(page, "recipient")

    page.get_by_role("link", name="Best time").click()
    page.wait_for_url("**/app/best-time")
    heatmap = page.get_by_role("table", name="All recipients")
    assert heatmap.get_by_role("rowheader").count() == 7 and heatmap.get_by_role("cell").count() == 7 * 24
    accessible(page, "best-time")
    assert not refused, refused


def test_a_busy_year_draws_every_chart_and_still_passes_axe(page, backend, extension_dir):
    """A quarter of a seeded sender's year: thousands of points in the charts, a full heatmap. The
    heatmap is the README's screenshot (readme-best-time.png; a chosen copy is kept in git)."""
    backend.create_user("sam@example.com")
    engine = make_engine(backend.settings.database_url)
    try:
        with engine.connect() as connection:
            user_id = connection.execute(select(User.id).where(User.email == "sam@example.com")).scalar_one()
        seed(engine, user_id, messages=2_000, events=40_000, days=120)
    finally:
        engine.dispose()
    page.goto(backend.telltale("user", "login", "sam@example.com").strip())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/messages")
    today = datetime.now(UTC).date()
    page.goto(f"{backend.url}/app/reports?since={today - timedelta(days=90)}&until={today}")
    page.wait_for_selector('[data-chart="opensPerDay"][data-drawn="true"] canvas')
    sent = page.get_by_role("table").first.inner_text()
    assert "Opened" in sent and " 0.0 %" not in sent.split("Opened")[1].split("\n")[0]
    accessible(page, "reports-busy")
    page.get_by_role("link", name="Best time").click()
    page.wait_for_url("**/app/best-time")
    assert "not enough data" not in page.inner_text("main")
    page.screenshot(path=SCREENSHOTS / "readme-best-time.png", clip={"x": 0, "y": 0, "width": 1010, "height": 580})
    accessible(page, "best-time-busy")
