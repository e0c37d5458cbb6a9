"""/api/v1/push: phone notifications, through browsers' Web Push subscriptions and Apprise URLs."""
from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Literal

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .common import PRINTABLE, Id, Strict

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
