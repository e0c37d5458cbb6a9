"""What `telltale run` does once before it supervises: settings, Redis, the database, the owner's code.

It runs as a short-lived child of `telltale run` (`telltale prepare-run`), so the supervisor, which
lives as long as the instance, never loads the settings' validators, redis-py, SQLAlchemy or the
models: measured, they made it a 62 MB process whose only job is to wait on its children.
"""
from __future__ import annotations

import json

import click

from . import embedded_redis
from .accounts.credentials import create_user, issue_pairing_code
from .config import Settings, default_web_workers
from .store.db import transaction
from .store.migrate import upgrade
from .store.models import User

OWNER_EMAIL = "owner@localhost"


def prepare(settings: Settings) -> str:
    """Check Redis, bring the database up to date, issue the owner's pairing code; return the plan as JSON."""
    redis_answers = embedded_redis.answers(settings.redis_url)
    if redis_answers and embedded_redis.keeps_writes(settings.redis_url) is False:
        # A hit is acknowledged once Redis has it; a Redis that keeps nothing on disk loses
        # the hits still waiting in it if it crashes or restarts.
        click.echo(f"Warning: the Redis at {settings.redis_url} keeps no append-only file; hits waiting in it "
                   "are lost if it restarts. Set 'appendonly yes' in its configuration.", err=True)
    upgrade(settings.database_url)
    with transaction(settings.database_url) as session:
        owner = session.query(User).order_by(User.id).first() or create_user(session, OWNER_EMAIL)
        code = issue_pairing_code(session, owner, settings.pairing_ttl_seconds)
    return json.dumps({
        "home": str(settings.home), "redis_url": settings.redis_url,
        "embedded_redis": None if redis_answers else embedded_redis.executable(),
        "bind": settings.bind, "public_url": settings.public_url, "owner": OWNER_EMAIL, "pairing_code": code,
        "pairing_minutes": settings.pairing_ttl_seconds // 60, "worker_nice": settings.worker_nice,
        "web_workers": default_web_workers(beside_worker=True),
    })
