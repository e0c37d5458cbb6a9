"""Signing in and out, and what every dashboard page carries.

Besides one-time links, a person signs in with Google or Microsoft when the owner set either up:
the accounts package runs the OAuth flow (and links the mailbox, as its own sign-in does), and its
callback hands back here to start the session.
"""
from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..accounts import linking
from ..accounts import pages as account_pages
from ..services import services
from .signin import LinkRefused, current_user, login_links, start_session

PROBLEM = "problem"  # the flash category of a sign-in that failed
# Pages load only what the server sends; forms post only back to it. Scripts only from files it
# serves (the reports' chart bundle): no inline script, so chart data travels as JSON, not code.
# The phone page's script posts its subscription back (connect-src) and registers the service worker
# (worker-src); the manifest makes the dashboard installable (manifest-src).
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
                           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def home():
    return redirect(url_for("dashboard.messages"), code=303)


def signin():
    next_path = _safe_next(request.args.get("next"))
    if current_user() is not None:
        return redirect(next_path or url_for("dashboard.messages"), code=303)
    # A provider's sign-in that failed comes back here with its reason (provider_refused).
    return _signin_page(next(iter(get_flashed_messages(category_filter=[PROBLEM])), None), next_path)


def provider_signin(provider: str):
    """POST (with the form's CSRF token) sends the browser to Google or Microsoft to sign in."""
    if provider not in linking.PROVIDERS:
        abort(404)
    next_path = _safe_next(request.form.get("next"))
    if linking.app_for(services(), provider) is None:
        problem = f"Sign in with {linking.NAMES[provider]} is not set up on this server."
        return _signin_page(problem, next_path, 409)
    return account_pages.begin(provider, None, purpose=linking.DASHBOARD, next_path=next_path)


def provider_signed_in(outcome: linking.Outcome) -> Response:
    """End a dashboard sign-in with a provider (the accounts callback calls this once it is done)."""
    start_session(outcome.user_id)
    # Checked again on the way out: the flow kept what the form sent.
    return redirect(_safe_next(outcome.next_path) or url_for("dashboard.messages"), code=303)


def provider_refused(reason: str, next_path: str | None) -> Response:
    """Back to the sign-in page, which says why; the reason travels in the session, not the URL,
    so nobody can put words of their own on this site's page with a crafted link."""
    flash(reason, PROBLEM)
    return redirect(url_for("dashboard.signin", next=_safe_next(next_path)), code=303)


def login(token: str):
    """GET shows a button; POST (with the form's CSRF token) spends the link and signs in."""
    links = login_links()
    try:
        if request.method == "GET":
            links.check(token)
            return render_template("dashboard/login.html", next=_safe_next(request.args.get("next")))
        user_id = links.redeem(token)
    except LinkRefused as refused:
        return _signin_page(str(refused), None, 400)
    start_session(user_id)
    return redirect(_safe_next(request.form.get("next")) or url_for("dashboard.messages"), code=303)


def logout():
    session.clear()
    return redirect(url_for("dashboard.signin"), code=303)


def page_headers(response: Response) -> Response:
    # A page may widen the policy for itself (the sign-in page's forms lead to the providers).
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # Pages hold subjects and recipients: no shared cache keeps them, and no search engine lists them.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _signin_page(problem: str | None, next_path: str | None, status: int = 200) -> Response:
    svc = services()
    providers = [(p, linking.NAMES[p]) for p in linking.PROVIDERS if linking.app_for(svc, p) is not None]
    response = make_response(render_template("dashboard/signin.html", problem=problem, next=next_path,
                                             providers=providers), status)
    # Browsers hold a form's redirects to form-action too, so the providers' sign-in pages are
    # allowed here: a 303 to them would be blocked otherwise (w3c/webappsec-csp#8).
    origins = " ".join(linking.authorization_origin(svc, p) for p, _ in providers)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origins}".rstrip())
    return response


def _safe_next(target: str | None) -> str | None:
    """A path inside the dashboard, or None: a sign-in never sends anyone off this site."""
    if target and target.startswith("/app/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
