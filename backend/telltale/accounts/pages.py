"""The small server-rendered pages of linking and signing in: /accounts/...

No JavaScript and no third-party resource: a page that handles OAuth codes gives nothing else a
chance to read them.

The dashboard starts its own sign-ins (begin, with purpose "dashboard"); they come back to the
same callback, which then hands the person to the dashboard instead of showing a pairing code.
"""
from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request

from ..replies.mailbox import LinkFailed
from ..services import services
from . import linking

STATE_COOKIE = "telltale_oauth_state"


def blueprint() -> Blueprint:
    bp = Blueprint("accounts", __name__, url_prefix="/accounts", template_folder="templates")
    bp.add_url_rule("", "index", index)
    bp.add_url_rule("/signin/<provider>", "signin", sign_in)
    bp.add_url_rule("/link/<provider>", "link", link)
    bp.add_url_rule("/callback/<provider>", "callback", callback)
    bp.after_request(_no_store)
    return bp


def index():
    svc = services()
    providers = [(p, linking.NAMES[p], linking.app_for(svc, p) is not None, linking.SETTINGS[p])
                 for p in linking.PROVIDERS]
    return render_template("accounts/index.html", providers=providers,
                           redirects={p: _redirect_uri(p) for p in linking.PROVIDERS})


def sign_in(provider: str):
    _configured(provider)
    return begin(provider, None)


def link(provider: str):
    _configured(provider)
    try:
        user_id = linking.redeem_ticket(services(), request.args.get("ticket", ""), provider)
    except LinkFailed as exc:
        return _failed(provider, exc, 400)
    return begin(provider, user_id)


def callback(provider: str):
    _configured(provider)
    svc = services()
    try:
        outcome = linking.finish(svc, provider, _redirect_uri(provider), request.args.to_dict(),
                                 request.cookies.get(STATE_COOKIE))
    except linking.DashboardSignInFailed as exc:
        return _dashboard().provider_refused(str(exc), exc.next_path)
    except LinkFailed as exc:
        return _failed(provider, exc, 400)
    if outcome.purpose == linking.DASHBOARD:
        response = _dashboard().provider_signed_in(outcome)
    else:
        response = _page(render_template("accounts/done.html", outcome=outcome, name=linking.NAMES[provider],
                                         pairing_minutes=svc.settings.pairing_ttl_seconds // 60))
    response.delete_cookie(STATE_COOKIE, path="/accounts/callback")
    return response


def begin(provider: str, user_id: int | None, *, purpose: str = linking.EXTENSION, next_path: str | None = None):
    """Send the browser to the provider, with the flow's state in a cookie only this browser sends back."""
    url, state = linking.start(services(), provider, _redirect_uri(provider), user_id,
                               purpose=purpose, next_path=next_path)
    response = redirect(url, code=303)
    # Lax: the browser sends it on the provider's top-level redirect back here, and on nothing cross-site else.
    response.set_cookie(STATE_COOKIE, state, max_age=linking.FLOW_SECONDS, path="/accounts/callback",
                        httponly=True, samesite="Lax", secure=services().settings.public_url.startswith("https:"))
    return response


def _dashboard():
    # Imported when a dashboard sign-in ends, not with this module: the dashboard imports this
    # module to start its sign-ins, and a cycle at import time would break whichever loads first.
    from ..dashboard import pages as dashboard_pages

    return dashboard_pages


def _configured(provider: str) -> None:
    if provider not in linking.PROVIDERS:
        abort(404)
    if linking.app_for(services(), provider) is None:
        abort(_page(render_template("accounts/missing.html", name=linking.NAMES[provider],
                                    settings=linking.SETTINGS[provider], redirect_uri=_redirect_uri(provider)), 409))


def _failed(provider: str, exc: LinkFailed, status: int):
    return _page(render_template("accounts/failed.html", name=linking.NAMES[provider], reason=str(exc)), status)


def _redirect_uri(provider: str) -> str:
    return f"{services().settings.public_url}/accounts/callback/{provider}"


def _page(html: str, status: int = 200):
    return make_response(html, status)


def _no_store(response):
    # These pages carry codes and pairing codes: keep them out of caches and other sites' frames.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
