"""The web dashboard at /app: server-rendered pages over the same store the API reads.

Server-rendered because every page is a list or a table that the server already knows how to
query; a single-page app would add a build, a second router and an API for each view, and gain
nothing a form and a link do not do.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect

from ..keyring import load_or_create_keys
from ..services import Services
from . import best_time, export, messages, pages, phone, privacy, recipients, reports, team
from . import receipts as receipt_pages
from .signin import EXTENSION_KEY, LoginLinks

SESSION_DAYS = 14


def init_app(app: Flask, svc: Services, *, exempt: list[Blueprint]) -> None:
    """Add the dashboard, its session cookie and CSRF protection on every form but the API's."""
    keys = load_or_create_keys(svc.settings.keys_file)
    # The newest key signs the session cookie; older ones still read it (Flask's fallbacks).
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = keys[-1], keys[:-1]
    app.config.update(
        SESSION_COOKIE_NAME="telltale_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=svc.settings.public_url.startswith("https:"),
        PERMANENT_SESSION_LIFETIME=timedelta(days=SESSION_DAYS),
        # A form may sit open in a tab for a day; the token is still tied to the session.
        WTF_CSRF_TIME_LIMIT=24 * 3600,
    )
    csrf = CSRFProtect(app)
    for other in exempt:
        csrf.exempt(other)  # the API authenticates each call with a bearer token, not a cookie
    app.extensions[EXTENSION_KEY] = LoginLinks(keys, svc.redis, svc.settings.public_url)
    app.register_blueprint(blueprint())


def blueprint() -> Blueprint:
    bp = Blueprint("dashboard", __name__, url_prefix="/app", template_folder="templates",
                   static_folder="static", static_url_path="/static")
    bp.add_url_rule("", "home", pages.home)
    bp.add_url_rule("/signin", "signin", pages.signin)
    bp.add_url_rule("/signin/<provider>", "provider_signin", pages.provider_signin, methods=["POST"])
    bp.add_url_rule("/login/<token>", "login", pages.login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", pages.logout, methods=["POST"])
    bp.add_url_rule("/messages", "messages", messages.index)
    bp.add_url_rule("/messages/<int:message_id>", "message", messages.show)
    bp.add_url_rule("/messages/<int:message_id>/switch", "switch", messages.switch, methods=["POST"])
    bp.add_url_rule("/messages/<int:message_id>/tags", "tags", messages.tags, methods=["POST"])
    bp.add_url_rule("/messages/<int:message_id>/delete", "delete", messages.delete, methods=["POST"])
    bp.add_url_rule("/messages/<int:message_id>/withdraw", "withdraw", messages.withdraw, methods=["POST"])
    bp.add_url_rule("/messages/<int:message_id>/recipients/<int:index>/revoke", "revoke", messages.revoke,
                    methods=["POST"])
    bp.add_url_rule("/messages/<int:message_id>/receipt", "receipt", receipt_pages.page)
    bp.add_url_rule("/messages/<int:message_id>/receipt.json", "receipt_json", receipt_pages.download)
    bp.add_url_rule("/recipients", "recipients", recipients.index)
    bp.add_url_rule("/recipients/<path:address>", "recipient", recipients.show)
    bp.add_url_rule("/best-time", "best_time", best_time.index)
    bp.add_url_rule("/reports", "reports", reports.index)
    bp.add_url_rule("/export/messages.csv", "export_messages", export.messages_csv)
    bp.add_url_rule("/export/events.csv", "export_events", export.events_csv)
    bp.add_url_rule("/team", "team", team.index)
    bp.add_url_rule("/team", "team_create", team.create, methods=["POST"])
    bp.add_url_rule("/team/invites", "team_invite", team.invite, methods=["POST"])
    bp.add_url_rule("/team/invites/<int:invite_id>/revoke", "team_revoke", team.revoke_invite, methods=["POST"])
    bp.add_url_rule("/team/join/<secret>", "join", team.join, methods=["GET", "POST"])
    bp.add_url_rule("/team/members/<int:member_id>", "team_member", team.member_messages)
    bp.add_url_rule("/team/members/<int:member_id>/remove", "team_remove", team.remove, methods=["POST"])
    bp.add_url_rule("/team/leave", "team_leave", team.leave, methods=["POST"])
    bp.add_url_rule("/team/sharing", "team_sharing", team.sharing, methods=["POST"])
    bp.add_url_rule("/privacy", "privacy", privacy.index)
    bp.add_url_rule("/privacy", "privacy_change", privacy.change, methods=["POST"])
    bp.add_url_rule("/privacy/delete", "privacy_delete", privacy.delete, methods=["POST"])
    bp.add_url_rule("/export/all.json", "export_json", privacy.export_json)
    bp.add_url_rule("/phone", "phone", phone.index)
    bp.add_url_rule("/phone/browsers", "phone_add_browser", phone.add_browser, methods=["POST"])
    bp.add_url_rule("/phone/browsers/<int:subscription_id>/remove", "phone_remove_browser", phone.remove_browser,
                    methods=["POST"])
    bp.add_url_rule("/phone/apprise", "phone_add_apprise", phone.add_apprise, methods=["POST"])
    bp.add_url_rule("/phone/apprise/<int:channel_id>/remove", "phone_remove_apprise", phone.remove_apprise,
                    methods=["POST"])
    bp.add_url_rule("/phone/test", "phone_test", phone.test, methods=["POST"])
    bp.add_url_rule("/sw.js", "service_worker", phone.service_worker)
    bp.after_request(pages.page_headers)
    return bp
