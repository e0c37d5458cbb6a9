"""The reading page, `/m/<token>`: what a recipient of a protected message opens.

A GET (or HEAD) shows only what the message is, whose, and a **Show the message** button; the
button POSTs the page's own form back, and only that POST opens the body and records a view. Mail
security gateways (Safe Links, Proofpoint, Mimecast) and chat previews fetch every link in a
message, often before the person sees it, sometimes from a browser with a person's User-Agent, and
none of them submits forms: so a scanner's fetch can neither count as a view, nor start an
expiry counted from the first view, nor see the text. The form carries a nonce signed with the
page's token and time (an hour's life): no cookie, nothing kept between the two requests.

A view is a hit like a pixel's: queued through the same writer (Redis, else the spool) with its
User-Agent, network and prefetch headers, then judged by the worker's classifier, stored once,
counted and published live as a `view`. Only a view the classifier counts (a person's) starts the
after-view clock; a scanner that does press buttons is seen, set apart, and starts nothing.

The page loads nothing from anywhere (CSP: default-src 'none', images only from data: URIs,
its one style block by hash, no script), is not indexed, cached or framed, and sends no Referer
when a reader follows a link in the body. A body that does not open with the server's keys
(altered, moved to another message's row, or a key removed) is never shown half: the page says so.
"""
from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, render_template, request
from markupsafe import Markup

from ..errors import BadToken
from ..queue.writer import HitWriter
from ..services import services
from ..store import protected as protections
from ..store.models import Message, Protection, User
from ..tracking.hits import hit_record
from . import sanitize
from .sealing import SealBroken
from .urls import PREFIX

log = logging.getLogger(__name__)
# How long a served page's Show button works: long enough to read the page, short enough that a
# copied form is of no use later.
NONCE_SECONDS = 3600
STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}"
    "main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem}"
    ".about{color:#444;border-bottom:1px solid #ccc;padding-bottom:1rem;margin-bottom:1.5rem}"
    "button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a4fa0;border-radius:.3rem;background:#1a4fa0;"
    "color:#fff;cursor:pointer}button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}"
    ".body{background:#fff;border:1px solid #ddd;padding:1rem;overflow-wrap:anywhere}"
    ".body img{max-width:100%;height:auto}.notice{font-size:1.15rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; img-src data:; style-src 'sha256-{STYLE_HASH}'; "
    # The body's own style attributes, cleaned of anything that loads (sanitize.py); with img-src
    # data: and nothing else allowed to load, CSS in them can change looks, never fetch.
    "style-src-attr 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class ReadingPages:
    def __init__(self, writer: HitWriter, trusted_proxies: int):
        self._writer, self._trusted = writer, trusted_proxies

    def blueprint(self) -> Blueprint:
        bp = Blueprint("protected", __name__, template_folder="templates")
        bp.add_url_rule(f"{PREFIX}<token>", "page", self.page, methods=["GET"])
        bp.add_url_rule(f"{PREFIX}<token>", "show", self.show, methods=["POST"])
        bp.after_request(_headers)
        return bp

    def page(self, token: str):
        """GET and HEAD: what this is and the Show button; never the body, never a view."""
        found = _look_up(token)
        if isinstance(found, Response):
            return found
        return _render("ask", 200, found, nonce=services().signer.view_nonce(token))

    def show(self, token: str):
        """POST from the Show button: open the body, record the view, show it."""
        found = _look_up(token)
        if isinstance(found, Response):
            return found
        svc = services()
        try:
            svc.signer.verify_view_nonce(token, request.form.get("nonce", ""), NONCE_SECONDS)
        except BadToken:
            return _render("ask", 400, found, nonce=svc.signer.view_nonce(token), stale=True)
        message_id = found.message.id
        with svc.sessions() as session:
            sealed = protections.sealed_body(session, message_id)
        if sealed is None:
            # Withdrawn or expired since the look-up a moment ago: say so, as the next request would.
            again = _look_up(token)
            if isinstance(again, Response):
                return again
        try:
            if sealed is None:
                raise SealBroken("the body is not stored")
            html = svc.content_keys().open(message_id, sealed).decode("utf-8")
        except (SealBroken, UnicodeDecodeError) as broken:
            log.warning("protected message %d cannot be shown: %s", message_id, broken)
            return _render("broken", 503, found)
        # Stored or not, the reader gets the message: a view is never held hostage to our storage
        # (the writer has counted and reported one it could not keep).
        self._writer.write(hit_record(request.environ, "view", message_id, self._trusted, recipient=found.recipient))
        # Cleaned again on the way out: a rule added since also covers bodies stored before it.
        return _render("show", 200, found, body=Markup(sanitize.clean_stored(html)))


def init_app(app: Flask, writer: HitWriter) -> None:
    """Serve /m/<token>; its form is exempt from the dashboard's CSRF check, having no session to tie it to."""
    svc = app.extensions["telltale"]
    bp = ReadingPages(writer, svc.settings.trusted_proxies).blueprint()
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)


@dataclass(frozen=True)
class Found:
    """What a valid reading URL leads to."""

    token: str
    message: Message
    protection: Protection
    sender: str
    recipient: int | None
    since: datetime | None = None


def _look_up(token: str) -> Found | Response:
    """The message its token names, or the page that says why it cannot be read."""
    svc = services()
    try:
        claim = svc.signer.verify_protected(token)
    except BadToken:
        return _render("missing", 404)
    now = datetime.now(UTC)
    with svc.sessions.begin() as session:
        message = session.get(Message, claim.message_id)
        protection = protections.protection_of(session, claim.message_id) if message is not None else None
        if protection is None or (claim.recipient is not None and claim.recipient >= len(message.recipients)):
            return _render("missing", 404)
        user = session.get(User, message.user_id)
        sender = message.account or (user.email if user else "the sender")
        standing = protections.standing(protection, now)
        found = Found(token, message, protection, sender, claim.recipient, standing.since)
        if standing.state == "expired":
            # Lazily, on the first request after expiry; the worker's purge catches the rest.
            protections.delete_body(session, message.id)
        if standing.state != "available":
            return _render(standing.state, 410, found)
        if protections.is_revoked(session, message.id, claim.recipient):
            return _render("revoked", 410, found)
        return found


def _render(which: str, status: int, found: Found | None = None, **facts) -> Response:
    ends_at = protections.ends_at(found.protection) if found is not None else None
    page = render_template("protected/page.html", which=which, found=found, style=Markup(STYLE), ends_at=ends_at,
                           **facts)
    return Response(page, status=status, mimetype="text/html")


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response
