"""The long-lived things a process needs, made once by the factory and kept on the app."""
from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .keyring import load_or_create_keys
from .queue.spool import Spool
from .store.db import make_engine, make_sessions
from .url_tokens import TokenSigner

EXTENSION_KEY = "telltale"
REDIS_CONNECTIONS = 50


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    engine: Engine
    sessions: sessionmaker[Session]
    signer: TokenSigner
    spool: Spool

    def close(self) -> None:
        """Release the database and Redis connections this process holds."""
        self.engine.dispose()
        self.redis.connection_pool.disconnect()


def build_services(settings: Settings) -> Services:
    engine = make_engine(settings.database_url)
    return Services(
        settings=settings,
        redis=redis.Redis(connection_pool=_redis_pool(settings.redis_url)),
        engine=engine,
        sessions=make_sessions(engine),
        signer=TokenSigner(load_or_create_keys(settings.keys_file)),
        spool=Spool(settings.spool_dir),
    )


def _redis_pool(url: str) -> redis.ConnectionPool:
    # Blocking: redis-py's default pool raises once 100 connections are out, and a gevent web
    # process serving thousands of sockets has more than 100 greenlets wanting Redis at once.
    # Short timeouts: a hung Redis must turn into a spooled hit, not a hung pixel.
    return redis.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=5, socket_connect_timeout=1, socket_timeout=2
    )


def services() -> Services:
    """Return the services of the app in context (a request, a CLI command or a worker job)."""
    return current_app.extensions[EXTENSION_KEY]
