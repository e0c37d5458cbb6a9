"""rq jobs that read linked mailboxes for replies: which mailboxes are due, and one mailbox's poll.

Polling is the default and the backstop (push needs a public URL). Each mailbox is asked once per
TELLTALE_REPLY_POLL_SECONDS, far inside the providers' quotas (Gmail: 15,000 units per user per
minute, a history.list costs 2 and a messages.get 5); a provider that says 429 or 5xx is left alone
for what it asks, or for a doubling pause up to an hour.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from ..counting import counts
from ..queue import enqueue_poll
from ..replies.mailbox import AccountRevoked, MailboxPage, ProviderBusy
from ..replies.matching import SentSeen, Tracked, canonical_thread, find_replies, identify_sent, thread_refs
from ..services import Services, services
from ..store.accounts import due_account_ids
from ..store.contexts import tracked_messages
from ..store.events import insert_new_events, notification_preferences
from ..store.models import LinkedAccount
from ..store.replies import count_replies, record_sent, reply_candidates
from .publish import preferences, publish

log = logging.getLogger(__name__)
POLLING_KEY = "telltale:replies:polling:{account_id}"
# Outlasts a poll's job timeout, so a poll still running is not enqueued again.
POLLING_TTL = 11 * 60
SWEPT_KEY = "telltale:replies:swept"
# How far back a first poll, or a resync after an expired cursor, looks for sent mail and replies.
RESYNC_WINDOW = timedelta(days=14)
LONGEST_PAUSE = timedelta(hours=1)
SENT_MARGIN = timedelta(minutes=15)


def enqueue_due_polls(svc: Services, now: datetime | None = None) -> int:
    """Enqueue a poll for each linked mailbox that is due and has none waiting; return how many."""
    if svc.settings.google is None and svc.settings.microsoft is None:
        return 0
    if not svc.redis.set(SWEPT_KEY, b"1", nx=True, px=int(svc.settings.reply_poll_seconds * 500)):
        return 0
    with svc.sessions() as session:
        due = due_account_ids(session, now or datetime.now(UTC))
    enqueued = 0
    for account_id in due:
        if svc.redis.set(POLLING_KEY.format(account_id=account_id), b"1", nx=True, ex=POLLING_TTL):
            enqueue_poll(svc.redis, svc.settings.queue_name, account_id)
            enqueued += 1
    return enqueued


def poll_mailbox(account_id: int) -> int:
    """rq job: read one linked mailbox's new mail, store the replies it holds; return how many were new."""
    svc = services()
    try:
        return _poll(svc, account_id, datetime.now(UTC))
    finally:
        svc.redis.delete(POLLING_KEY.format(account_id=account_id))


def _poll(svc: Services, account_id: int, now: datetime) -> int:
    with svc.sessions() as session:
        account = session.get(LinkedAccount, account_id)
        if account is None or account.status == "relink":
            return 0
        provider, address, sealed, cursor = account.provider, account.address, account.secret, account.cursor
    app = svc.settings.google if provider == "google" else svc.settings.microsoft
    if app is None:
        setting = "TELLTALE_GOOGLE_CLIENT_ID" if provider == "google" else "TELLTALE_MICROSOFT_CLIENT_ID"
        return _set_back(svc, account_id, now, f"{setting} is not set on the server", LONGEST_PAUSE, "waiting")
    try:
        page = _reader(provider)(app, svc.vault().open(sealed), cursor, now - RESYNC_WINDOW)
    except AccountRevoked as exc:
        log.info("linked %s account %s needs linking again: %s", provider, account_id, exc)
        return _set_back(svc, account_id, now, f"{_provider_name(provider)} no longer accepts Telltale's access: "
                                                "link the account again", None, "relink")
    except ProviderBusy as exc:
        return _set_back(svc, account_id, now, f"{_provider_name(provider)} asked us to slow down: {exc}",
                         timedelta(seconds=exc.retry_after) if exc.retry_after else None, "waiting")
    except Exception as exc:
        # Recorded where the user sees it (GET /accounts), then raised for rq's failed registry: a
        # rejected client secret or a changed API must not look like a mailbox with no new mail.
        _set_back(svc, account_id, now, f"reading the mailbox failed: {type(exc).__name__}: {exc}", None, "waiting")
        raise
    return _take(svc, account_id, provider, address, page, now)


