"""GET /.well-known/telltale-receipt-key: the receipt key's public half, for anyone who checks a receipt."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..services import services
from .keys import WELL_KNOWN_PATH, load_receipt_key


def blueprint() -> Blueprint:
    bp = Blueprint("receipts", __name__)
    bp.add_url_rule(WELL_KNOWN_PATH, "receipt_key", published_key)
    return bp


def published_key():
    settings = services().settings
    response = jsonify(load_receipt_key(settings.receipt_key_file).published(settings.public_url))
    # The same for everyone and rarely changed: any cache may keep it for an hour, and any page may read it.
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
