"""Protected messages (protected/): the body a registration protects, its reading URLs, and its state."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .common import Id, Moment, Strict

# The stored HTML is limited after cleaning (protected/sanitize.py, 413 past 2 MiB); this only keeps
# a field from being larger than any request the route accepts.
MAX_HTML_CHARS = 4 * 1024 * 1024
MAX_RECIPIENT_INDEX = 499
ImageType = Literal["image/png", "image/jpeg", "image/gif", "image/webp"]
Teaser = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]


class InlineImage(Strict):
    cid: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\s\"'<>\x00]+$")] = Field(
        description="The content id the HTML names it by, as src=\"cid:<cid>\"")
    content_type: ImageType
    data: Annotated[str, StringConstraints(min_length=1, max_length=MAX_HTML_CHARS, pattern=r"^[A-Za-z0-9+/]*={0,2}$")] = (
        Field(description="The image, base64 (standard alphabet, padded)"))


class ProtectedIn(Strict):
    html: Annotated[str, StringConstraints(min_length=1, max_length=MAX_HTML_CHARS)] = Field(
        description="The message body as HTML. It is sanitized (no scripts, event handlers, forms or styles that "
                    "load anything) and stored encrypted; images must be data: URIs or `images` named by cid:, "
                    "remote images are dropped. At most 2 MiB once cleaned, inline images included (413 past that)")
    images: Annotated[list[InlineImage], Field(max_length=50)] = Field(
        default=[], description="Inline images the HTML names as src=\"cid:<cid>\"; stored inside the body")
    teaser: Teaser | None = Field(
        default=None, description="What the mail says instead of the body. `{link}` marks where the reading URL "
                                  "goes; without it the URL is added on a line of its own. Default: "
                                  "\"<sender> sent you a message. Read it here: <link>\"")
    expires_at: Moment | None = Field(default=None, description="An absolute expiry, in the future, with its offset")
    expires_after_view_hours: Annotated[int, Field(ge=1, le=24 * 365)] | None = Field(
        default=None, description="Expire this many hours after the first view by a person (a link scanner's "
                                  "fetch neither counts nor starts the clock)")


class ProtectionPut(Strict):
    expires_at: Moment | None = Field(default=None, description="The absolute expiry; null or absent for none. "
                                                                "A time already past expires the message now")
    expires_after_view_hours: Annotated[int, Field(ge=1, le=24 * 365)] | None = Field(
        default=None, description="Hours after the first person's view; null or absent for none. If someone has "
                                  "viewed it already, counted from that view")


class ReadingUrl(BaseModel):
    index: int = Field(description="The recipient's position in `recipients`")
    address: str
    url: str


class RevokedOut(BaseModel):
    index: int
    address: str | None
    revoked_at: datetime


class ProtectedCreated(BaseModel):
    url: str = Field(description="The reading URL to put in the mail: the recipient's own when there is one "
                                 "recipient (so it can be revoked alone), else one URL shared by all of them")
    recipient_urls: list[ReadingUrl] = Field(description="One reading URL per recipient, for mail sent to each "
                                                         "separately; each can be revoked alone")
    teaser_text: str = Field(description="The text the mail carries, the URL in it")
    teaser_html: str = Field(description="The same as HTML (escaped, the URL as a link), for the compose body")
    expires_at: datetime | None
    expires_after_view_hours: int | None


class ProtectionOut(BaseModel):
    state: Literal["available", "withdrawn", "expired"]
    url: str
    recipient_urls: list[ReadingUrl]
    created_at: datetime
    withdrawn_at: datetime | None
    expires_at: datetime | None = Field(description="The absolute expiry the sender set")
    expires_after_view_hours: int | None
    first_view_at: datetime | None = Field(description="The first view by a person: when the after-view clock "
                                                       "started")
    ends_at: datetime | None = Field(description="When it expires (or expired): the sooner of the two expiries "
                                                 "known so far")
    views: int = Field(description="Views counted: people's, not scanners' or the sender's")
    body_stored: bool = Field(description="Whether the encrypted body is still on the server; false once "
                                          "withdrawn or expired, when it is deleted")
    revoked: list[RevokedOut]


class RecipientIndexPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_id: Id
    index: Annotated[int, Field(ge=0, le=MAX_RECIPIENT_INDEX)]
