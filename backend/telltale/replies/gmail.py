"""Read a linked Gmail mailbox's new mail through the Gmail API, headers only (gmail.metadata).

Why it reads the way it does:

- Incremental reads use users.history.list from the last historyId, asking only for messageAdded
  records: 2 quota units a page, against 5 for each messages.get. A quiet mailbox costs one history
  page a poll. Gmail's per-user limit is 15,000 units a minute, 6,000 for projects created since May
  2026 (https://developers.google.com/gmail/api/reference/quota): `limit` (300 messages.get, 1,500
  units) keeps one poll well under either.
- Under gmail.metadata messages.list refuses `q` (403 "Metadata scope does not support 'q'
  parameter") and messages.get refuses format FULL and RAW, so no search is ever sent: a resync lists
  the mailbox newest first and stops at `since` itself. No labelIds either: INBOX and SENT both come,
  and messages.list leaves out SPAM and TRASH by default.
- A resync takes users.getProfile's historyId before listing anything: mail that arrives while it
  lists is then after the new cursor, and the next incremental read sees it (at worst twice, never
  not at all).
- A historyId is "typically valid for at least a week, but in some rare circumstances may be valid
  for only a few hours"; an older one gets 404 from history.list
  (https://developers.google.com/gmail/api/reference/rest/v1/users.history/list), and the read
  becomes a bounded resync with resynced=True.
- Errors: the client retries 429 and 5xx itself (execute(num_retries=2)); what is left becomes
  ProviderBusy, a refused refresh token (invalid_grant) or a 401 after refreshing becomes
  AccountRevoked, and any other 4xx is raised as the HttpError it is.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from ..accounts.google import SCOPES
from ..config import GoogleApp
from .mailbox import AccountRevoked, MailboxPage, MailItem, ProviderBusy

TIMEOUT = 20  # seconds per HTTP request
RETRIES = 2  # the client's own retries of 429, 5xx and network errors, with exponential backoff
PAGE_SIZE = 500  # the most history records or message ids one page may hold
HEADERS = (
    "Message-ID", "In-Reply-To", "References", "From", "To", "Cc", "Subject", "Date", "Auto-Submitted",
    "X-Autoreply", "X-Autorespond", "Precedence", "Content-Type", "X-Auto-Response-Suppress", "X-Failed-Recipients",
)
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}  # Gmail's 403 forms of "slow down"
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def read_mailbox(app: GoogleApp, secret: str, cursor: str | None, since: datetime, limit: int = 300) -> MailboxPage:
    """What arrived in (or left) the mailbox since `cursor`; with no usable cursor, the mail since `since`."""
    try:
        with _gmail(app, secret) as gmail:
            if cursor is not None:
                page = _incremental(gmail, cursor, limit)
                if page is not None:
                    return page
            return _resync(gmail, since, limit, resynced=cursor is not None)
    except RefreshError as exc:
        translated = _refresh_failed(exc)
        if translated is None:
            raise
        raise translated from exc
    except HttpError as exc:
        translated = _http_failed(exc)
        if translated is None:
            raise
        raise translated from exc
    except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
        raise ProviderBusy(f"Gmail could not be reached: {type(exc).__name__}: {exc}") from exc


@contextmanager
def _gmail(app: GoogleApp, secret: str) -> Iterator:
    credentials = Credentials(token=None, refresh_token=secret, token_uri=app.token_uri, client_id=app.client_id,
                              client_secret=app.client_secret, scopes=list(SCOPES))
    # httplib2 reads HTTPLIB2_CA_CERTS once, when imported; certs.where() asks again for each client.
    http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=TIMEOUT, ca_certs=httplib2.certs.where()))
    service = build("gmail", "v1", http=http, static_discovery=True, cache_discovery=False,
                    client_options={"api_endpoint": app.api_endpoint})
    with service:  # closes the connections
        yield service


def _incremental(gmail, cursor: str, limit: int) -> MailboxPage | None:
    """The messages added since `cursor`, or None when Gmail no longer knows that historyId."""
    ids: dict[str, None] = {}  # ordered and deduplicated
    request = gmail.users().history().list(userId="me", startHistoryId=cursor, historyTypes=["messageAdded"],
                                           maxResults=PAGE_SIZE)
    new_cursor = cursor
    while request is not None:
        try:
            response = request.execute(num_retries=RETRIES)
        except HttpError as exc:
            if exc.status_code == 404:
                return None
            raise
        for record in response.get("history", []):
            added = [entry["message"]["id"] for entry in record.get("messagesAdded", [])]
            if ids and len(ids.keys() | set(added)) > limit:
                # Stop at a record boundary; the next read starts after the last record taken.
                return MailboxPage(_fetch_all(gmail, ids), new_cursor)
            ids.update(dict.fromkeys(added))
            new_cursor = record["id"]
        new_cursor = response.get("historyId", new_cursor)
        request = gmail.users().history().list_next(request, response)
    return MailboxPage(_fetch_all(gmail, ids), new_cursor)


def _resync(gmail, since: datetime, limit: int, resynced: bool) -> MailboxPage:
    """The newest mail back to `since`, at most `limit` messages, oldest first."""
    cursor = str(gmail.users().getProfile(userId="me").execute(num_retries=RETRIES)["historyId"])
    items: list[MailItem] = []
    request = gmail.users().messages().list(userId="me", maxResults=min(limit, PAGE_SIZE))
    while request is not None:
        response = request.execute(num_retries=RETRIES)
        for ref in response.get("messages", []):
            item = _fetch(gmail, ref["id"])
            if item is not None and item.at < since:
                return MailboxPage(items[::-1], cursor, resynced=resynced)
            if item is not None:
                items.append(item)
            if len(items) >= limit:
                return MailboxPage(items[::-1], cursor, resynced=resynced)
        request = gmail.users().messages().list_next(request, response)
    return MailboxPage(items[::-1], cursor, resynced=resynced)


def _fetch_all(gmail, ids: dict[str, None]) -> list[MailItem]:
    return [item for item in (_fetch(gmail, message_id) for message_id in ids) if item is not None]


def _fetch(gmail, message_id: str) -> MailItem | None:
    """One message's metadata, or None when it was deleted since it was listed."""
    request = gmail.users().messages().get(userId="me", id=message_id, format="metadata", metadataHeaders=list(HEADERS))
    try:
        return _item(request.execute(num_retries=RETRIES))
    except HttpError as exc:
        if exc.status_code == 404:
            return None
        raise


