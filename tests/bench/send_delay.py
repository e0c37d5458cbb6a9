"""How long Send takes with tracking on and off, measured in the browser.

Run from the repository root, after `make test` has installed Chromium and built the extension:

    .venv/bin/python -m tests.bench.send_delay [--sends 20] [--out FILE]

It starts the e2e backend (own Redis, SQLite, `telltale serve` and `telltale worker`), pairs the
built extension in headless Chromium, and sends the Gmail and Outlook compose fixtures again and
again, half with the Track switch on, half off, interleaved. The delay is measured inside the page:
from the user's click (a capturing listener that runs before the extension's) to the moment the
webmail's own send code starts its request.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, ROOT, Backend, Browser
from tests.e2e.test_extension import SWITCH, compose_body, pair, send
from tests.e2e.webmail import GMAIL_COMPOSE, OUTLOOK_COMPOSE, Webmail

# Runs in the page before its own scripts: the first click is the user's (the extension's
# re-sent click comes later), the first XMLHttpRequest.send is the webmail sending the message.
PROBE = """
window.addEventListener("click", () => { window.__clickAt ??= performance.now(); }, true);
window.addEventListener("keydown", (e) => { if (e.key === "Enter") window.__clickAt ??= performance.now(); }, true);
const realSend = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) { window.__sentAt ??= performance.now(); return realSend.call(this, body); };
"""


def one_send(webmail: Webmail, client: str, url: str, tracking: bool) -> float:
    page = webmail.open(url)
    page.wait_for_selector(SWITCH)
    compose_body(page, client)
    if not tracking:
        page.click(SWITCH)
    page.evaluate("window.__clickAt = undefined")
    before = len(webmail.sent)
    send(page, client)
    webmail.wait_for_sent(before + 1)
    delay = page.evaluate("window.__sentAt - window.__clickAt")
    page.close()
    return delay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=20, help="sends per client and switch position")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    extension = ROOT / "extension" / "dist"
    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as driver:
        backend = Backend(Path(tmp) / "home")
        backend.start()
        context = driver.chromium.launch_persistent_context(
            Path(tmp) / "profile", executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", f"--disable-extensions-except={extension}",
                  f"--load-extension={extension}"],
        )
        try:
            worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
            browser = Browser(context, worker.url.split("/")[2])
            context.add_init_script(PROBE)
            webmail = Webmail(context)
            pair(browser, backend)
            for client, url in (("gmail", GMAIL_COMPOSE), ("outlook", OUTLOOK_COMPOSE)):
                on, off = [], []
                for _ in range(args.sends):
                    on.append(one_send(webmail, client, url, tracking=True))
                    off.append(one_send(webmail, client, url, tracking=False))
                results[client] = {
                    "sends_each": args.sends,
                    "tracked_ms": summary(on),
                    "untracked_ms": summary(off),
                    "added_p50_ms": round(statistics.median(on) - statistics.median(off), 1),
                }
        finally:
            context.close()
            backend.stop()
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1), "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
            "max": round(ordered[-1], 1)}


if __name__ == "__main__":
    main()
