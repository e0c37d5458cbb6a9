"""The privacy page: how long data is kept, the opt-out footer's defaults, the JSON export, and
deleting the account. Plain forms: it all works without JavaScript."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, session, stream_with_context, url_for

from ..accounts.deletion import delete_user
from ..data_export import json_export
from ..retention import kept_since
from ..services import services
from ..store.models import User
from .signin import signed_in
from .zones import user_zone

LANGUAGES = {"en": "English", "es": "Español", "de": "Deutsch"}
MAX_WORDING = 300


@signed_in
def index(user: User, *, problem: str | None = None, saved: bool = False, status: int = 200):
    settings = services().settings
    return render_template("dashboard/privacy.html", user=user, problem=problem, saved=saved, zone=user_zone(user),
                           kept_since=kept_since(user, settings), longest=settings.retention_days,
                           full_ip=settings.store_full_ip, ip_hours=settings.full_ip_retention_hours,
                           languages=LANGUAGES), status


@signed_in
def change(user: User):
    form = request.form
    longest = services().settings.retention_days
    days = form.get("retention_days", "").strip()
    if days and (not days.isdigit() or not 1 <= int(days) <= longest):
        return index(problem=f"Keep data for 1 to {longest} days, or leave the field empty for {longest}.", status=422)
    language = form.get("optout_language", "en")
    if language not in LANGUAGES:
        return index(problem="Choose English, Spanish or German for the footer.", status=422)
    wording = form.get("optout_wording", "").strip()
    if len(wording) > MAX_WORDING:
        return index(problem=f"The footer's sentence may be at most {MAX_WORDING} characters.", status=422)
    with services().sessions.begin() as db:
        row = db.get(User, user.id)
        row.retention_days = int(days) if days else None
        row.optout_footer = form.get("optout_footer") == "on"
        row.optout_language = language
        row.optout_wording = wording or None
    return redirect(url_for("dashboard.privacy", saved=1), code=303)


@signed_in
def export_json(user: User):
    response = Response(stream_with_context(json_export(services(), user.id)), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="telltale-export.json"'
    return response


@signed_in
def delete(user: User):
    if request.form.get("confirm", "").strip().lower() != user.email.lower():
        return index(problem="To delete your account, type its email address exactly.", status=422)
    done = delete_user(services(), user.id)
    session.clear()
    return render_template("dashboard/deleted.html", user=None, done=done)
