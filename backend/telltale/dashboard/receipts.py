"""A message's receipt in the dashboard: a printable page, and the JSON file to download.

The database is read first and let go; only then is the receipt signed and, when the owner set
a timestamp authority, timestamped, which may take the authority's few seconds.
"""
from __future__ import annotations

import base64
import json

from flask import abort, make_response, render_template

from ..receipts.document import gather
from ..receipts.issue import issue_receipt
from ..receipts.keys import WELL_KNOWN_PATH
from ..services import services
from ..store import messages as queries
from ..store.models import User
from .signin import signed_in

# A document, not an application: its stylesheets and nothing else; no script, no form, no frame.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
                           "frame-ancestors 'none'")


@signed_in
def page(user: User, message_id: int):
    receipt = _issue(user, message_id)
    text = json.dumps(receipt, indent=2, ensure_ascii=False)
    response = make_response(render_template(
        "dashboard/receipt.html", receipt=receipt, document=receipt["receipt"], text=text,
        download=f"data:application/json;base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}",
        filename=_filename(message_id), key_url=receipt["receipt"]["issuer"]["url"] + WELL_KNOWN_PATH,
    ))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@signed_in
def download(user: User, message_id: int):
    response = make_response(json.dumps(_issue(user, message_id), indent=2, ensure_ascii=False))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(message_id)}"'
    return response


def _issue(user: User, message_id: int) -> dict:
    svc = services()
    with svc.sessions() as db:
        message = queries.owned_message(db, user.id, message_id)
        if message is None:
            abort(404)  # someone else's message does not exist, as in the API
        facts = gather(db, message)
    return issue_receipt(facts, svc.settings)


def _filename(message_id: int) -> str:
    return f"telltale-receipt-{message_id}.json"
