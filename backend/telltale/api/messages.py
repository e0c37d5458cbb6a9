"""Messages as the extension sees them: register a send, list, read, change, delete."""
from __future__ import annotations

from datetime import UTC, datetime

from ..gone import mark_gone_on_commit
from ..optout import urls as optout_urls
from ..optout.wording import footer_words
from ..store import messages as queries
from ..store import optouts
from ..store import protected as protections
from ..store.models import Event, Message
from ..store.sender_views import record_sender_view
from . import protected
from .errors import not_found
from .schemas import (
    EventOut,
    LinkOut,
    MessageCreated,
    MessageDetail,
    MessageIn,
    MessageOut,
    MessagePage,
    ProtectedMessageIn,
    TrackedLink,
)
from .schemas.messages import OptOutFooter

# The hop of the reading chain (tracking/hotpath.py) a client reached: the message was still open
# on its screen at that mark (1, 3 and 9 s by default). ContactMonkey's buckets.
READING_LABELS = {1: "glanced", 2: "skimmed", 3: "read"}


def create(call) -> tuple[MessageCreated, int]:
    body: MessageIn = call.body
    now = datetime.now(UTC)
    fields = body.model_dump(include={"subject", "recipients", "client_ref", "thread_ref", "account", "tracking", "notify"})
    decoy = len(body.links) if body.decoy else None
    # A recipient who declined this sender's tracking before is declined on this message too.
    declined = optouts.declined_indexes(call.session, call.user.id, body.recipients, call.services.optout_hasher())
    if declined:
        fields["declined_recipients"] = declined
    message = queries.add_message(
        call.session, call.user.id,
        {**fields, "sent_at": body.sent_at or now, "created_at": now, "decoy_position": decoy}, body.links, body.tags,
    )
    signer, base = call.services.signer, call.services.settings.public_url
    token = signer.pixel_token(message.id)
    created = MessageCreated(
        id=message.id,
        pixel_url=f"{base}/p/{token}.gif",
        reading_url=f"{base}/r/{token}.gif",
        forward_url=f"{base}/f/{token}.gif",
        links=[
            TrackedLink(url=url, tracked_url=f"{base}/l/{signer.link_token(message.id, i, url)}")
            for i, url in enumerate(body.links)
        ],
    )
    if decoy is not None:
        # It leads to the server's own front page: a machine that follows it harms nobody.
        created.decoy_url = f"{base}/l/{signer.link_token(message.id, decoy, f'{base}/')}"
    if body.per_recipient:
        created.recipient_pixel_urls = [
            f"{base}/p/{signer.pixel_token(message.id, i)}.gif" for i in range(len(body.recipients))
        ]
    if body.tracking and (call.user.optout_footer if body.optout is None else body.optout):
        created.optout = _optout_footer(call, message)
        if body.per_recipient:
            created.recipient_optout_urls = [
                optout_urls.optout_url(signer, base, message.id, i) for i in range(len(body.recipients))
            ]
    if isinstance(body, ProtectedMessageIn):
        created.protected = protected.protect(call, message, body.protected, now)
    return created, 201


def _optout_footer(call, message: Message) -> OptOutFooter:
    """The footer line, in the user's language and wording, with the URL the mail carries."""
    text, link_text = footer_words(call.user.optout_language, call.user.optout_wording)
    url = optout_urls.mail_url(call.services.signer, call.services.settings.public_url, message.id, message.recipients)
    return OptOutFooter(text=text, link_text=link_text, url=url)


def create_protected(call) -> tuple[MessageCreated, int]:
    """The same registration, its body kept on the server (api/protected.py): one request, so a Send
    either registers the message with its body or nothing at all."""
    return create(call)


def index(call) -> tuple[MessagePage, int]:
    query = call.query
    rows = queries.page_of_messages(
        call.session, call.user.id, limit=query.limit + 1, before=query.before, tag=query.tag, state=query.state
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    states = protections.states_of(call.session, [m.id for m in rows], datetime.now(UTC))
    return MessagePage(items=[_out(m, states.get(m.id)) for m in rows], next_before=rows[-1].id if more else None), 200


def show(call, message_id: int) -> tuple[MessageDetail, int]:
    message = _owned(call, message_id)
    events = queries.events_of(call.session, message.id)
    return MessageDetail(**_with_state(call, message).model_dump(), events=[_event(e) for e in events],
                         protection=protected.protection_out(call, message)), 200


def change(call, message_id: int) -> tuple[MessageOut, int]:
    message = _owned(call, message_id)
    patch = call.body.model_dump(exclude_unset=True)
    if "tags" in patch:
        queries.set_tags(message, patch.pop("tags") or [])
    for name, value in patch.items():
        if value is not None or name in ("client_ref", "thread_ref"):
            setattr(message, name, value)
    call.session.flush()
    return _with_state(call, message), 200


def sender_viewed(call, message_id: int) -> tuple[MessageOut, int]:
    message = _owned(call, message_id)
    viewed_at = call.body.at or datetime.now(UTC)
    record_sender_view(call.session, message, viewed_at)
    call.session.flush()
    return _with_state(call, message), 200


def remove(call, message_id: int) -> tuple[None, int]:
    queries.remove_message(call.session, _owned(call, message_id))
    mark_gone_on_commit(call.session, call.services.redis, [message_id])
    return None, 204


def _owned(call, message_id: int) -> Message:
    message = queries.owned_message(call.session, call.user.id, message_id)
    if message is None:
        raise not_found(f"message {message_id}")
    return message


def _out(message: Message, protected_state: str | None = None) -> MessageOut:
    return MessageOut(
        id=message.id,
        subject=message.subject,
        recipients=message.recipients,
        sent_at=message.sent_at,
        client_ref=message.client_ref,
        thread_ref=message.thread_ref,
        tracking=message.tracking,
        notify=message.notify,
        tags=sorted(tag.tag for tag in message.tags),
        state=queries.state_of(message),
        opens=message.opens,
        readers=message.readers,
        forwarded=message.forwarded,
        clicks=message.clicks,
        first_open_at=message.first_open_at,
        last_open_at=message.last_open_at,
        replies=message.replies,
        first_reply_at=message.first_reply_at,
        account=message.account,
        links=[LinkOut(index=link.position, url=link.url, clicks=link.clicks) for link in message.links],
        protected=protected_state,
        tracking_declined=bool(message.declined_recipients),
    )


def _with_state(call, message: Message) -> MessageOut:
    """One message as the list shows it, its protection's state included."""
    return _out(message, protections.states_of(call.session, [message.id], datetime.now(UTC)).get(message.id))


def _event(event: Event) -> EventOut:
    return EventOut(
        id=event.id,
        kind=event.kind,
        at=event.occurred_at,
        source=event.source,
        reason=event.reason,
        ip=event.ip,
        user_agent=event.user_agent,
        method=event.method,
        recipient=event.recipient,
        link_index=event.link_position,
        url=event.url,
        client=event.client,
        device=event.device,
        os=event.os,
        country=event.country,
        region=event.region,
        city=event.city,
        timezone=event.timezone,
        repeat=event.repeat,
        reading=reading_label(event.reading_step),
        forwarded=event.forwarded,
    )


def reading_label(step: int | None) -> str | None:
    return READING_LABELS.get(step) if step else None
