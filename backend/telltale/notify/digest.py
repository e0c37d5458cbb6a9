"""The email digest: an hourly or daily summary for people without the browser open.

A digest covers the time since the previous one, so no event falls between two digests; after a
long pause (digests switched off, worker down) it covers only the last period, as its subject says.
It never shows an IP address or a User-Agent: only counts and subjects.
"""
from __future__ import annotations

import html
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from zoneinfo import ZoneInfo

from ..config import Settings
from ..counting import counts
from ..services import Services
from ..store.digests import Activity, DigestReader, activity, claim_digest
from . import mailer

PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
PERIOD_WORDS = {"hourly": ("hour", "every hour"), "daily": ("day", "every day")}
TOP_MESSAGES = 5


def send_if_due(svc: Services, user_id: int, now: datetime) -> bool:
    """Send the user's digest if it is due and has news; return whether one was sent.

    The claim, the send and the commit share one transaction: a failed send raises and rolls the
    claim back, so the digest stays due and the retry covers the same period.
    """
    if svc.settings.smtp_url is None:
        return False
    with svc.sessions.begin() as session:
        reader = claim_digest(session, user_id, now, PERIODS)
        if reader is None:
            return False
        since = window_start(reader.last_sent_at, now, PERIODS[reader.digest])
        news = activity(session, user_id, since, now, counted=counts, top=TOP_MESSAGES)
        if news.empty:
            return False
        mailer.send(svc.settings.smtp_url, compose(svc.settings, reader, news, since, now))
    return True


def window_start(last_sent_at: datetime | None, now: datetime, period: timedelta) -> datetime:
    # Up to two periods back the digest picks up where the last one ended (the sweep runs once a
    # minute, so digests drift a little later each time); older than that, it is stale news.
    if last_sent_at is not None and now - last_sent_at <= 2 * period:
        return last_sent_at
    return now - period


def compose(settings: Settings, reader: DigestReader, news: Activity, since: datetime, until: datetime) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(news, reader.digest)
    message["From"] = settings.mail_from
    message["To"] = reader.email
    message["Date"] = format_datetime(until)
    # An explicit domain: make_msgid's default asks DNS for this host's name, which can hang.
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost")
    # RFC 3834: tells vacation responders not to answer.
    message["Auto-Submitted"] = "auto-generated"
    lines = text_lines(reader, news, since, until)
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(as_html(lines), subtype="html")
    return message


def subject(news: Activity, digest: str) -> str:
    return f"Telltale: {_n(news.opens, 'open')}, {_n(news.clicks, 'click')} in the last {PERIOD_WORDS[digest][0]}"


def text_lines(reader: DigestReader, news: Activity, since: datetime, until: datetime) -> list[str]:
    lines = [
        f"Your tracked mail, {_span(since, until, reader.timezone)}:",
        "",
        f"Messages sent: {news.sent}",
        f"Opens: {news.opens}" + (f", on {_n(news.messages_opened, 'message')}" if news.opens else ""),
        f"Clicks: {news.clicks}",
    ]
    if news.top:
        lines += ["", "Most opened:"]
        lines += [
            f"- {m.subject or '(no subject)'}: {_n(m.opens, 'open')}, {_n(m.clicks, 'click')}" for m in news.top
        ]
    lines += ["", f"Telltale sends this digest {PERIOD_WORDS[reader.digest][1]}; switch it off in its settings."]
    return lines


def as_html(lines: list[str]) -> str:
    # The same words as the text part, escaped: subjects are whatever the sender typed.
    body = "".join(f"<p>{html.escape(line)}</p>" if line else "" for line in lines)
    return f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'


def _span(since: datetime, until: datetime, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    start, end = since.astimezone(zone), until.astimezone(zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} to {end_text} ({timezone})"


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
