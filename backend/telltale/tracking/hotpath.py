"""WSGI middleware that answers the tracking URLs before Flask's routing.

`/p/<token>.gif` is the open pixel, `/l/<token>` a link; `/r/<token>.gif` is the reading chain
and `/f/<token>.gif` the forward image, both signed with the pixel's token.
Verify, hand one record to the writer, answer: no SQL, no parsing, no Flask request object.
Everything else goes to the Flask app underneath.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import quote

from ..errors import BadToken
from ..queue.writer import HitWriter
from ..url_tokens import TokenSigner
from ..web_headers import CONTENT_SECURITY_POLICY
from .hits import hit_record

# The smallest well-formed transparent 1x1 GIF89a: 43 bytes.
PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_CACHE = [
    ("Cache-Control", "no-store, no-cache, must-revalidate, private, max-age=0"),
    ("Pragma", "no-cache"),
    ("Expires", "0"),
]
PIXEL_HEADERS = [("Content-Type", "image/gif"), ("Content-Length", str(len(PIXEL_GIF))), *NO_CACHE]
# The image is served even when its hit could be neither queued nor spooled, but not as a success:
# a client that retries later (an image proxy does) gets another chance to be counted.
UNSTORED_STATUS = "503 Service Unavailable"
UNSTORED_HEADERS = [*PIXEL_HEADERS, ("Retry-After", "60")]


def _page_headers(page: bytes) -> list[tuple[str, str]]:
    return [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(page))),
        ("X-Content-Type-Options", "nosniff"),
        # The page loads nothing: no script or style may run in it, and no site may frame it.
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        *NO_CACHE,
    ]


NOT_FOUND_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Link not found</title>"
    b"<p>This link is not valid. It may have been altered or copied incompletely.</p>\n"
)
NOT_FOUND_HEADERS = _page_headers(NOT_FOUND_PAGE)
GONE_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Message deleted</title>"
    b"<p>This link belonged to a message its sender has since deleted, so it no longer leads anywhere.</p>\n"
)
GONE_HEADERS = _page_headers(GONE_PAGE)
ALLOWED = {"GET", "HEAD"}
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


class HotPath:
    # Header lists answered unchanged to every request of their kind (tracking/gunicorn_worker.py caches them).
    CONSTANT_HEADERS = (PIXEL_HEADERS, UNSTORED_HEADERS, NOT_FOUND_HEADERS, GONE_HEADERS)

    def __init__(self, app, signer: TokenSigner, writer: HitWriter, trusted_proxies: int,
                 reading_marks: Sequence[float] = (1.0, 3.0, 9.0)):
        self.app = app
        self._signer = signer
        self._writer = writer
        self._trusted = trusted_proxies
        # How long to hold each hop of the reading chain before sending the client to the next.
        self._waits = [later - earlier for earlier, later in zip((0.0, *reading_marks[:-1]), reading_marks, strict=True)]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/p/"):
            return self._image(environ, start_response, path[3:], "open")
        if path.startswith("/l/"):
            return self._link(environ, start_response, path[3:])
        if path.startswith("/r/"):
            return self._reading(environ, start_response, path[3:])
        if path.startswith("/f/"):
            # An image only forward markup shows (Outlook's and Thunderbird's forward headers).
            return self._image(environ, start_response, path[3:], "forward")
        return self.app(environ, start_response)

    def _image(self, environ, start_response, token: str, kind: str):
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ALLOWED:
            return _not_allowed(start_response)
        try:
            claim = self._signer.verify_pixel(token.removesuffix(".gif"))
        except BadToken:
            self._writer.count_forged()
            start_response("200 OK", PIXEL_HEADERS)
        else:
            if self._writer.write(hit_record(environ, kind, claim.message_id, self._trusted, recipient=claim.recipient)):
                start_response("200 OK", PIXEL_HEADERS)
            else:
                start_response(UNSTORED_STATUS, UNSTORED_HEADERS)
        return [] if method == "HEAD" else [PIXEL_GIF]

    def _reading(self, environ, start_response, token: str):
        """Hold the image a while, then send the client on to the next hop: each hop it asks for
        says the message is still open on its screen. Closing the message drops the request."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ALLOWED:
            return _not_allowed(start_response)
        token = token.removesuffix(".gif")
        try:
            claim = self._signer.verify_pixel(token)
            hop = environ.get("QUERY_STRING", "").removeprefix("s=")
            step = self._signer.verify_reading_hop(token, hop) if hop else 0
        except BadToken:
            self._writer.count_forged()
            step = len(self._waits)
        else:
            if step > len(self._waits):
                step = len(self._waits)
            elif step and not self._writer.write(
                hit_record(environ, "read", claim.message_id, self._trusted, recipient=claim.recipient, step=step)
            ):
                # Neither queued nor spooled: the chain ends here, and not with a success.
                start_response(UNSTORED_STATUS, UNSTORED_HEADERS)
                return [] if method == "HEAD" else [PIXEL_GIF]
        if method == "HEAD" or step == len(self._waits):
            start_response("200 OK", PIXEL_HEADERS)
            return [] if method == "HEAD" else [PIXEL_GIF]
        time.sleep(self._waits[step])  # a greenlet under gevent: holding costs a socket, not a thread
        # Relative to this URL, so it works under whatever prefix a reverse proxy serves us at.
        location = f"{token}.gif?s={self._signer.reading_hop(token, step + 1)}"
        start_response("302 Found", [("Location", location), ("Content-Length", "0"), *NO_CACHE])
        return []

    def _link(self, environ, start_response, token: str):
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ALLOWED:
            return _not_allowed(start_response)
        try:
            claim = self._signer.verify_link(token)
        except BadToken:
            self._writer.count_forged()
            start_response("404 Not Found", NOT_FOUND_HEADERS)
            return [] if method == "HEAD" else [NOT_FOUND_PAGE]
        # The writer also says whether the message was deleted (gone.py): then its links stop
        # redirecting, and the click was not kept.
        _, gone = self._writer.write_click(
            hit_record(environ, "click", claim.message_id, self._trusted, link_index=claim.link_index,
                       url=claim.target),
            claim.message_id,
        )
        if gone:
            start_response("410 Gone", GONE_HEADERS)
            return [] if method == "HEAD" else [GONE_PAGE]
        # Stored or not, the recipient goes where the link says: a click is never held hostage
        # to our storage; the writer has counted and reported a hit it could not keep.
        # The signed target is the only place we ever redirect to; no-referrer keeps the
        # recipient's click from telling the target site about our tracking URL.
        start_response(
            "302 Found",
            [("Location", _location(claim.target)), ("Content-Length", "0"), ("Referrer-Policy", "no-referrer"), *NO_CACHE],
        )
        return []


def _location(target: str) -> str:
    # Header values travel as latin-1: percent-encode non-ASCII (an IRI) as browsers do.
    return target if target.isascii() else quote(target, safe=_URL_SAFE)


def _not_allowed(start_response):
    start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
    return []
