"""Request and response shapes: they validate requests and generate the OpenAPI document.

One module per resource of the route table (api/routes.py), and `common` for the shapes several
share; every public name is re-exported here, so `from .schemas import MessageIn` works as it did.
"""
from __future__ import annotations

from .accounts import AccountList, AccountOut, AccountPath, LinkIn, LinkUrlOut, Provider, UnlinkOut
from .common import EARLIEST, LATEST, MAX_ID, PRINTABLE, Address, Id, Moment, Strict
from .dashboard import DashboardLinkOut
from .errors import ErrorBody, ErrorOut
from .messages import (
    EventOut,
    LinkOut,
    MessageCreated,
    MessageDetail,
    MessageIn,
    MessageOut,
    MessagePage,
    MessagePatch,
    MessagePath,
    MessageQuery,
    ProtectedMessageIn,
    Recipient,
    Ref,
    SenderViewIn,
    State,
    Subject,
    Tag,
    Tags,
    TargetUrl,
    TrackedLink,
)
from .pairing import PairIn, PairingCode, PairOut
from .privacy import AccountDeleteIn
from .protected import (
    InlineImage,
    ProtectedCreated,
    ProtectedIn,
    ProtectionOut,
    ProtectionPut,
    ReadingUrl,
    RecipientIndexPath,
    RevokedOut,
)
from .push import (
    B64URL,
    AppriseIn,
    AppriseOut,
    AppriseUrlText,
    ChannelResult,
    DeviceName,
    PushKeyOut,
    PushKeys,
    PushSubscriptionIn,
    PushSubscriptionList,
    PushSubscriptionOut,
    PushSubscriptionPath,
    PushTestOut,
)
from .recipients import Interest, RecipientList, RecipientOut, RecipientPath, RecipientQuery
from .settings import ZONES, ClockTime, Digest, Minutes, QuietHours, SettingsOut, SettingsPatch, ZoneName
from .tokens import TokenList, TokenOut, TokenPath

__all__ = [
    # common
    "MAX_ID", "PRINTABLE", "Address", "Id", "Strict",
    # errors
    "ErrorBody", "ErrorOut",
    # pairing
    "PairingCode", "PairIn", "PairOut",
    # tokens
    "TokenList", "TokenOut", "TokenPath",
    # messages
    "EARLIEST", "LATEST", "EventOut", "LinkOut", "MessageCreated", "MessageDetail", "MessageIn", "MessageOut",
    "MessagePage", "MessagePatch", "MessagePath", "MessageQuery", "ProtectedMessageIn", "Moment", "Recipient", "Ref", "SenderViewIn",
    "State", "Subject", "Tag", "Tags", "TargetUrl", "TrackedLink",
    # settings
    "ZONES", "ClockTime", "Digest", "Minutes", "QuietHours", "SettingsOut", "SettingsPatch", "ZoneName",
    # accounts
    "AccountList", "AccountOut", "AccountPath", "LinkIn", "LinkUrlOut", "Provider", "UnlinkOut",
    # dashboard
    "DashboardLinkOut",
    # privacy
    "AccountDeleteIn",
    # protected
    "InlineImage", "ProtectedCreated", "ProtectedIn", "ProtectionOut", "ProtectionPut", "ReadingUrl",
    "RecipientIndexPath", "RevokedOut",
    # recipients
    "Interest", "RecipientList", "RecipientOut", "RecipientPath", "RecipientQuery",
    # push
    "B64URL", "AppriseIn", "AppriseOut", "AppriseUrlText", "ChannelResult", "DeviceName", "PushKeyOut", "PushKeys",
    "PushSubscriptionIn", "PushSubscriptionList", "PushSubscriptionOut", "PushSubscriptionPath", "PushTestOut",
]
