"""Read a linked Microsoft mailbox through Graph: what arrived in the Inbox and what left through Sent
Items since the last poll, metadata only.

Why delta queries (https://learn.microsoft.com/en-us/graph/delta-query-messages): each folder's
@odata.deltaLink is Graph's own cursor, so nothing depends on clocks, and `changeType=created` keeps
read/unread flips and moves out of the answer. The cursor is those links as JSON; a link whose round
stopped at `limit` items is an @odata.nextLink, followed on the next poll. A first poll, or a link Graph
answers 410 Gone for (its delta token cache dropped it, https://learn.microsoft.com/en-us/graph/delta-query-overview),
starts a fresh round filtered by `receivedDateTime ge since`, the one $filter delta allows.

Why a second request per Inbox message: internetMessageHeaders (In-Reply-To, References, Auto-Submitted)
is "returned only on applying a $select query option" on a message
(https://learn.microsoft.com/en-us/graph/api/resources/message), and Graph does not return it for Sent
Items. When Graph refuses it (403), the items carry no headers and matching relies on conversationId.
Graph exposes no automatic-reply flag of its own under Mail.ReadBasic (Exchange's OOF message class is an
extended property, which that permission excludes), so MailItem.automatic stays False and the headers speak.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import requests

from ..accounts.microsoft import access_token, msal_client
from ..config import MicrosoftApp
from .mailbox import AccountRevoked, MailboxPage, MailItem, ProviderBusy

FOLDERS = ("inbox", "sentitems")
SELECT = "id,conversationId,internetMessageId,subject,from,toRecipients,ccRecipients,receivedDateTime"
# The headers kept on MailItem: what tells people from machines. In-Reply-To and References go to fields.
KEPT_HEADERS = frozenset({
    "auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress", "precedence", "x-precedence",
    "content-type", "list-id", "list-unsubscribe", "return-path", "x-ms-exchange-generated-message-source",
})
TIMEOUT_SECONDS = 20
PAGE_SIZE = 50
MAX_WAIT_SECONDS = 5.0
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class GraphError(RuntimeError):
    """Graph answered something neither busy, expired nor unauthorised: a bug or an unusable mailbox."""


class _Expired(Exception):
    """The delta or skip token was answered 410 Gone."""


def read_mailbox(app: MicrosoftApp, secret: str, cursor: str | None, since: datetime, limit: int = 300) -> MailboxPage:
    """What arrived and left since `cursor` (at most `limit` items), and where the next poll starts."""
    links = _parse_cursor(cursor)
    with _Graph(app, secret) as graph:
        items: list[MailItem] = []
        resynced = False
        for folder in FOLDERS:
            found, links[folder], expired = _read_folder(graph, folder, links.get(folder), since, limit - len(items))
            items.extend(found)
            resynced = resynced or expired
        cache = graph.client.token_cache
        new_secret = cache.serialize() if cache.has_state_changed else None
    return MailboxPage(items=items, cursor=json.dumps(links), resynced=resynced, secret=new_secret)


def _read_folder(graph: _Graph, folder: str, link: str | None, since: datetime, budget: int):
    """One folder's new items, its next link, and whether an expired link had to be replaced."""
    if budget <= 0:
        return [], link, False
    try:
        entries, next_link = _follow(graph, link or _fresh_link(graph, folder, since), budget)
        expired = False
    except _Expired:
        if link is None:
            raise GraphError(f"Graph answered 410 to a fresh delta round of {folder}") from None
        entries, next_link = _follow(graph, _fresh_link(graph, folder, since), budget)
        expired = True
    outgoing = folder == "sentitems"
    return [_item(graph, entry, outgoing) for entry in entries], next_link, expired


def _fresh_link(graph: _Graph, folder: str, since: datetime) -> str:
    start = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = urlencode({"changeType": "created", "$select": SELECT, "$filter": f"receivedDateTime ge {start}"})
    return f"{graph.endpoint}/me/mailFolders/{folder}/messages/delta?{query}"


def _follow(graph: _Graph, url: str, budget: int) -> tuple[list[dict], str]:
    """Follow nextLinks until the round's deltaLink, or until `budget` messages (then the nextLink)."""
    entries: list[dict] = []
    while True:
        size = max(1, min(PAGE_SIZE, budget - len(entries)))
        page = graph.get(url, headers={"Prefer": f"odata.maxpagesize={size}"}).json()
        entries.extend(entry for entry in page.get("value", []) if "@removed" not in entry)
        if "@odata.deltaLink" in page:
            return entries, page["@odata.deltaLink"]
        if "@odata.nextLink" not in page:
            raise GraphError("a delta page carried neither @odata.nextLink nor @odata.deltaLink")
        url = page["@odata.nextLink"]
        if len(entries) >= budget:
            return entries, url


