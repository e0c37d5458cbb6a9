"""Request and response shapes: they validate requests and generate the OpenAPI document."""
from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ..errors import BadTarget
from ..targets import MAX_TARGET_LENGTH, validate_target

State = Literal["untracked", "sent", "opened", "clicked", "replied"]
# Ids are 64-bit signed integers in both databases; a larger number names nothing and overflows SQLite.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# PostgreSQL cannot store NUL in text, and no address, reference or subject needs one.
Recipient = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320, pattern=r"^[^\x00]*$")]
Subject = Annotated[str, StringConstraints(max_length=998, pattern=r"^[^\x00]*$")]
# Printable text without whitespace at either end: what is shown is what is filtered on.
PRINTABLE = r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
Tag = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=PRINTABLE)]
Tags = Annotated[list[Tag], Field(max_length=20)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00]*$")]
Address = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=320,
                                           pattern=r"^[^\s@\x00]+@[^\s@\x00]+$")]
# Ten letters and digits, grouped as the server shows them or not; case does not matter.
PairingCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]([ -]?[A-Za-z0-9]){9}$")]


def _target(url: str) -> str:
    # Pydantic reports only ValueErrors against the exact list item; anything else escapes as a 500.
    try:
        return validate_target(url)
    except BadTarget as exc:
        raise ValueError(str(exc)) from None


TargetUrl = Annotated[
    str,
    Field(max_length=MAX_TARGET_LENGTH, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]", json_schema_extra={"format": "uri"},
          description="An absolute http(s) URL with a host"),
    AfterValidator(_target),
]
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def _plausible(moment: datetime) -> datetime:
    # Far years overflow the conversion to UTC or the windows computed around a moment.
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"{moment.isoformat()} is out of range: use a time from 1970 to 2999 (UTC)")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


class Strict(BaseModel):
    # Strict: "true" is not a boolean and "5" is not a number; unknown fields are mistakes.
    model_config = ConfigDict(strict=True, extra="forbid")


class PairIn(Strict):
    code: PairingCode
    label: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE)] | None = Field(
        default=None, description="What the token is for, shown in the token list: e.g. the browser and system "
                                  "it was paired from; defaults to 'extension'"
    )


class PairOut(BaseModel):
    token: str


class TokenPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token_id: Id


class TokenOut(BaseModel):
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="To within five minutes; null if never used")
    current: bool = Field(description="This is the token the request was made with")


class TokenList(BaseModel):
    items: list[TokenOut] = Field(description="The caller's tokens that still work, oldest first; never the secrets")


class MessageIn(Strict):
    subject: Subject = ""
    recipients: Annotated[list[Recipient], Field(max_length=500)]
    links: Annotated[list[TargetUrl], Field(max_length=500)] = []
    # A time without a zone could be anyone's local time: refuse it rather than guess.
    sent_at: Moment | None = Field(
        default=None, description="When the message was sent, with its offset, from 1970 to 2999 (UTC); defaults to now"
    )
    client_ref: Ref | None = None
    thread_ref: Ref | None = None
    account: Address | None = Field(default=None, description="The mailbox it is sent from, as the webmail page "
                                                               "shows it: whose linked account finds its replies")
    tracking: bool = True
    notify: bool = True
    tags: Tags = []
    per_recipient: bool = Field(default=False, description="Also issue one pixel URL per recipient")
    decoy: bool = Field(default=False, description="Also issue a link for an invisible decoy: only machines follow it")


class TrackedLink(BaseModel):
    url: str
    tracked_url: str


class MessageCreated(BaseModel):
    id: int
    pixel_url: str
    reading_url: str = Field(description="An invisible image that tells how long the message stays open (estimate)")
    forward_url: str = Field(description="A background image for forward markup only (see the extension)")
    links: list[TrackedLink]
    recipient_pixel_urls: list[str] | None = None
    decoy_url: str | None = None


class MessagePatch(Strict):
    tracking: bool | None = None
    notify: bool | None = None
    tags: Tags | None = None
    client_ref: Ref | None = None
    thread_ref: Ref | None = None


class SenderViewIn(Strict):
    at: Moment | None = Field(
        default=None, description="When the sender viewed the message, from 1970 to 2999 (UTC); defaults to now"
    )


class MessagePath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_id: Id


