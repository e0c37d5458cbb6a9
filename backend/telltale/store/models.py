"""Tables. IP addresses arrive already truncated unless the owner opted in (see store.ingest)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The condition of the partial index of clicks; a query must state it as this literal, not a bound
# parameter, for the planner to know the index holds every row it wants.
CLICK = "kind = 'click'"
# The condition of the partial index of counted events, stated likewise: counting.counted, as text.
COUNTED = "source IN ('person', 'proxy') AND NOT repeat"
# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    SQLite keeps no zone and PostgreSQL answers in its session's zone; without this, the same
    query would give naive times on one and another zone's times on the other.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a datetime without a zone: {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column()
    # Notification preferences: the worker reads them for every event it publishes.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # False while the zone is still the default: a browser paired then may set its own.
    timezone_set: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reopen_quiet_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    digest: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    digest_sent_at: Mapped[datetime | None] = mapped_column()
    # Once a recipient has replied, their re-opens of the thread are old news: no popup unless asked.
    popups_after_reply: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Privacy (privacy controls, README "Privacy"): days this user's messages are kept, when
    # shorter than the instance's TELLTALE_RETENTION_DAYS; None keeps the instance's.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # The opt-out footer: added to every tracked message unless the compose window says otherwise,
    # in this language, in the user's own words when they gave some.
    optout_footer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    optout_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    optout_wording: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token: a leaked database does not leak working tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class PairingCode(Base):
    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class LinkedAccount(Base):
    """A Google or Microsoft mailbox the user let us read, to find replies (replies/, worker/replies.py)."""

    __tablename__ = "linked_accounts"
    # One Telltale user per mailbox: signing in with it must name one user.
    __table_args__ = (UniqueConstraint("provider", "address"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    # The refresh token (Google) or msal's token cache (Microsoft), encrypted (accounts/vault.py).
    secret: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text, default="")
    linked_at: Mapped[datetime] = mapped_column()
    # Where the next poll starts: a Gmail historyId, Graph's delta links; None before the first.
    cursor: Mapped[str | None] = mapped_column(Text)
    # "ok"; "relink" once the provider refused the credential; "waiting" while it asks us to slow down.
    status: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    problem: Mapped[str | None] = mapped_column(String(300))
    checked_at: Mapped[datetime | None] = mapped_column()
    next_check_at: Mapped[datetime] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # Replies are matched by the provider's thread (thread_ref) or by Message-ID (replies/matching.py).
        Index("ix_messages_thread", "user_id", "thread_ref"),
        Index("ix_messages_internet_id", "user_id", "internet_message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column()
    client_ref: Mapped[str | None] = mapped_column(String(255))
    thread_ref: Mapped[str | None] = mapped_column(String(255))
    tracking: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=True)
    opens: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    first_open_at: Mapped[datetime | None] = mapped_column()
    last_open_at: Mapped[datetime | None] = mapped_column()
    # The link index of the invisible decoy the extension adds: only machines follow it.
    decoy_position: Mapped[int | None] = mapped_column(Integer)
    # Distinct clients among the counted opens; everyone behind one image proxy is one of them.
    readers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The mailbox it was sent from, as the webmail page showed it: whose linked account finds its replies.
    account: Mapped[str | None] = mapped_column(String(320))
    # Its RFC 5322 Message-ID, learnt from the provider's API after sending: replies name it.
    internet_message_id: Mapped[str | None] = mapped_column(String(998))
    replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_reply_at: Mapped[datetime | None] = mapped_column()
    # The recipients (indexes into `recipients`) who declined tracking on the opt-out page: their
    # hits, and those of a URL shared by every recipient, are discarded before storage.
    declined_recipients: Mapped[list | None] = mapped_column(JSON)

    links: Mapped[list[Link]] = relationship(
        order_by="Link.position", cascade="all, delete-orphan", passive_deletes=True
    )
    tags: Mapped[list[MessageTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class MessageTag(Base):
    __tablename__ = "message_tags"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Link(Base):
    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("message_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_message_time", "message_id", "occurred_at"),
        # The dashboard's reports, best time and recipients (store/reports.py) group a user's counted
        # events by time, zone, recipient and reading: with every column they read in the index,
        # SQLite answers from it alone instead of fetching 200,000 rows (migration 0009). Its head,
        # equal on message, kind, source and repeat, is also how the worker finds who has read a
        # message already (store/contexts.py: the opens that count, not the repeats that are nearly
        # all of a message opened in a loop), and the open a reading belongs to (migration 0015).
        Index("ix_events_reports", "message_id", "kind", "source", "repeat", "occurred_at", "timezone", "recipient",
              "reading_step"),
        # A message's clicks of the last seconds, what a click burst is judged on (store/contexts.py,
        # store/events.py): without it, both databases walked every event of those seconds, thousands
        # of opens under load, to find a click or none (migration 0014). Only clicks are in it, so
        # storing an open costs it nothing.
        Index("ix_events_clicks", "message_id", "occurred_at", sqlite_where=text(CLICK), postgresql_where=text(CLICK)),
        # Each recipient's first open, click and reply of a year's messages (reports.first_times), in
        # the order SQLite groups them: without it, 134,000 counted events went through a temporary
        # B-tree to be grouped by message and recipient. Only counted events are in it, so a repeat
        # or a machine's hit, most of what the worker stores under load, costs it nothing (0016).
        Index("ix_events_firsts", "message_id", "recipient", "kind", "occurred_at", sqlite_where=text(COUNTED),
              postgresql_where=text(COUNTED)),
    )

    # The hit id minted on the hot path: storing a hit twice is a primary-key conflict.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Looked up through ix_events_message_time, which starts with it.
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column()
    recipient: Mapped[int | None] = mapped_column(Integer)
    link_position: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    method: Mapped[str] = mapped_column(String(8), default="GET")
    source: Mapped[str] = mapped_column(String(16), default="unknown")
    reason: Mapped[str] = mapped_column(String(200), default="")
    # Enrichment (enrich.py); none of it is claimed for proxies and prefetchers.
    client: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(96))
    city: Mapped[str | None] = mapped_column(String(96))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The same client opening again within seconds (a client that loads images twice, a
    # re-render): stored and shown, but part of the open before it, not a new one.
    repeat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How far the reading chain got after this open (reading.py): an estimate, people's opens only.
    reading_step: Mapped[int | None] = mapped_column(Integer)
    # This open, or this forward image, says the message went on to someone else.
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TrackingOptOut(Base):
    """A recipient declined this sender's tracking: a keyed hash of their address, never the address."""

    __tablename__ = "tracking_optouts"
    __table_args__ = (UniqueConstraint("user_id", "address_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # HMAC-SHA256 of the lower-cased address under the instance's opt-out key (optout/hashing.py).
    address_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()


class SenderView(Base):
    """The sender looked at their own tracked message: hits around this moment are theirs."""

    __tablename__ = "sender_views"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column()


class PushSubscription(Base):
    """One browser's Web Push subscription (notify/webpush.py): where to send, and the keys to encrypt with."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The push service's URL for this browser: a capability, unique to the browser and the key it subscribed with.
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(32))
    # What the device list shows: the name the page gave, else its User-Agent.
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column()
    last_ok_at: Mapped[datetime | None] = mapped_column()


class AppriseUrl(Base):
    """One of a user's Apprise URLs (notify/apprise_urls.py), encrypted at rest: they carry tokens and passwords."""

    __tablename__ = "apprise_urls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Sealed with the vault (accounts/vault.py), like linked accounts' refresh tokens.
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()


class Team(Base):
    """People who send for one business; its managers see each member's figures, not their mail."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    # One team a user: figures are counted once, and a manager's view is of one team.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # owner, manager or member
    # Only when the member says so do managers see subjects and recipients.
    shares_messages: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    joined_at: Mapped[datetime] = mapped_column()


class TeamInvite(Base):
    __tablename__ = "team_invites"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    # The link's secret is shown once; only its SHA-256 is kept, as for API tokens.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()


class Protection(Base):
    """A protected message (protected/): its body is kept here, sealed, and the mail carries a link to it.

    The body lives in ProtectedBody, a row of its own, so withdrawing or expiring deletes it outright.
    """

    __tablename__ = "protections"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column()
    # The sender's absolute expiry, and the hours after the first counted view (a person's) it may last.
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    expires_after_view_hours: Mapped[int | None] = mapped_column(Integer)
    # Set by the worker from the first counted view; with the hours above it gives view_expires_at.
    first_view_at: Mapped[datetime | None] = mapped_column()
    view_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProtectedBody(Base):
    """The sanitized HTML (inline images included), sealed with AES-GCM under the instance's content key."""

    __tablename__ = "protected_bodies"

    message_id: Mapped[int] = mapped_column(ForeignKey("protections.message_id", ondelete="CASCADE"), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class ProtectedRevocation(Base):
    """One recipient's reading URL no longer opens the message; the others still do."""

    __tablename__ = "protected_revocations"

    message_id: Mapped[int] = mapped_column(ForeignKey("protections.message_id", ondelete="CASCADE"), primary_key=True)
    recipient: Mapped[int] = mapped_column(Integer, primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column()