def _item(graph: _Graph, entry: dict, outgoing: bool) -> MailItem:
    headers = {} if outgoing else graph.headers_of(entry["id"])
    return MailItem(
        provider_id=entry["id"],
        thread_id=entry.get("conversationId"),
        message_id=entry.get("internetMessageId"),
        in_reply_to=tuple(_MESSAGE_ID.findall(headers.pop("in-reply-to", ""))),
        references=tuple(_MESSAGE_ID.findall(headers.pop("references", ""))),
        sender=_address(entry.get("from")),
        recipients=tuple(a for r in (entry.get("toRecipients") or []) + (entry.get("ccRecipients") or [])
                         if (a := _address(r))),
        subject=entry.get("subject") or "",
        at=datetime.fromisoformat(entry["receivedDateTime"]).astimezone(UTC),
        outgoing=outgoing,
        headers={name: value for name, value in headers.items() if name in KEPT_HEADERS},
    )


def _address(recipient: dict | None) -> str:
    return ((recipient or {}).get("emailAddress") or {}).get("address", "").strip().lower()


def _parse_cursor(cursor: str | None) -> dict[str, str | None]:
    if cursor is None:
        return {}
    links = json.loads(cursor)
    if not isinstance(links, dict) or not set(links) <= set(FOLDERS):
        raise ValueError(f"not a Graph cursor: {cursor[:80]!r}")
    return links


class _Graph:
    """One poll's HTTP: a requests session carrying msal's bearer token, refreshed once on a 401."""

    def __init__(self, app: MicrosoftApp, secret: str):
        self.app, self.secret = app, secret
        self.endpoint = app.graph_endpoint.rstrip("/")
        self.headers_readable = True
        self._stack = ExitStack()

    def __enter__(self) -> _Graph:
        with ExitStack() as stack:
            self.client = stack.enter_context(msal_client(self.app, self.secret))
            self.session = stack.enter_context(requests.Session())
            self.token = access_token(self.client)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def get(self, url: str, headers: dict | None = None, *, tolerate: tuple[int, ...] = ()) -> requests.Response:
        if not url.startswith(self.endpoint + "/"):  # links come back from storage: the token goes to Graph only
            raise ValueError(f"not a link into {self.endpoint}: {url[:80]!r}")
        response = self._send(url, headers)
        if response.status_code == 401:
            self.token = access_token(self.client, force_refresh=True)
            response = self._send(url, headers)
            if response.status_code == 401:
                raise AccountRevoked(f"Graph refuses this mailbox's fresh access token: {_error(response)}")
        if response.status_code == 410:
            raise _Expired()
        if response.status_code >= 400 and response.status_code not in tolerate:
            raise GraphError(f"Graph answered {response.status_code} to GET {url.split('?')[0]}: {_error(response)}")
        return response

    def headers_of(self, message_id: str) -> dict[str, str]:
        """The message's Internet headers, names lower-cased; {} when Graph will not give them."""
        if not self.headers_readable:
            return {}
        url = f"{self.endpoint}/me/messages/{quote(message_id, safe='')}?$select=internetMessageHeaders"
        response = self.get(url, tolerate=(403, 404))
        if response.status_code == 403:  # refused for this grant: do not ask again during this poll
            self.headers_readable = False
        if response.status_code != 200:
            return {}
        pairs = response.json().get("internetMessageHeaders") or []
        return {pair["name"].lower(): pair.get("value", "") for pair in pairs if pair.get("name")}

    def _send(self, url: str, headers: dict | None) -> requests.Response:
        """GET once; after a 429/503/504 wait out one short Retry-After, else say the provider is busy."""
        for attempt in range(2):
            try:
                response = self.session.get(url, headers={**(headers or {}), "Authorization": f"Bearer {self.token}"},
                                            timeout=TIMEOUT_SECONDS)
            except requests.RequestException as exc:
                raise ProviderBusy(f"Graph could not be reached: {exc}") from exc
            if response.status_code not in (429, 503, 504) and response.status_code < 500:
                return response
            wait = _retry_after(response)
            if attempt or response.status_code not in (429, 503, 504) or wait is None or wait > MAX_WAIT_SECONDS:
                raise ProviderBusy(f"Graph answered {response.status_code}: {_error(response)}", retry_after=wait)
            time.sleep(wait)
        raise AssertionError("unreachable")


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _error(response: requests.Response) -> str:
    try:
        error = response.json().get("error") or {}
        return f"{error.get('code', '')}: {error.get('message', '')}"[:300]
    except ValueError:
        return response.text[:300]
