"""Messages: search and filter them, read one's timeline, switch its tracking, tag or delete it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import abort, redirect, render_template, request, url_for

from ..api.messages import READING_LABELS
from ..counting import counts
from ..gone import mark_gone_on_commit
from ..live.events import place
from ..services import services
from ..store import messages as queries
from ..store import protected as protections
from ..store.models import Event, Message, User
from .signin import signed_in

PAGE_SIZE = 50
MAX_QUERY = 200
MAX_TAG = 64
SWITCHES = ("tracking", "notify")


class BadFilter(ValueError):
    """A filter the page cannot apply; the message names the value."""


@dataclass(frozen=True)
class Filters:
    text: str = ""
    state: str | None = None
    tag: str | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = None

    def args(self, **changes) -> dict:
        """The query string of these filters, with `changes`, for links to other pages of the list."""
        values = {"q": self.text, "state": self.state, "tag": self.tag, "since": self.since, "until": self.until,
                  "before": self.before} | changes
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


@signed_in
def index(user: User):
    try:
        filters = _filters(request.args)
    except BadFilter as bad:
        return _render_list(user, Filters(), [], None, problem=str(bad)), 400
    zone = _zone(user)
    with services().sessions() as db:
        rows = queries.page_of_messages(
            db, user.id, limit=PAGE_SIZE + 1, before=filters.before, tag=filters.tag, state=filters.state,
            text=filters.text or None, sent_since=_start_of(filters.since, zone),
            sent_until=_start_of(filters.until and filters.until + timedelta(days=1), zone),
        )
        tags = queries.tags_of_user(db, user.id)
        listed = [_summary(message, zone) for message in rows[:PAGE_SIZE]]
    next_before = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return _render_list(user, filters, listed, next_before, tags=tags)


@signed_in
def show(user: User, message_id: int):
    zone = _zone(user)
    with services().sessions() as db:
        message = _owned(db, user, message_id)
        events = [_event(event, zone) for event in queries.events_of(db, message.id)]
        summary = _summary(message, zone)
        protection = _protection(db, message.id, zone)
    return render_template("dashboard/message.html", user=user, message=summary, events=events,
                           set_apart=sum(not e["counted"] for e in events), zone=zone.key, protection=protection)


@signed_in
def switch(user: User, message_id: int):
    what, value = request.form.get("what"), request.form.get("value")
    if what not in SWITCHES or value not in ("on", "off"):
        abort(400, f"switch 'tracking' or 'notify' 'on' or 'off', not {what!r} {value!r}")
    with services().sessions.begin() as db:
        setattr(_owned(db, user, message_id), what, value == "on")
    return redirect(url_for("dashboard.message", message_id=message_id), code=303)


@signed_in
def tags(user: User, message_id: int):
    names = [name.strip() for name in request.form.get("tags", "").split(",") if name.strip()]
    if any(len(name) > MAX_TAG for name in names):
        abort(400, f"a tag is at most {MAX_TAG} characters")
    with services().sessions.begin() as db:
        queries.set_tags(_owned(db, user, message_id), names)
    return redirect(url_for("dashboard.message", message_id=message_id), code=303)


@signed_in
def withdraw(user: User, message_id: int):
    """Withdraw a protected message: its body is deleted and its page says so (as the API's withdraw)."""
    with services().sessions.begin() as db:
        _owned(db, user, message_id)
        protection = protections.protection_of(db, message_id)
        if protection is None:
            abort(404)
        protections.withdraw(db, protection, datetime.now(UTC))
    return redirect(url_for("dashboard.message", message_id=message_id), code=303)


@signed_in
def revoke(user: User, message_id: int, index: int):
    """Revoke one recipient's reading URL of a protected message (as the API's revoke); the others still read it."""
    with services().sessions.begin() as db:
        message = _owned(db, user, message_id)
        if protections.protection_of(db, message_id) is None or index >= len(message.recipients):
            abort(404)
        protections.revoke(db, message_id, index, datetime.now(UTC))
    return redirect(url_for("dashboard.message", message_id=message_id), code=303)


def _protection(db, message_id: int, zone: ZoneInfo) -> dict | None:
    protection = protections.protection_of(db, message_id)
    if protection is None:
        return None
    standing = protections.standing(protection, datetime.now(UTC))
    ends = protections.ends_at(protection)
    return {"state": standing.state, "since": standing.since and standing.since.astimezone(zone),
            "ends_at": ends and ends.astimezone(zone), "after_view_hours": protection.expires_after_view_hours,
            "views": protection.views or 0,
            "revoked": {revocation.recipient for revocation in protections.revocations(db, message_id)}}


@signed_in
def delete(user: User, message_id: int):
    svc = services()
    with svc.sessions.begin() as db:
        queries.remove_message(db, _owned(db, user, message_id))
        mark_gone_on_commit(db, svc.redis, [message_id])
    return redirect(url_for("dashboard.messages"), code=303)


def _render_list(user: User, filters: Filters, listed: list[dict], next_before: int | None,
                 tags: list[str] = (), problem: str | None = None):
    return render_template("dashboard/messages.html", user=user, filters=filters, messages=listed,
                           next_before=next_before, tags=tags, states=list(queries.STATE_CONDITIONS),
                           problem=problem)


def _filters(args) -> Filters:
    text = args.get("q", "").strip()
    if len(text) > MAX_QUERY:
        raise BadFilter(f"search for at most {MAX_QUERY} characters")
    state = args.get("state") or None
    if state is not None and state not in queries.STATE_CONDITIONS:
        raise BadFilter(f"no state {state!r}; choose one of {', '.join(queries.STATE_CONDITIONS)}")
    before = args.get("before") or None
    if before is not None and not before.isdigit():
        raise BadFilter(f"'before' is a message number, not {before!r}")
    return Filters(text=text, state=state, tag=args.get("tag") or None, since=_day(args, "since"),
                   until=_day(args, "until"), before=int(before) if before else None)


def _day(args, name: str) -> date | None:
    value = args.get(name) or None
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise BadFilter(f"'{name}' is a date like 2026-12-05, not {value!r}") from None


def _start_of(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(), zone) if day else None


def _zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _owned(db, user: User, message_id: int) -> Message:
    message = queries.owned_message(db, user.id, message_id)
    if message is None:
        abort(404)  # someone else's message does not exist, as in the API
    return message


def _summary(message: Message, zone: ZoneInfo) -> dict:
    return {
        "id": message.id, "subject": message.subject or "(no subject)", "recipients": message.recipients,
        "sent_at": message.sent_at.astimezone(zone), "state": queries.state_of(message),
        "tracking": message.tracking, "notify": message.notify, "opens": message.opens,
        "clicks": message.clicks, "replies": message.replies, "readers": message.readers,
        "tags": sorted(tag.tag for tag in message.tags),
        "first_open_at": message.first_open_at and message.first_open_at.astimezone(zone),
        "links": [(link.position, link.url, link.clicks) for link in message.links],
        # Shown instead of zeroes that would read as unread: the recipient said no on the opt-out page.
        "declined": [message.recipients[i] for i in message.declined_recipients or () if i < len(message.recipients)],
    }


def _event(event: Event, zone: ZoneInfo) -> dict:
    # Never the address: a page shows where, roughly, not from which network.
    return {
        "at": event.occurred_at.astimezone(zone), "kind": event.kind, "source": event.source,
        "reason": event.reason, "device": event.device, "client": event.client, "os": event.os,
        "place": place({"country": event.country, "region": event.region, "city": event.city},
                       services().country_names),
        "reading": READING_LABELS.get(event.reading_step or 0), "repeat": event.repeat,
        "counted": counts(event.source, event.repeat), "url": event.url, "forwarded": event.forwarded,
    }
