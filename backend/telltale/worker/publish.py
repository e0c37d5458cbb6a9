"""From newly stored events to live events on their owners' streams, each with its popup decision."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis

from ..counting import counts
from ..live import stream
from ..live.events import live_event
from ..notify import popups, text
from ..notify.notice import Notice
from ..notify.policy import Preferences, quiet_until, worth_a_popup
from ..queue import enqueue_push, enqueue_release
from ..services import Services, services
from ..store.events import notification_preferences

log = logging.getLogger(__name__)

NO_PREFERENCES = Preferences()
# Sets an event's popup from the reply to its queued decision.
Finish = Callable[[Any], None]


def preferences(users: dict[int, Any]) -> dict[int, Preferences]:
    """Each user's popup preferences, from the rows of store.events.notification_preferences."""
    return {uid: Preferences(u.timezone, u.reopen_quiet_minutes, u.quiet_start, u.quiet_end, u.popups_after_reply,
                             bool(u.phones))
            for uid, u in users.items()}


def publish(svc: Services, rows: list[dict], messages: dict[int, Any], prefs: dict[int, Preferences]) -> None:
    """Append a live event for each stored row but repeats, oldest first, deciding its popup on the way.

    A repeat (the same client again within seconds, batch.REPEAT_WINDOW) counts nowhere and never
    pops up: as an event it only pushed the news out of a user's stream, whose history is bounded,
    and of the extension's recent list. A client reloading the image in a loop did both. Stored,
    it stays on the dashboard with its reason.

    A few round trips to Redis whatever the number of rows: the once-a-day notices, the popup
    decisions in one script call, then the events.
    """
    opens = {message_id: message.opens for message_id, message in messages.items()}
    last_open = {message_id: message.last_open_at for message_id, message in messages.items()}
    replied = {message_id for message_id, message in messages.items() if message.replies}
    now = datetime.now(UTC)
    notices = svc.redis.pipeline(transaction=False)
    pending: list[popups.Event] = []
    events: list[tuple[int, dict]] = []
    finishers: list[tuple[str, Finish]] = []
    for row in sorted((row for row in rows if not row.get("repeat")), key=lambda r: r["occurred_at"]):
        message = messages[row["message_id"]]
        counted = counts(row["source"], bool(row.get("repeat")))
        if counted and row["kind"] == "open":
            opens[message.id] += 1
        event = live_event(row, message, opens[message.id], svc.country_names)
        events.append((message.user_id, event))
        if row["source"] == "crawler" and message.notify:
            finishers.append(("notice", _leak_warning(notices, event, row, message)))
        elif row["kind"] == "forward":
            if counted and message.notify:
                finishers.append(("notice", _forward_news(notices, event, message)))
        elif counted:
            user_prefs = prefs.get(message.user_id, NO_PREFERENCES)
            finish = _popup(svc, pending, event, row, message, user_prefs, last_open[message.id],
                            message.id in replied, now)
            if finish is not None:
                finishers.append(("popup", finish))
            if row["kind"] == "open":
                last_open[message.id] = row["occurred_at"]
            elif row["kind"] == "reply":
                replied.add(message.id)
    replies = {"notice": iter(notices.execute() if len(notices) else ()),
               "popup": iter(popups.coalesce(svc.redis, pending))}
    for which, finish in finishers:
        finish(next(replies[which]))
    if events:
        stream.append_many(svc.redis, events, svc.settings.event_history)
        # Only for users with a phone channel: for the others the job would find nowhere to send, but
        # still cost the worker a job per chunk and loaded the HTTP and crypto libraries (6 MB, measured).
        to_phones(svc, [Notice.of(user_id, event) for user_id, event in events
                        if event["popup"] and prefs.get(user_id, NO_PREFERENCES).phones])


