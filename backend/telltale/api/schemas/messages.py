"""/api/v1/messages: registering a message, listing and reading them with their events, changing them."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ...errors import BadTarget
from ...targets import MAX_TARGET_LENGTH, validate_target
from .common import PRINTABLE, Address, Id, Moment, Strict
from .protected import ProtectedCreated, ProtectedIn, ProtectionOut

State = Literal["untracked", "sent", "declined", "opened", "clicked", "replied"]
# PostgreSQL cannot store NUL in text, and no address, reference or subject needs one.
Recipient = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320, pattern=r"^[^\x00]*$")]
Subject = Annotated[str, StringConstraints(max_length=998, pattern=r"^[^\x00]*$")]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=PRINTABLE)]
Tags = Annotated[list[Tag], Field(max_length=20)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00]*$")]


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
    optout: bool | None = Field(default=None, description="Add the opt-out footer, a line with a link where a "
                                                          "recipient declines tracking; null: the user's default")


class ProtectedMessageIn(MessageIn):
    protected: ProtectedIn = Field(
        description="Keep the body on this server and send a teaser with a link to read it: it can be withdrawn, "
                    "expire, or be revoked for one recipient (README, Protected messages)")


class TrackedLink(BaseModel):
    url: str
    tracked_url: str


class OptOutFooter(BaseModel):
    text: str = Field(description="The footer's sentence, in the user's wording or their language's default")
    link_text: str = Field(description="The text of the link to `url`, in the user's language")
    url: str


class MessageCreated(BaseModel):
    id: int
    pixel_url: str
    reading_url: str = Field(description="An invisible image that tells how long the message stays open (estimate)")
    forward_url: str = Field(description="A background image for forward markup only (see the extension)")
    links: list[TrackedLink]
    recipient_pixel_urls: list[str] | None = None
    decoy_url: str | None = None
    optout: OptOutFooter | None = Field(default=None, description="The opt-out footer the mail carries, when it "
                                                                  "is on and the message is tracked")
    recipient_optout_urls: list[str] | None = Field(default=None, description="With `per_recipient` and the "
                                                    "footer on: each recipient's own opt-out URL")
    protected: ProtectedCreated | None = Field(default=None, description="For a protected message: the reading "
                                                                         "URLs and the teaser the mail carries")


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
    protected: Literal["available", "withdrawn", "expired"] | None = Field(
        default=None, description="For a protected message, whether its page can be read now; null for any other")
    tracking_declined: bool = Field(default=False, description="A recipient declined tracking on the opt-out page: "
                                    "their opens and clicks, and those of URLs all recipients share, are not recorded")


class EventOut(BaseModel):
    id: str
    kind: Literal["open", "click", "forward", "reply", "view"] = Field(
        description="`view`: a reader pressed Show on a protected message's page")
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
    protection: ProtectionOut | None = Field(default=None, description="For a protected message: whether it can "
                                                                       "still be read, its expiry, views, revocations")


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_before: int | None = Field(description="Pass as `before` for the next page; null on the last")
