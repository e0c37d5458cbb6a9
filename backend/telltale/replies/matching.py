"""What each message a linked mailbox received or sent means for the user's tracked mail.

Pure functions over plain data (MailItem in, decisions out): no provider, no database.

Evidence, strongest first (never the subject alone):
1. the provider's thread: Gmail's threadId, Graph's conversationId, which the extension records as
   the tracked message's `thread_ref`;
2. In-Reply-To and References naming the tracked message's Message-ID, learnt after sending.

A sent message is recognised in the mailbox's own sent mail by its thread or Message-ID, or else
by the same subject to the same recipients within minutes of when the extension registered it:
that is how a new message's Message-ID and thread become known.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .mailbox import MailItem

# The extension registers a message as the user presses Send; the provider dates it moments later.
SENT_WINDOW = timedelta(minutes=10)
_GMAIL_DECIMAL_THREAD = re.compile(r"^thread-f:(\d{1,20})$")
_HEX_THREAD = re.compile(r"^[0-9a-f]{12,20}$")
# RFC 3834's Auto-Submitted, and the older headers vacation programs set instead.
_AUTO_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk"})
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder")
# Exchange's and Gmail's out-of-office subjects, for a provider that does not show the headers
# (Graph under Mail.ReadBasic): a classification of what matched by thread, never a match itself.
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|autoreply|out of (the )?office|r[ée]ponse automatique|"
    r"respuesta autom[áa]tica|abwesenheitsnotiz|automatische antwort|risposta automatica)\b", re.IGNORECASE)
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailer_daemon)@", re.IGNORECASE)


@dataclass(frozen=True)
class Tracked:
    """A tracked message as matching needs it."""

    id: int
    subject: str
    recipients: tuple[str, ...]  # lower-cased
    sent_at: datetime
    thread_ref: str | None
    internet_message_id: str | None


@dataclass(frozen=True)
class SentSeen:
    """A tracked message found in the mailbox's sent mail: its Message-ID and thread, now known."""

    message_id: int
    provider_id: str
    internet_message_id: str | None
    thread_ref: str | None


@dataclass(frozen=True)
class Reply:
    """A message in a tracked message's thread from someone: a reply, or a machine's or the sender's."""

    event_id: str
    message_id: int
    at: datetime
    sender: str
    recipient: int | None  # the index of the sender among the tracked message's recipients
    source: str  # "person", "auto", "bounce" or "sender"
    reason: str


def thread_ref(provider: str, thread_id: str) -> str:
    """The form the extension stores for a provider's thread id (extension/src/webmail/refs.js)."""
    return f"{'gmail' if provider == 'google' else 'outlook'}:{thread_id}"


def thread_refs(provider: str, thread_ids: Iterable[str]) -> list[str]:
    """Every stored form a thread may have: Gmail's new-message compose records the thread's
    decimal id (`thread-f:<decimal>`), which is the API's hex threadId written in base 10."""
    refs = []
    for thread_id in thread_ids:
        refs.append(thread_ref(provider, thread_id))
        if provider == "google" and _HEX_THREAD.match(thread_id):
            refs.append(f"gmail:thread-f:{int(thread_id, 16)}")
    return refs


def canonical_thread(provider: str, ref: str | None) -> str | None:
    """The provider's thread id a stored `thread_ref` names, or None for a draft's or another client's."""
    prefix = "gmail:" if provider == "google" else "outlook:"
    if not ref or not ref.startswith(prefix):
        return None
    value = ref[len(prefix):]
    if provider == "google":
        decimal = _GMAIL_DECIMAL_THREAD.match(value)
        if decimal:
            return format(int(decimal.group(1)), "x")
        return value if _HEX_THREAD.match(value) else None
    return value


def event_id(provider: str, address: str, item: MailItem) -> str:
    """One id per mailbox message, whichever poll or resync finds it: the store keeps it once."""
    digest = hashlib.sha256(f"{provider}\0{address}\0{item.provider_id}".encode()).hexdigest()
    return "r" + digest[:31]


def identify_sent(provider: str, items: Sequence[MailItem], tracked: Sequence[Tracked]) -> list[SentSeen]:
    """Find which outgoing items are tracked messages, to learn their Message-ID and thread."""
    found: list[SentSeen] = []
    taken: set[int] = set()
    for item in sorted((i for i in items if i.outgoing), key=lambda i: i.at):
        message = _sent_by_id(item, tracked, taken) or _sent_by_likeness(item, tracked, taken)
        if message is None:
            continue
        taken.add(message.id)
        thread = thread_ref(provider, item.thread_id) if item.thread_id else None
        found.append(SentSeen(message.id, item.provider_id, item.message_id, thread))
    return found


