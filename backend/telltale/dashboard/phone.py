"""Notifications on the phone: this device's Web Push subscription, the user's devices and Apprise
URLs, and a test notification. The installable app's service worker is served from here too.

The page's script (static/phone.js) only subscribes the browser and posts the subscription; the
list, removals and Apprise URLs are plain forms, so everything but the browser's own subscription
works without JavaScript.
"""
from __future__ import annotations

from pathlib import Path

from flask import Response, jsonify, redirect, render_template, request, send_file, url_for
from pydantic import ValidationError

from ..api.push import browser_name
from ..api.schemas import PushSubscriptionIn
from ..notify import phones
from ..services import services
from ..store.models import User
from ..store.push import MAX_SUBSCRIPTIONS, subscriptions_of, unsubscribe
from .signin import signed_in
from .zones import user_zone

SERVICE_WORKER = Path(__file__).parent / "static" / "sw.js"
MAX_APPRISE = 10  # as the API's list allows


@signed_in
def index(user: User, *, tried: list[phones.Tried] | None = None, problem: str | None = None, status: int = 200):
    svc = services()
    with svc.sessions() as db:
        devices = subscriptions_of(db, [user.id])
        apprise = phones.apprise_of(db, svc, user.id)
    return render_template("dashboard/phone.html", user=user, devices=devices, apprise=apprise, tried=tried,
                           problem=problem, zone=user_zone(user), public_key=svc.vapid().public_key,
                           max_devices=MAX_SUBSCRIPTIONS, max_apprise=MAX_APPRISE), status


@signed_in
def add_browser(user: User):
    """The page's script posts this browser's PushSubscription (its toJSON()) here, as JSON."""
    try:
        body = PushSubscriptionIn.model_validate(request.get_json(silent=True) or {})
    except ValidationError as bad:
        where = ".".join(str(part) for part in bad.errors()[0]["loc"])
        return jsonify(problem=f"The browser's subscription is not valid ({where}: {bad.errors()[0]['msg']})"), 422
    svc = services()
    try:
        with svc.sessions.begin() as db:
            row = phones.add_browser(db, svc, user.id, body.endpoint, body.keys.p256dh, body.keys.auth,
                                     body.name or browser_name() or "a browser")
            kept = {"id": row.id, "name": row.name}
    except phones.BadChannel as bad:
        return jsonify(problem=f"This browser's push service cannot be used: {bad.reason}"), 422
    return jsonify(kept), 201


@signed_in
def remove_browser(user: User, subscription_id: int):
    with services().sessions.begin() as db:
        unsubscribe(db, user.id, subscription_id)  # already gone is as good as removed
    return redirect(url_for("dashboard.phone"), code=303)


@signed_in
def add_apprise(user: User):
    url = request.form.get("url", "").strip()
    svc = services()
    with svc.sessions.begin() as db:
        kept = _apprise_urls(db, svc, user.id)
        if url in kept:
            return redirect(url_for("dashboard.phone"), code=303)
        if len(kept) >= MAX_APPRISE:
            problem = f"You have {MAX_APPRISE} Apprise URLs already: remove one first."
        else:
            try:
                phones.set_apprise(db, svc, user.id, [*kept, url])
                return redirect(url_for("dashboard.phone"), code=303)
            except phones.BadChannel as bad:
                problem = f"That Apprise URL cannot be used: {bad.reason}"
    return index(problem=problem, status=422)


@signed_in
def remove_apprise(user: User, channel_id: int):
    svc = services()
    with svc.sessions.begin() as db:
        found = phones.apprise_of(db, svc, user.id)
        # URLs no vault key opens any more go too: nobody can send to them.
        phones.set_apprise(db, svc, user.id, [c.target for c in found if c.id != channel_id and c.target])
    return redirect(url_for("dashboard.phone"), code=303)


@signed_in
def test(user: User):
    svc = services()
    with svc.sessions.begin() as db:
        tried = phones.send_test(db, svc, user.id)
    return index(tried=tried)


def service_worker() -> Response:
    """The service worker, from /app/ so that its scope is the whole dashboard."""
    response = send_file(SERVICE_WORKER, mimetype="text/javascript", max_age=0)
    # Browsers look for a new worker at most daily unless told; this keeps an update prompt.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _apprise_urls(db, svc, user_id: int) -> list[str]:
    return [c.target for c in phones.apprise_of(db, svc, user_id) if c.target]
