"""GET /api/v1/messages/<id>/receipt: a signed, timestamped receipt of the caller's message."""
from __future__ import annotations

from ..receipts.document import gather
from ..receipts.issue import issue_receipt
from ..store import messages as queries
from .errors import not_found
from .schemas.receipts import ReceiptOut


def show(call, message_id: int) -> tuple[ReceiptOut, int]:
    message = queries.owned_message(call.session, call.user.id, message_id)
    if message is None:
        raise not_found(f"message {message_id}")
    return ReceiptOut.model_validate(issue_receipt(gather(call.session, message), call.services.settings)), 200