def _reader(provider: str):
    # Each provider's client library loads only in the processes that read that provider's mailboxes.
    if provider == "google":
        from ..replies.gmail import read_mailbox
    else:
        from ..replies.graph import read_mailbox
    return read_mailbox


def _take(svc: Services, account_id: int, provider: str, address: str, page: MailboxPage, now: datetime) -> int:
    """Store what one poll found and move the account's cursor, in one transaction; then publish."""
    with svc.sessions.begin() as session:
        account = session.get(LinkedAccount, account_id)
        if account is None:
            return 0
        tracked = _candidates(session, account.user_id, provider, address, page)
        sent = identify_sent(provider, page.items, tracked)
        _record(session, provider, sent, tracked)
        replies = find_replies(provider, address, page.items, tracked, sent)
        rows = [_row(reply) for reply in replies]
        new = insert_new_events(session, rows)
        fresh = [row for row in rows if row["id"] in new]
        count_replies(session, [row for row in fresh if counts(row["source"])])
        account.cursor, account.checked_at = page.cursor, now
        account.status, account.problem, account.failures = "ok", None, 0
        account.next_check_at = now + timedelta(seconds=svc.settings.reply_poll_seconds)
        if page.secret is not None:
            account.secret = svc.vault().seal(page.secret)
        messages = tracked_messages(session, {row["message_id"] for row in fresh})
        users = notification_preferences(session, {message.user_id for message in messages.values()})
    senders = {reply.event_id: reply.sender for reply in replies}
    publish(svc, [{**row, "from": senders[row["id"]]} for row in fresh], messages, preferences(users))
    return len(fresh)


def _candidates(session, user_id: int, provider: str, address: str, page: MailboxPage) -> list[Tracked]:
    items = page.items
    refs = thread_refs(provider, {item.thread_id for item in items if item.thread_id})
    named = {mid for item in items for mid in (*item.in_reply_to, *item.references, item.message_id) if mid}
    outgoing = [item.at for item in items if item.outgoing]
    window = (min(outgoing) - SENT_MARGIN, max(outgoing) + SENT_MARGIN) if outgoing else None
    rows = reply_candidates(session, user_id, address, refs, sorted(named), window)
    return [Tracked(row.id, row.subject, tuple(r.lower() for r in row.recipients), row.sent_at, row.thread_ref,
                    row.internet_message_id) for row in rows]


def _record(session, provider: str, sent: list[SentSeen], tracked: list[Tracked]) -> None:
    refs = {t.id: t.thread_ref for t in tracked}
    for seen in sent:
        # Keep a thread id the provider's API can name; a draft's thread id (Gmail's thread-a:) cannot be.
        replace = canonical_thread(provider, refs.get(seen.message_id)) is None
        record_sent(session, seen.message_id, seen.internet_message_id, seen.thread_ref, replace)


def _row(reply) -> dict:
    return {
        "id": reply.event_id, "message_id": reply.message_id, "kind": "reply", "occurred_at": reply.at,
        "recipient": reply.recipient, "ip": "", "user_agent": "", "method": "", "source": reply.source,
        "reason": reply.reason[:200], "repeat": False,
    }


def _set_back(svc: Services, account_id: int, now: datetime, problem: str, wait: timedelta | None, status: str) -> int:
    """Note why the account was not read, and when to try again: what it asked, else a doubling pause."""
    with svc.sessions.begin() as session:
        account = session.get(LinkedAccount, account_id)
        if account is None:
            return 0
        account.failures += 1
        pause = timedelta(seconds=svc.settings.reply_poll_seconds) * 2 ** min(account.failures, 12)
        account.status, account.problem, account.checked_at = status, problem[:300], now
        account.next_check_at = now + max(wait or timedelta(0), min(pause, LONGEST_PAUSE))
    return 0


def _provider_name(provider: str) -> str:
    return "Google" if provider == "google" else "Microsoft"
