"""A popup as phones get it: the same id, words and freshness the desktop shows, and where a tap leads."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

# Web Push carries at most 4 KB once encrypted; a subject may be 998 characters and a link 2,048.
MAX_TITLE = 200
MAX_BODY = 600
# A notification without words is one iOS counts as silent, and it revokes the subscription after a few.
EMPTY_BODY = "Open Telltale for the details"


@dataclass(frozen=True)
class Notice:
    user_id: int
    # The popup's id: a coalesced update carries the id of the popup it replaces.
    id: str
    fresh: bool
    title: str
    body: str
    message_id: int | None = None

    @classmethod
    def of(cls, user_id: int, event: dict) -> Notice:
        """The notice for a live event whose popup is shown."""
        popup = event["popup"]
        return cls(user_id, popup["id"], popup["fresh"], _cut(popup["title"], MAX_TITLE) or "Telltale",
                   _cut(popup["body"], MAX_BODY) or EMPTY_BODY, event.get("message_id"))

    @property
    def path(self) -> str:
        """The dashboard page a tap opens: the message's, or the list for a summary."""
        return f"/app/messages/{self.message_id}" if self.message_id else "/app/messages"

    def as_job_argument(self) -> dict:
        # Its fields are plain values: dataclasses.asdict's deep copy of each cost the worker more.
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class Result:
    """What one channel made of a notice: sent; gone (the browser unsubscribed); failed, and why."""

    status: Literal["sent", "gone", "failed"]
    detail: str = ""


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
