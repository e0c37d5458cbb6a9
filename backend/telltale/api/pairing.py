"""POST /api/v1/pair: trade a one-time pairing code for an API token."""
from __future__ import annotations

from ..accounts.credentials import issue_api_token, redeem_pairing_code
from .errors import ApiError
from .schemas import PairIn, PairOut


def pair(call) -> tuple[PairOut, int]:
    body: PairIn = call.body
    user = redeem_pairing_code(call.session, body.code)
    if user is None:
        raise ApiError(400, "invalid_pairing_code", "pairing code is unknown, already used or expired", "code")
    return PairOut(token=issue_api_token(call.session, user, label=body.label or "extension")), 200
