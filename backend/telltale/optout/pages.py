"""The opt-out page, `/o/<token>`: where a recipient declines the sender's tracking.

A GET (or HEAD) only explains and shows a **Don't track me** button; the button POSTs the page's
own form back, and only that POST records anything. Mail security gateways (Safe Links,
Proofpoint, Mimecast) and chat previews fetch every link in a message, sometimes with a
browser's User-Agent, and none of them submits forms: a scanner's GET must never decline on the
recipient's behalf.

No CSRF token: the capability is the signed URL itself, which only the mail's recipients have;
the POST proves a person pressed the button, which is all a form token would add here, and there
is no session to tie one to. The page loads nothing (CSP: default-src 'none', its one style block
by hash, no script) and works without JavaScript.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, render_template, request
from markupsafe import Markup

from ..errors import BadToken
from ..services import services
from ..store import optouts
from ..store.models import Message, User
from .hashing import normalized
from .urls import PREFIX
from .wording import NAMES, WORDS, language

# An address is at most 320 characters (RFC 5321's 64 + 1 + 255); anything longer is not one.
MAX_ADDRESS = 320
STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}"
    "main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}nav{font-size:.9rem;color:#444}"
    "button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a4fa0;border-radius:.3rem;background:#1a4fa0;"
    "color:#fff;cursor:pointer}button:focus-visible,input:focus-visible{outline:3px solid #f0b400;outline-offset:2px}"
    "label{display:block;margin:1rem 0 .3rem;font-weight:600}input{font:inherit;padding:.4rem;width:100%;"
    "max-width:24rem;box-sizing:border-box}.problem{color:#a00000;font-weight:600}.notice{font-size:1.15rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Found:
    """What a valid opt-out URL leads to."""

    token: str
    message_id: int
    user_id: int
    recipients: list[str]
    declined: frozenset[int]
    sender: str
    recipient: int | None  # None: the mail went to several people and the URL does not say which
    lang: str


def blueprint() -> Blueprint:
    bp = Blueprint("optout", __name__, template_folder="templates")
    bp.add_url_rule(f"{PREFIX}<token>", "page", page, methods=["GET"])
    bp.add_url_rule(f"{PREFIX}<token>", "decline", decline, methods=["POST"])
    bp.after_request(_headers)
    return bp


def init_app(app: Flask) -> None:
    """Serve /o/<token>; its form is exempt from the dashboard's CSRF check (see the module's docstring)."""
    bp = blueprint()
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)


def page(token: str):
    """GET and HEAD: what declining does, and the button; never records anything."""
    found = _look_up(token)
    if isinstance(found, Response):
        return found
    if found.recipient in found.declined:
        return _render("done", 200, found)
    return _render("ask", 200, found)


def decline(token: str):
    """POST from the button: keep the recipient's opt-out, mark the sender's messages to them, confirm."""
    found = _look_up(token)
    if isinstance(found, Response):
        return found
    index = found.recipient
    if index is None:
        given = request.form.get("address", "")[:MAX_ADDRESS]
        index = _recipient_named(found.recipients, given)
        if index is None:
            # Never say who it was sent to: whoever holds the URL might not be one of them.
            return _render("ask", 400, found, problem=True, given=given)
    svc = services()
    with svc.sessions.begin() as session:
        optouts.record(session, found.user_id, found.recipients[index], svc.optout_hasher(), datetime.now(UTC))
    return _render("done", 200, found)


def _look_up(token: str) -> Found | Response:
    """The message its token names, or the page that says why there is nothing to decline."""
    svc = services()
    asked = request.args.get("lang")
    try:
        claim = svc.signer.verify_optout(token)
    except BadToken:
        return _render("missing", 404, lang=language(asked))
    with svc.sessions() as session:
        message = session.get(Message, claim.message_id)
        if message is None:
            return _render("gone", 410, lang=language(asked))
        recipients = list(message.recipients or ())
        if claim.recipient is not None and claim.recipient >= len(recipients):
            return _render("missing", 404, lang=language(asked))
        user = session.get(User, message.user_id)
        recipient = claim.recipient if claim.recipient is not None or len(recipients) != 1 else 0
        return Found(token, message.id, message.user_id, recipients, frozenset(message.declined_recipients or ()),
                     message.account or user.email, recipient, language(asked, user.optout_language))


def _recipient_named(recipients: list[str], given: str) -> int | None:
    wanted = normalized(given)
    return next((i for i, address in enumerate(recipients) if wanted and normalized(address) == wanted), None)


def _render(which: str, status: int, found: Found | None = None, *, lang: str | None = None, **facts) -> Response:
    lang = found.lang if found is not None else lang
    html = render_template("optout/page.html", which=which, found=found, lang=lang, words=WORDS[lang],
                           languages=NAMES, style=Markup(STYLE), **facts)
    return Response(html, status=status, mimetype="text/html")


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response