def _item(message: dict) -> MailItem:
    values: dict[str, list[str]] = {}
    for header in message.get("payload", {}).get("headers", []):
        values.setdefault(header["name"].lower(), []).append(header.get("value", ""))
    first = {name: found[0] for name, found in values.items()}
    recipients = [address.lower() for _, address in getaddresses(values.get("to", []) + values.get("cc", [])) if address]
    return MailItem(
        provider_id=message["id"],
        thread_id=message.get("threadId"),
        message_id=(first.get("message-id") or "").strip() or None,
        in_reply_to=_message_ids(first.get("in-reply-to", "")),
        references=_message_ids(first.get("references", "")),
        sender=parseaddr(first.get("from", ""))[1].lower(),
        recipients=tuple(dict.fromkeys(recipients)),
        subject=_decoded(first.get("subject", "")),
        at=datetime.fromtimestamp(int(message["internalDate"]) / 1000, tz=UTC),
        outgoing="SENT" in message.get("labelIds", []),
        headers=first,
    )


def _message_ids(value: str) -> tuple[str, ...]:
    # Usually space-separated <id@host>; some senders run them together, a few leave out the brackets.
    return tuple(MESSAGE_ID.findall(value)) or tuple(value.split())


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value


def _refresh_failed(exc: RefreshError) -> Exception | None:
    details = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    if details.get("error") == "invalid_grant":
        return AccountRevoked(f"Google no longer accepts this account's grant: {exc.args[0]}")
    if getattr(exc, "retryable", False):
        return ProviderBusy(f"Google's token endpoint failed: {exc.args[0]}")
    return None  # another refusal (invalid_client: the app's secret changed, say): raised as it is


def _http_failed(exc: HttpError) -> Exception | None:
    status = exc.status_code
    if status == 401:
        return AccountRevoked(f"Gmail refused the account's fresh access token: {exc.reason}")
    details = exc.error_details if isinstance(exc.error_details, list) else []
    rate_limited = any(isinstance(d, dict) and d.get("reason") in RATE_LIMIT_REASONS for d in details)
    if status == 429 or status >= 500 or (status == 403 and rate_limited):
        return ProviderBusy(f"Gmail answered {status}: {exc.reason}", retry_after=_retry_after(exc.resp))
    return None  # another 4xx is a mistake of ours: raised as the HttpError it is


def _retry_after(resp) -> float | None:
    value = resp.get("retry-after") if resp is not None else None  # httplib2 lower-cases header names
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