class MessageQuery(BaseModel):
    # Query strings are text: these fields are parsed from it, not strict.
    model_config = ConfigDict(extra="forbid")
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    before: Annotated[Id | None, Field(description="Return messages older than this id")] = None
    tag: Tag | None = None
    state: State | None = None


class LinkOut(BaseModel):
    index: int
    url: str
    clicks: int


class MessageOut(BaseModel):
    id: int
    subject: str
    recipients: list[str]
    sent_at: datetime
    client_ref: str | None
    thread_ref: str | None
    tracking: bool
    notify: bool
    tags: list[str]
    state: State
    opens: int
    readers: int = Field(description="Distinct clients among the counted opens; readers behind one provider's "
                                     "image proxy (Gmail, Yahoo) count as one, so this is a lower bound")
    forwarded: bool = Field(description="Forward markup was shown, or a new client in a new place opened after "
                                        "the first reader (estimate)")
    clicks: int
    first_open_at: datetime | None
    last_open_at: datetime | None
    replies: int = Field(description="Replies from people, found through a linked Gmail or Microsoft account; "
                                     "automatic replies, bounces and the sender's own messages are not counted")
    first_reply_at: datetime | None
    account: str | None
    links: list[LinkOut]


class EventOut(BaseModel):
    id: str
    kind: Literal["open", "click", "forward", "reply"]
    at: datetime
    source: str
    reason: str
    ip: str
    user_agent: str
    method: str
    recipient: int | None
    link_index: int | None
    url: str | None
    client: str | None = Field(description="Mail client or browser, for people's events only")
    device: str | None
    os: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2 code")
    region: str | None
    city: str | None
    timezone: str | None
    repeat: bool = Field(description="The same client again within seconds: part of the open before it")
    reading: Literal["glanced", "skimmed", "read"] | None = Field(
        description="Estimate of how long the message stayed open after this open: glanced 1-3 s, skimmed 3-9 s, "
                    "read 9 s or more; only for people's opens in clients that keep loading images"
    )
    forwarded: bool = Field(description="This event suggests the message was forwarded (estimate)")


class MessageDetail(MessageOut):
    events: list[EventOut]


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_before: int | None = Field(description="Pass as `before` for the next page; null on the last")


def _whole(value):
    # JSON Schema counts 15.0 as an integer, and so does the document: accept it as 15.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Minutes = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=7 * 24 * 60)]
# Checked against the list, not by loading: ZoneInfo("Europe") raises IsADirectoryError, and
# a name that merely loads may be a file such as "localtime" rather than an IANA zone.
ZONES = frozenset(available_timezones() - {"localtime", "posixrules", "Factory"})


def _zone(name: str) -> str:
    if name not in ZONES:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Madrid'")
    return name


ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
ZoneName = Annotated[
    str, AfterValidator(_zone), Field(json_schema_extra={"enum": sorted(ZONES)}, description="An IANA time zone name")
]
Digest = Literal["off", "hourly", "daily"]


class QuietHours(Strict):
    """Popups wait from `start` to `end` (HH:MM in the user's time zone; may span midnight)."""

    start: ClockTime
    end: ClockTime


class SettingsOut(BaseModel):
    email: str
    timezone: str
    timezone_set: bool = Field(description="False while the time zone is still the default (UTC): no one chose it")
    reopen_quiet_minutes: int
    quiet_hours: QuietHours | None
    digest: Digest
    popups_after_reply: bool = Field(description="Popups for re-opens of a thread whose recipient has replied")


class SettingsPatch(Strict):
    timezone: ZoneName | None = None
    reopen_quiet_minutes: Minutes | None = None
    quiet_hours: QuietHours | None = None
    digest: Digest | None = None
    popups_after_reply: bool | None = None


Provider = Literal["google", "microsoft"]


class AccountOut(BaseModel):
    id: int
    provider: Provider
    address: str
    linked_at: datetime
    status: Literal["ok", "relink", "waiting"] = Field(
        description="ok; relink: the provider refused our access, link again; waiting: polls paused, see problem")
    checked_at: datetime | None = Field(description="When the mailbox was last read")
    problem: str | None


class AccountList(BaseModel):
    items: list[AccountOut]
    providers: dict[Provider, bool] = Field(description="Which providers the server's owner has set up")


