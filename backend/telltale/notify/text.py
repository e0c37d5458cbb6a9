"""The words of a popup: who did what to which message, and how many times."""
from __future__ import annotations

from datetime import datetime, timedelta

# "view": a reader pressed Show on a protected message's page (protected/).
VERBS = {"open": "opened", "click": "clicked a link in", "reply": "replied to", "view": "viewed the protected message"}
NOUNS = {"open": ("open", "opens"), "click": ("click", "clicks"), "reply": ("reply", "replies"), "view": ("view", "views")}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def who(recipients: list[str]) -> str:
    # A shared pixel cannot tell recipients apart: name one only when there is only one.
    return recipients[0] if len(recipients) == 1 else "A recipient"


def title(kind: str, recipients: list[str], subject: str, actor: str | None = None) -> str:
    """"Ana opened “Q3 quote”"; `actor` names who did it when the event knows (a reply's sender)."""
    return f"{actor or who(recipients)} {VERBS[kind]} “{subject or '(no subject)'}”"


def body(event: dict, tally: dict[str, int], sent_at: datetime | None = None) -> str:
    """One line of detail; for a coalesced popup, the counts of what happened in its window."""
    if sum(tally.values()) > 1:
        return " · ".join(_count(count, kind) for kind, count in tally.items() if count)
    details = [f"{ordinal(event['open_number'])} open"] if event["type"] == "open" else []
    if event["type"] == "reply" and sent_at is not None:
        details.append(f"{_span(datetime.fromisoformat(event['at']) - sent_at)} after you sent it")
    if event["type"] == "click" and event.get("url"):
        details.append(event["url"])
    details += [event[field] for field in ("device", "client", "place") if event.get(field)]
    if event.get("forwarded"):
        details.append("likely forwarded")
    return " · ".join(details)


def summary(tally: dict[str, int], messages: int) -> tuple[str, str]:
    counts = ", ".join(_count(count, kind) for kind, count in tally.items() if count)
    plural = "message" if messages == 1 else "messages"
    return "While notifications were held", f"{counts} on {messages} {plural}"


def _span(delay: timedelta) -> str:
    """ "3 min", "2 h 5 min", "4 days": how long someone took, to the unit that matters."""
    minutes = max(int(delay.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days = minutes // (24 * 60)
    return f"{days} day" if days == 1 else f"{days} days"


def _count(count: int, kind: str) -> str:
    singular, plural = NOUNS[kind]
    return f"{count} {singular if count == 1 else plural}"
