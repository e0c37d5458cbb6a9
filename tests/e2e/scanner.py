"""A mail security scanner as the end-to-end tests play it: plain HTTP, no browser, no form sent.

Safe Links' fetches carry a current Chrome's User-Agent from Exchange Online Protection's published
range; the address is the test's own (loopback), so only the request's shape speaks for it here.
"""
from __future__ import annotations

import urllib.error
import urllib.request

SCANNER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/120.0.0.0 Safari/537.36")
# The recipient's browser: headless Chromium names itself HeadlessChrome, which the classifier
# rightly takes for a machine.
READER_AGENT = SCANNER_AGENT.replace("120.0.0.0", "131.0.0.0")


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, str]:
    """Fetch `url` as the scanner does; return the status and the page."""
    request = urllib.request.Request(url, headers={"User-Agent": SCANNER_AGENT}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()