class LinkIn(Strict):
    provider: Provider


class LinkUrlOut(BaseModel):
    url: str = Field(description="Open in the user's browser within 10 minutes, once: it leads to the provider's consent")


class DashboardLinkOut(BaseModel):
    url: str = Field(description="Open in the user's browser within 15 minutes; it signs in once, with a button press")


class AccountPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: Id


class UnlinkOut(BaseModel):
    revoked: bool = Field(description="The provider confirmed the access is revoked")
    message: str


class RecipientQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: Annotated[int, Field(ge=1, le=365)] = 30
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class RecipientPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Address


class Interest(BaseModel):
    signal: Literal["not_enough_data", "replies", "replies_unknown", "opens_never_replies", "opens_sometimes",
                    "not_opening"]
    text: str = Field(description="The signal in plain words, with the counts behind it")


class RecipientOut(BaseModel):
    address: str
    sent: int
    opened: int = Field(description="Messages with a counted open that can be told to be this recipient's: sent to "
                                    "them alone, or through their own pixel. An open through Gmail's or Yahoo's image "
                                    "proxy counts, but says nothing about who read")
    clicked: int
    replied: int
    median_first_open_seconds: float | None
    median_reply_seconds: float | None
    interest: Interest


class RecipientList(BaseModel):
    days: int
    items: list[RecipientOut]


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


# Phone notifications (api/push.py): a browser's PushSubscription, as `subscription.toJSON()` gives it.
B64URL = r"^[A-Za-z0-9_-]+={0,2}$"


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))


def _p256_point(key: str) -> str:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64url(key))
    except ValueError:
        raise ValueError("is not a P-256 public key (an uncompressed point, base64url)") from None
    return key


def _auth_secret(secret: str) -> str:
    if len(_unb64url(secret)) != 16:
        raise ValueError("must be 16 bytes, base64url")
    return secret


class PushKeys(Strict):
    p256dh: Annotated[str, StringConstraints(min_length=86, max_length=88, pattern=B64URL), AfterValidator(_p256_point)]
    auth: Annotated[str, StringConstraints(min_length=22, max_length=24, pattern=B64URL), AfterValidator(_auth_secret)]


DeviceName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE)]


class PushSubscriptionIn(Strict):
    # Printable ASCII, as push services issue them: 2,048 bytes at most fits a PostgreSQL index entry.
    endpoint: str = Field(max_length=2048, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$",
                          json_schema_extra={"format": "uri"},
                          description="The push service's URL for this browser: https, on a public address")
    expirationTime: float | None = Field(default=None, description="As the browser gives it; not used")
    keys: PushKeys
    name: DeviceName | None = Field(default=None, description="What the device list shows, e.g. 'Pixel 8, Chrome'; "
                                                              "defaults to the browser's User-Agent")


class PushSubscriptionOut(BaseModel):
    id: int
    name: str
    endpoint: str = Field(description="Compare with the browser's own subscription to find this device in the list")
    created_at: datetime
    last_ok_at: datetime | None = Field(description="When its push service last took a notification")


class PushSubscriptionList(BaseModel):
    items: list[PushSubscriptionOut]


class PushSubscriptionPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subscription_id: Id


class PushKeyOut(BaseModel):
    public_key: str = Field(description="The server's VAPID public key, base64url: pass it to "
                                        "PushManager.subscribe() as applicationServerKey")


AppriseUrlText = Annotated[str, StringConstraints(min_length=3, max_length=2048, pattern=r"^[A-Za-z0-9+.-]+://\S*$")]


class AppriseIn(Strict):
    urls: Annotated[list[AppriseUrlText], Field(max_length=10, description="Apprise URLs, such as "
                                                "ntfys://ntfy.sh/my-topic; the whole list, replacing the old one")]


class AppriseOut(BaseModel):
    urls: list[str] = Field(description="The Apprise URLs, with passwords and tokens hidden")


class ChannelResult(BaseModel):
    kind: Literal["web_push", "apprise"]
    id: int
    name: str
    status: Literal["sent", "gone", "failed"] = Field(
        description="sent: the service took it; gone: the browser unsubscribed, and the subscription is deleted")
    detail: str


class PushTestOut(BaseModel):
    results: list[ChannelResult] = Field(description="One per channel; empty when the caller has none")
