"""Link targets: absolute http(s) URLs that a browser and Python read the same way.

Telltale redirects a click to the target exactly as the sender gave it. Browsers parse it with the
WHATWG URL standard, Python with urlsplit (RFC 3986), and the two disagree on some spellings: a
backslash is '/' to a browser, so `https://evil.example\\@good.example/` goes to evil.example
though urlsplit reads good.example. ada (the parser Node.js uses) reads targets as a browser does;
any target whose host the two read differently is refused.
"""
from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import SplitResult, urlsplit

from ada_url import URL, idna

from .errors import BadTarget

MAX_TARGET_LENGTH = 2048
# Browsers remove these wherever they appear in a URL, before parsing it.
STRIPPED_BY_BROWSERS = "\t\n\r"


def validate_target(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL Telltale may redirect to, else raise BadTarget."""
    if not isinstance(url, str) or not url:
        raise BadTarget("link target is empty")
    if len(url) > MAX_TARGET_LENGTH:
        raise BadTarget(f"link target is {len(url)} characters long; the limit is {MAX_TARGET_LENGTH}")
    _refuse_invisible(url)
    parts = _split(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise BadTarget(f"link target must be an absolute http(s) URL, got scheme {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise BadTarget("link target has no host")
    _refuse_other_readings(url, parts.hostname)
    if "@" in parts.netloc:
        raise BadTarget("link target has a user name or password before '@': browsers go to the host after it "
                        "and warn about such links, a common way to disguise where a link leads")
    return url


def _refuse_invisible(url: str) -> None:
    for position, ch in enumerate(url):
        if ch in STRIPPED_BY_BROWSERS:
            raise BadTarget(f"link target has a tab or line break at {position}: browsers drop them, "
                            "so the link would not go where it reads")
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            raise BadTarget(f"link target has whitespace or an invisible or control character ({ch!r}) at "
                            f"{position}; percent-encode it")


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        _ = parts.port  # urlsplit checks the port only when asked for it
    except ValueError as exc:
        raise BadTarget(f"link target is not a valid URL: {exc}") from None
    return parts


def _refuse_other_readings(url: str, python_host: str) -> None:
    try:
        browser_host = URL(url).hostname
    except ValueError:
        raise BadTarget("link target is not a URL a browser would follow: its host or port does not parse") from None
    if browser_host != _as_browsers_write(python_host):
        raise BadTarget(
            f"a browser reads the host of this link target as {browser_host!r}, Python as {python_host!r}: "
            "browsers take a backslash for '/', decode percent-escapes and read numbers as IP addresses, "
            "so the link would not go where it reads"
        )


def _as_browsers_write(host: str) -> str:
    """Spell `host`, as urlsplit found it, the way a browser serialises the same host."""
    if ":" in host:  # an IPv6 literal, which urlsplit gives without its brackets
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return host
    return host if host.isascii() else idna.encode(host).decode("ascii")