def _sent_by_id(item: MailItem, tracked: Sequence[Tracked], taken: set[int]) -> Tracked | None:
    if not item.message_id:
        return None
    return next((t for t in tracked if t.id not in taken and t.internet_message_id == item.message_id), None)


def _sent_by_likeness(item: MailItem, tracked: Sequence[Tracked], taken: set[int]) -> Tracked | None:
    subject, people = _words(item.subject), set(item.recipients)
    candidates = [
        t for t in tracked
        if t.id not in taken and t.internet_message_id is None and abs(t.sent_at - item.at) <= SENT_WINDOW
        and _words(t.subject) == subject and set(t.recipients) == people
    ]
    return min(candidates, key=lambda t: abs(t.sent_at - item.at), default=None)


def find_replies(provider: str, address: str, items: Sequence[MailItem], tracked: Sequence[Tracked],
                 sent: Iterable[SentSeen] = ()) -> list[Reply]:
    """Turn each item in a tracked thread (other than a tracked message itself) into a Reply."""
    known = {seen.message_id: seen for seen in sent}
    tracked = [_learnt(t, known.get(t.id)) for t in tracked]
    # The tracked messages themselves, as the mailbox's sent mail holds them: not replies to anything.
    own = {seen.provider_id for seen in known.values()}
    own_ids = {t.internet_message_id for t in tracked if t.internet_message_id}
    replies = []
    for item in items:
        if item.provider_id in own or (item.message_id and item.message_id in own_ids):
            continue
        message, evidence = _answered(provider, item, tracked)
        if message is None:
            continue
        source, reason = _source(address, item, evidence)
        recipient = message.recipients.index(item.sender) if item.sender in message.recipients else None
        replies.append(Reply(event_id(provider, address, item), message.id, item.at, item.sender, recipient,
                             source, reason))
    return replies


def _learnt(message: Tracked, seen: SentSeen | None) -> Tracked:
    if seen is None:
        return message
    return Tracked(message.id, message.subject, message.recipients, message.sent_at,
                   seen.thread_ref or message.thread_ref, seen.internet_message_id or message.internet_message_id)


def _answered(provider: str, item: MailItem, tracked: Sequence[Tracked]) -> tuple[Tracked | None, str]:
    """The tracked message `item` answers, and the evidence; (None, "") when it answers none."""
    named = set(item.in_reply_to) | set(item.references)
    direct = [t for t in tracked if t.internet_message_id and t.internet_message_id in item.in_reply_to]
    if direct:
        return max(direct, key=lambda t: t.sent_at), "In-Reply-To"
    in_thread = [t for t in tracked if item.thread_id and canonical_thread(provider, t.thread_ref) == item.thread_id]
    by_reference = [t for t in tracked if t.internet_message_id and t.internet_message_id in named]
    candidates = in_thread or by_reference
    if not candidates:
        return None, ""
    earlier = [t for t in candidates if t.sent_at <= item.at]
    # A reply answers the latest tracked message before it; clocks may disagree by moments.
    message = max(earlier, key=lambda t: t.sent_at) if earlier else min(candidates, key=lambda t: t.sent_at)
    return message, "the conversation" if in_thread else "References"


def _source(address: str, item: MailItem, evidence: str) -> tuple[str, str]:
    if item.outgoing or item.sender == address:
        return "sender", "your own message in the conversation"
    if _bounce(item):
        return "bounce", f"a delivery failure notice from {item.sender or 'the mail system'}"
    automatic = _automatic(item)
    if automatic:
        return "auto", f"an automatic reply ({automatic})"
    return "person", f"a reply from {item.sender or 'an unknown sender'}, matched by {evidence}"


def _bounce(item: MailItem) -> bool:
    content_type = item.headers.get("content-type", "").lower()
    return (bool(_DAEMONS.match(item.sender)) or "report-type=delivery-status" in content_type.replace('"', "")
            or "x-failed-recipients" in item.headers)


def _automatic(item: MailItem) -> str | None:
    """Name the signal that says a program wrote `item`, or None."""
    submitted = item.headers.get("auto-submitted", "").strip().lower()
    if submitted and not submitted.startswith("no"):
        return f"Auto-Submitted: {submitted}"
    for name in _AUTO_HEADERS:
        if name in item.headers:
            return name.title()
    precedence = item.headers.get("precedence", "").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if item.automatic:
        return "the provider marks it as an automatic reply"
    if _AUTO_SUBJECT.match(item.subject):
        return "its subject says so"
    return None


def _words(subject: str) -> str:
    return " ".join(subject.split()).casefold()
