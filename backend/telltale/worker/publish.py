"""From newly stored events to live events on their owners' streams, each with its popup decision."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rq import Queue

from ..classify.enrich import country_names
from ..live import stream
from ..notify import popups, text
from ..notify.policy import Preferences, quiet_until, worth_a_popup
from ..services import Services, services
from ..sources import counts

RELEASE_JOB = "telltale.worker.publish.release_held"
_COUNTRY_NAMES = country_names()


def publish(svc: Services, rows: list[dict], messages: dict[int, Any], prefs: dict[int, Preferences]) -> None:
    """Append one live event per stored row, oldest first, deciding its popup on the way."""
    opens = {message_id: message.opens for message_id, message in messages.items()}
    last_open = {message_id: message.last_open_at for message_id, message in messages.items()}
    now = datetime.now(UTC)
    for row in sorted(rows, key=lambda r: r["occurred_at"]):
        message = messages[row["message_id"]]
        counted = counts(row["source"]) and not row.get("repeat")
        if counted and row["kind"] == "open":
            opens[message.id] += 1
        event = live_event(row, message, opens[message.id])
        if row["source"] == "crawler" and message.notify:
            event["popup"] = _leak_warning(svc, row, message)
        elif row["kind"] == "forward":
            if counted and message.notify:
                event["popup"] = _forward_news(svc, message)
        elif counted:
            user_prefs = prefs.get(message.user_id, Preferences())
            event["popup"] = _popup(svc, event, row, message, user_prefs, last_open[message.id], now)
            if row["kind"] == "open":
                last_open[message.id] = row["occurred_at"]
        stream.append(svc.redis, message.user_id, event, svc.settings.event_history)


def live_event(row: dict, message: Any, open_number: int) -> dict:
    """The event as clients see it."""
    return {
        "type": row["kind"],
        "message_id": message.id,
        "subject": message.subject,
        "thread_ref": message.thread_ref,
        "recipients": message.recipients,
        "open_number": open_number,
        "at": row["occurred_at"].isoformat(),
        "source": row["source"],
        "device": row.get("device"),
        "client": row.get("client"),
        "place": place(row),
        "url": row.get("url"),
        "link_index": row.get("link_position"),
        "forwarded": row.get("forwarded", False),
        "popup": None,
        "held": False,
    }


def place(row: dict) -> str | None:
    """ "Madrid, Spain", "Spain" or None: roughly where, never more than the row knows."""
    country = _COUNTRY_NAMES.get(row.get("country") or "", row.get("country"))
    return ", ".join(part for part in (row.get("city") or row.get("region"), country) if part) or None


def _leak_warning(svc: Services, row: dict, message: Any) -> dict | None:
    # A search engine fetching our URL found the message on the public web: worth one popup per
    # message a day, whatever the notification settings say of opens.
    return _once_a_day(svc, message, "public", f"“{message.subject or '(no subject)'}” appears to be public",
                       f"{row['reason']} fetched it: the message may have been posted on the web")


def _forward_news(svc: Services, message: Any) -> dict | None:
    return _once_a_day(svc, message, "forwarded", f"“{message.subject or '(no subject)'}” was forwarded",
                       "A mail client showed it inside its forward headers")


def _once_a_day(svc: Services, message: Any, what: str, title: str, body: str) -> dict | None:
    if not svc.redis.set(f"telltale:told:{what}:{message.id}", 1, nx=True, ex=24 * 3600):
        return None
    return {"id": f"{message.id}-{what}", "fresh": True, "count": 1, "title": title, "body": body}


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
    return sum(tally.values())


def _popup(svc: Services, event: dict, row: dict, message: Any, prefs: Preferences,
           previous_open_at: datetime | None, now: datetime) -> dict | None:
    if not message.notify:
        return None
    worthy = worth_a_popup(row["kind"], row["occurred_at"], previous_open_at, prefs)
    held_until = quiet_until(now, prefs)
    if held_until is not None:
        if worthy:
            event["held"] = True
            if popups.hold(svc.redis, message.user_id, row["kind"], message.id, held_until):
                Queue(svc.settings.queue_name, connection=svc.redis).enqueue_at(
                    held_until, RELEASE_JOB, message.user_id
                )
        return None
    thread = message.thread_ref or f"m{message.id}"
    popup = popups.coalesce(svc.redis, message.user_id, thread, f"{message.id}-{row['id']}", row["kind"], worthy)
    if popup is None:
        return None
    return {
        "id": popup.id,
        "fresh": popup.fresh,
        "count": sum(popup.tally.values()),
        "title": text.title(row["kind"], message.recipients, message.subject),
        "body": text.body(event, popup.tally),
    }
