"""GET /api/v1/export and DELETE /api/v1/account: a user's own data, to take away or to delete."""
from __future__ import annotations

from flask import Response, stream_with_context

from ..accounts.deletion import delete_user
from ..data_export import json_export
from .errors import ApiError
from .schemas import AccountDeleteIn


def export(call) -> tuple[Response, int]:
    # The document is written as it is read, in its own session: the call's transaction ends now.
    svc, user_id = call.services, call.user.id
    response = Response(stream_with_context(json_export(svc, user_id)), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="telltale-export.json"'
    return response, 200


def delete_account(call):
    body: AccountDeleteIn = call.body
    if body.confirm.strip().lower() != call.user.email.lower():
        raise ApiError(400, "not_confirmed", "to delete the account, send its email address as `confirm`",
                       field="confirm")
    svc, user_id = call.services, call.user.id

    # After the call's own transaction: on SQLite it holds the write lock the deletion needs.
    def after_commit() -> None:
        delete_user(svc, user_id)

    return after_commit, 204
