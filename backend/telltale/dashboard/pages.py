"""Signing in and out, and what every dashboard page carries."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, session, url_for

from .signin import LinkRefused, current_user, login_links, start_session

# Pages load only what the server sends; forms post only back to it. Scripts only from files it
# serves (the reports' chart bundle): no inline script, so chart data travels as JSON, not code.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def home():
    return redirect(url_for("dashboard.messages"), code=303)


def signin():
    if current_user() is not None:
        return redirect(url_for("dashboard.messages"), code=303)
    return render_template("dashboard/signin.html")


def login(token: str):
    """GET shows a button; POST (with the form's CSRF token) spends the link and signs in."""
    links = login_links()
    try:
        if request.method == "GET":
            links.check(token)
            return render_template("dashboard/login.html", next=_safe_next(request.args.get("next")))
        user_id = links.redeem(token)
    except LinkRefused as refused:
        return render_template("dashboard/signin.html", problem=str(refused)), 400
    start_session(user_id)
    return redirect(_safe_next(request.form.get("next")) or url_for("dashboard.messages"), code=303)


def logout():
    session.clear()
    return redirect(url_for("dashboard.signin"), code=303)


def page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    # Pages hold subjects and recipients: no shared cache keeps them, and no search engine lists them.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _safe_next(target: str | None) -> str | None:
    """A path inside the dashboard, or None: a sign-in never sends anyone off this site."""
    if target and target.startswith("/app/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
