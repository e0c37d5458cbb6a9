"""Team: an owner invites members by link; managers see each member's figures, never their mail unless shared."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, redirect, render_template, request, url_for

from ..api.messages import READING_LABELS
from ..services import services
from ..store import messages as message_queries
from ..store import teams
from ..store.models import User
from .signin import signed_in

PERIODS = (7, 30, 90)
MAX_NAME = 120


@signed_in
def index(user: User):
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else 30
    until = datetime.now(UTC)
    with services().sessions() as db:
        found = teams.membership(db, user.id)
        if found is None:
            return render_template("dashboard/team_none.html", user=user)
        team, me = found
        people = teams.members(db, team.id)
        managing = me.role in teams.MANAGING
        shown = [member.user_id for member, _ in people] if managing else [user.id]
        figures = teams.figures(db, shown, until - timedelta(days=days), until)
        invites = teams.pending_invites(db, team.id) if managing else []
    return render_template("dashboard/team.html", user=user, team=team, me=me, people=people, managing=managing,
                           figures=figures, invites=invites, days=days, periods=PERIODS, reading=READING_LABELS,
                           new_link=request.args.get("invited"))


@signed_in
def create(user: User):
    name = request.form.get("name", "").strip()
    if not name or len(name) > MAX_NAME:
        abort(400, f"a team's name is 1 to {MAX_NAME} characters")
    with services().sessions.begin() as db:
        if teams.membership(db, user.id) is not None:
            abort(409, "you are in a team already: leave it first")
        teams.create_team(db, user.id, name)
    return redirect(url_for("dashboard.team"), code=303)


@signed_in
def invite(user: User):
    role = request.form.get("role")
    if role not in ("manager", "member"):
        abort(400, "invite a 'manager' or a 'member'")
    with services().sessions.begin() as db:
        team, _ = _managed(db, user)
        secret = teams.invite(db, team.id, role)
    link = f"{services().settings.public_url}{url_for('dashboard.join', secret=secret)}"
    # Shown once, on the page the owner lands on: only its digest is kept.
    return render_template("dashboard/team_invited.html", user=user, link=link, role=role,
                           days=teams.INVITE_DAYS)


@signed_in
def revoke_invite(user: User, invite_id: int):
    with services().sessions.begin() as db:
        team, _ = _managed(db, user)
        if not teams.revoke_invite(db, team.id, invite_id):
            abort(404)
    return redirect(url_for("dashboard.team"), code=303)


@signed_in
def join(user: User, secret: str):
    """GET shows what joining means; POST joins, and spends the invitation."""
    with services().sessions.begin() as db:
        found = teams.find_invite(db, secret)
        if found is None:
            return render_template("dashboard/team_join.html", user=user, problem="This invitation was used, "
                                   "revoked or has expired; ask for a new one."), 404
        invitation, team = found
        if request.method == "GET":
            return render_template("dashboard/team_join.html", user=user, team=team, role=invitation.role)
        if teams.membership(db, user.id) is not None:
            abort(409, "you are in a team already: leave it first")
        teams.accept(db, invitation, user.id)
    return redirect(url_for("dashboard.team"), code=303)


@signed_in
def remove(user: User, member_id: int):
    with services().sessions.begin() as db:
        team, _ = _managed(db, user)
        if not teams.remove_member(db, team.id, member_id):
            abort(404)
    return redirect(url_for("dashboard.team"), code=303)


@signed_in
def leave(user: User):
    with services().sessions.begin() as db:
        team, me = _member_of(db, user)
        if me.role == "owner":
            teams.delete_team(db, team.id)  # an owner leaving ends the team for everyone, as the page says
        else:
            teams.remove_member(db, team.id, user.id)
    return redirect(url_for("dashboard.team"), code=303)


@signed_in
def sharing(user: User):
    with services().sessions.begin() as db:
        _, me = _member_of(db, user)
        me.shares_messages = request.form.get("value") == "on"
    return redirect(url_for("dashboard.team"), code=303)


@signed_in
def member_messages(user: User, member_id: int):
    """A member's messages, for the team's managers, only while that member shares them."""
    with services().sessions() as db:
        team, _ = _managed(db, user)
        member = next(((m, email) for m, email in teams.members(db, team.id) if m.user_id == member_id), None)
        if member is None:
            abort(404)
        if not member[0].shares_messages:
            return render_template("dashboard/team_private.html", user=user, email=member[1]), 403
        listed = message_queries.page_of_messages(db, member_id, limit=50, before=None, tag=None, state=None)
        rows = [(m.subject or "(no subject)", m.recipients, m.sent_at, message_queries.state_of(m), m.opens,
                 m.clicks, m.replies) for m in listed]
    return render_template("dashboard/team_member.html", user=user, email=member[1], rows=rows)


def _member_of(db, user: User):
    """The user's team and their membership of it; 404 when they are in no team."""
    found = teams.membership(db, user.id)
    if found is None:
        abort(404)
    return found


def _managed(db, user: User):
    """The team the user owns or manages, and their membership of it; 403 otherwise, in no team included."""
    found = teams.membership(db, user.id)
    if found is None or found[1].role not in teams.MANAGING:
        abort(403, "only the team's owner and managers can do this")
    return found