def _leak_warning(pipe, event: dict, row: dict, message: Any) -> Finish:
    # A search engine fetching our URL found the message on the public web: worth one popup per
    # message a day, whatever the notification settings say of opens.
    return _once_a_day(pipe, event, message, "public", f"“{message.subject or '(no subject)'}” appears to be public",
                       f"{row['reason']} fetched it: the message may have been posted on the web")


def _forward_news(pipe, event: dict, message: Any) -> Finish:
    return _once_a_day(pipe, event, message, "forwarded", f"“{message.subject or '(no subject)'}” was forwarded",
                       "A mail client showed it inside its forward headers")


def _once_a_day(pipe, event: dict, message: Any, what: str, title: str, body: str) -> Finish:
    pipe.set(f"telltale:told:{what}:{message.id}", 1, nx=True, ex=24 * 3600)
    popup = {"id": f"{message.id}-{what}", "fresh": True, "count": 1, "title": title, "body": body}

    def finish(first_today) -> None:
        event["popup"] = popup if first_today else None

    return finish


def release_held(user_id: int) -> int:
    """rq job: at the end of quiet hours, one summary popup for everything that was held."""
    svc = services()
    tally, messages = popups.take_held(svc.redis, user_id)
    if not sum(tally.values()):
        return 0
    title, body = text.summary(tally, messages)
    now = datetime.now(UTC)
    event = {
        "type": "summary",
        "at": now.isoformat(),
        "counts": tally,
        "messages": messages,
        "popup": {"id": f"held-{int(now.timestamp())}", "fresh": True, "count": sum(tally.values()),
                  "title": title, "body": body},
    }
    stream.append(svc.redis, user_id, event, svc.settings.event_history)
    with svc.sessions() as session:
        user = notification_preferences(session, [user_id]).get(user_id)
    if user is not None and user.phones:
        to_phones(svc, [Notice.of(user_id, event)])
    return sum(tally.values())


def to_phones(svc: Services, notices: list[Notice]) -> None:
    """Hand the popups just shown to a job that sends them to phones: never in this loop, which stores hits."""
    if not notices:
        return
    try:
        enqueue_push(svc.redis, svc.settings.queue_name, [notice.as_job_argument() for notice in notices])
    except redis.RedisError as exc:
        # The hits are stored and their events published: a lost phone notification must not
        # fail the drain, which would read the same hits again.
        log.warning("%d phone notifications not sent, Redis refused the job: %s", len(notices), exc)


def _viewer(row: dict, message: Any) -> str | None:
    """Who viewed a protected message: its reading URL names the recipient (a shared URL names nobody)."""
    index = row.get("recipient")
    if row["kind"] == "view" and isinstance(index, int) and 0 <= index < len(message.recipients):
        return message.recipients[index]
    return None


def _popup(svc: Services, pending: list[popups.Event], event: dict, row: dict, message: Any, prefs: Preferences,
           previous_open_at: datetime | None, replied: bool, now: datetime) -> Finish | None:
    """Add the popup decision for `event` to `pending`; None when there is nothing to decide."""
    if not message.notify:
        return None
    worthy = worth_a_popup(row["kind"], row["occurred_at"], previous_open_at, prefs, replied)
    held_until = quiet_until(now, prefs)
    if held_until is not None:
        if worthy:
            event["held"] = True
            if popups.hold(svc.redis, message.user_id, row["kind"], message.id, held_until):
                enqueue_release(svc.redis, svc.settings.queue_name, held_until, message.user_id)
        return None
    thread = message.thread_ref or f"m{message.id}"
    pending.append(popups.Event(message.user_id, thread, f"{message.id}-{row['id']}", row["kind"], worthy))
    title = text.title(row["kind"], message.recipients, message.subject, row.get("from") or _viewer(row, message))

    def finish(popup: popups.Popup | None) -> None:
        if popup is not None:
            event["popup"] = {"id": popup.id, "fresh": popup.fresh, "count": sum(popup.tally.values()),
                              "title": title, "body": text.body(event, popup.tally, message.sent_at)}

    return finish
