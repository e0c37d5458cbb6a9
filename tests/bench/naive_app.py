"""The naive design the issue compares against: a plain Flask view that verifies the token and
calls `rq.Queue.enqueue` once per hit (about 8 Redis commands), then answers.

It verifies Telltale's own tokens with Telltale's own signer and keys, so both designs do the
same work up to the queue. No worker runs for this queue in the bench: a web tier is measured.
"""
from __future__ import annotations

import time

import redis
from flask import Flask, Response, abort, redirect, request
from rq import Queue

from telltale.config import Settings
from telltale.errors import BadToken
from telltale.keyring import load_or_create_keys
from telltale.tracking.hotpath import NO_CACHE, PIXEL_GIF
from telltale.url_tokens import TokenSigner

# The job a naive worker would run; enqueueing by name needs no such function here.
STORE_JOB = "naive.store_hit"
QUEUE = "naive"


def create_naive_app(settings: Settings, redis_url: str) -> Flask:
    app = Flask(__name__)
    signer = TokenSigner(load_or_create_keys(settings.keys_file))
    queue = Queue(QUEUE, connection=redis.Redis.from_url(redis_url))

    def enqueue(kind: str, message_id: int, **claim) -> None:
        queue.enqueue(STORE_JOB, {"kind": kind, "message_id": message_id, "at": time.time(),
                                  "ip": request.remote_addr, "ua": request.headers.get("User-Agent", ""), **claim})

    @app.get("/p/<token>.gif")
    def pixel(token: str):
        try:
            claim = signer.verify_pixel(token)
        except BadToken:
            pass
        else:
            enqueue("open", claim.message_id, recipient=claim.recipient)
        return Response(PIXEL_GIF, mimetype="image/gif", headers=NO_CACHE)

    @app.get("/l/<token>")
    def link(token: str):
        try:
            claim = signer.verify_link(token)
        except BadToken:
            abort(404)
        enqueue("click", claim.message_id, link_index=claim.link_index, url=claim.target)
        response = redirect(claim.target, 302)
        response.headers.extend(NO_CACHE)
        return response

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
