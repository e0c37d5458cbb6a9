"""Gmail and Outlook on the web, as the browser sees them in the end-to-end tests.

Playwright routes stand in for the webmail servers: the pages are the fixtures in fixtures/, served
at the clients' real addresses so that the extension's content scripts run in them, and a stand-in
for Gmail's image proxy fetches images the way Google's does. Nothing is served over the network.

Routes are answered by this process only while it is inside a Playwright call: wait with
`Webmail.wait_until` or a page's own waits, never with `time.sleep`, while a page needs them.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route

FIXTURES = Path(__file__).parent / "fixtures"

GMAIL = "https://mail.google.com"
OUTLOOK = "https://outlook.office.com"
# Gmail keeps one document for all its views and routes on the hash, so the Sent fixture needs an
# address of its own: the query keeps the path Gmail's, /mail/u/0/, for code that looks at it.
GMAIL_COMPOSE = f"{GMAIL}/mail/u/0/"
GMAIL_SENT = f"{GMAIL}/mail/u/0/?fixture=sent#sent"
GMAIL_CONVERSATION = f"{GMAIL}/mail/u/0/?fixture=sent#sent/18b2f0c4d1a9e375"
GMAIL_THREAD = f"{GMAIL}/mail/u/0/?fixture=thread#inbox/18b364492e242086"
OUTLOOK_COMPOSE = f"{OUTLOOK}/mail/"
OUTLOOK_SENT = f"{OUTLOOK}/mail/sentitems"

PAGES = {
    (GMAIL, "/mail/u/0/", ""): "gmail/compose.html",
    (GMAIL, "/mail/u/0/", "fixture=sent"): "gmail/sent.html",
    (GMAIL, "/mail/u/0/", "fixture=thread"): "gmail/thread.html",
    (OUTLOOK, "/mail/", ""): "outlook/compose.html",
    (OUTLOOK, "/mail/sentitems", ""): "outlook/sent.html",
}
# Gmail sends Trusted Types in its header as well as a meta tag; both are honoured (tried).
HEADERS = {
    GMAIL: {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": "require-trusted-types-for 'script'"},
    OUTLOOK: {"Content-Type": "text/html; charset=utf-8"},
}

# What Gmail's image proxy sends and the form of the URLs it serves (the public records of both:
# tests/e2e/fixtures/README.md, "gmail/sent.html").
PROXY_USER_AGENT = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
PROXY_PREFIX = "https://ci3.googleusercontent.com/meips/"
PROXY_SUFFIX = "=s0-d-e1-ft"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

TEMPLATE = re.compile(r'(<template id="telltale-fixture-body">)(.*?)(</template>)', re.S)
# The subject of the one conversation each Sent fixture has open (heading and list row).
FIXTURE_SUBJECT = "Budget draft for review"
# Recorded bodies are Chromium's innerHTML serialisation, which always double-quotes attribute
# values: a tag pattern that skips quoted values is enough, and keeps the markup byte for byte
# where an HTML parser would re-serialise it.
TAG = r"<{name}\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
IMG = re.compile(TAG.format(name="img"), re.I)
LINK = re.compile(TAG.format(name="a"), re.I)
SRC = re.compile(r'\ssrc="([^"]*)"', re.I)
HREF = re.compile(r'\shref="([^"]*)"', re.I)


class Webmail:
    """The webmail origins and the image proxy on one browser context; what they received."""

    def __init__(self, context: BrowserContext):
        self.context = context
        self.sent: list[dict] = []
        self.proxied: list[str] = []
        self._proxy_map: dict[str, str] = {}
        self._bodies: dict[str, tuple[str, str]] = {}
        self._rewrites: dict[str, list[Callable[[str], str]]] = {}
        for origin in (GMAIL, OUTLOOK):
            context.route(f"{origin}/**", self._serve)
            # Our server is on 127.0.0.1 in tests, where a real one is public: allow what a
            # public page may load from a public server (Chromium blocks loopback otherwise).
            context.grant_permissions(["local-network-access"], origin=origin)
        context.route("https://*.googleusercontent.com/**", self._proxy)

    def open(self, url: str) -> Page:
        """Open `url` in a new tab and return the page."""
        page = self.context.new_page()
        page.goto(url)
        return page

    def show_sent(self, client: str, record: dict) -> None:
        """Make the next load of `client`'s Sent page show `record` (from `sent`) as the open message."""
        body = record["body"]
        if client == "gmail":
            body = LINK.sub(_gmail_link, IMG.sub(self._gmail_image, body))
        elif client == "outlook":
            body = f'<div class="rps_5a1e">{IMG.sub(_outlook_image, body)}</div>'
        else:
            raise ValueError(f"client must be 'gmail' or 'outlook', got {client!r}")
        self._bodies[client] = (record.get("subject") or "", body)

    def rewrite(self, fixture: str, change: Callable[[str], str]) -> None:
        """Serve `fixture` (e.g. "outlook/compose.html") through `change` from its next load on.

        For markup the extension's selectors do not know: another language, other classes, another
        shape of Send. The stand-in scripts find their elements by data-fixture marks, which a
        change must keep.
        """
        self._rewrites.setdefault(fixture, []).append(change)

    def wait_until(self, condition: Callable[[], object], timeout: float, what: str):
        """Poll `condition` while letting the browser's routed requests through; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            self._pump()
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def wait_for_sent(self, n: int = 1, timeout: float = 10) -> list[dict]:
        """Wait until `n` messages were sent through the compose fixtures; return them all."""
        try:
            self.wait_until(lambda: len(self.sent) >= n, timeout, f"{n} message(s) sent")
        except AssertionError as error:
            raise AssertionError(f"{error}; sent: {self.sent}") from None
        return self.sent

    def _pump(self) -> None:
        pages = [page for page in self.context.pages if not page.is_closed()]
        if pages:
            pages[-1].wait_for_timeout(50)
        else:
            time.sleep(0.05)

    def _serve(self, route: Route) -> None:
        request = route.request
        url = urlsplit(request.url)
        origin = f"{url.scheme}://{url.netloc}"
        if request.method == "POST" and url.path == "/__sent":
            self.sent.append(json.loads(request.post_data or "null"))
            route.fulfill(status=204)
            return
        fixture = PAGES.get((origin, url.path, url.query))
        if request.method != "GET" or fixture is None:
            route.fulfill(status=404, content_type="text/plain", body="not part of the webmail fixtures")
            return
        page = (FIXTURES / fixture).read_text(encoding="utf-8")
        client = fixture.split("/")[0]
        if fixture.endswith("sent.html") and client in self._bodies:
            page = _with_body(page, *self._bodies[client])
        for change in self._rewrites.get(fixture, []):
            page = change(page)
        route.fulfill(status=200, headers=HEADERS[origin], body=page)

    def _gmail_image(self, match: re.Match) -> str:
        tag = match.group(0)
        src = SRC.search(tag)
        if not src or not html.unescape(src.group(1)).startswith(("http://", "https://")):
            return tag
        original = html.unescape(src.group(1))
        key = base64.urlsafe_b64encode(hashlib.sha256(original.encode()).digest()).decode().rstrip("=")
        self._proxy_map[key] = original
        return f'{tag[: src.start()]} src="{PROXY_PREFIX}{key}{PROXY_SUFFIX}#{src.group(1)}"{tag[src.end() :]}'

    def _proxy(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        key = url.path.removeprefix("/meips/").partition("=")[0]
        original = self._proxy_map.get(key) if url.path.startswith("/meips/") else None
        if original is None:
            route.fulfill(status=404, content_type="text/plain", body="no image registered by show_sent")
            return
        self.proxied.append(original)
        # Only our own server is fetched: the tests never reach beyond this machine.
        if urlsplit(original).hostname not in LOOPBACK:
            route.fulfill(status=404, content_type="text/plain", body="not fetched: not on this machine")
            return
        request = urllib.request.Request(original, headers={"User-Agent": PROXY_USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, headers, body = error.code, error.headers, error.read()
        route.fulfill(status=status, body=body, headers={"Content-Type": headers.get("Content-Type", "image/gif")})


def _with_body(page: str, subject: str, body: str) -> str:
    page = TEMPLATE.sub(lambda match: match.group(1) + body + match.group(3), page, count=1)
    return page.replace(FIXTURE_SUBJECT, html.escape(subject)) if subject else page


def _gmail_link(match: re.Match) -> str:
    tag = match.group(0)
    href = HREF.search(tag)
    if not href or href.group(1).startswith("#") or re.search(r"\starget=", tag, re.I):
        return tag
    return tag[:-1] + ' target="_blank">'


def _outlook_image(match: re.Match) -> str:
    tag = match.group(0)
    src = SRC.search(tag)
    if not src or not html.unescape(src.group(1)).startswith(("http://", "https://")) or "data-imagetype=" in tag:
        return tag
    return tag[:4] + ' data-imagetype="External"' + tag[4:]
