"""/api/v1/tokens: the caller's API tokens, listed without their secrets, and revoked one by one."""
from __future__ import annotations

from ..accounts.credentials import live_tokens, revoke_token
from ..live.revocations import announce_on_commit
from .errors import not_found
from .schemas import TokenList, TokenOut


def index(call) -> tuple[TokenList, int]:
    rows = live_tokens(call.session, call.user.id)
    return TokenList(items=[
        TokenOut(id=row.id, label=row.label, created_at=row.created_at, last_used_at=row.last_used_at,
                 current=row.id == call.token_id)
        for row in rows
    ]), 200


def remove(call, token_id: int) -> tuple[None, int]:
    # Another user's token answers as one that does not exist: ids reveal nothing.
    if not revoke_token(call.session, call.user.id, token_id):
        raise not_found(f"token {token_id}")
    announce_on_commit(call.session, call.services.redis, token_id)
    return None, 204


def remove_current(call) -> tuple[None, int]:
    revoke_token(call.session, call.user.id, call.token_id)
    announce_on_commit(call.session, call.services.redis, call.token_id)
    return None, 204
