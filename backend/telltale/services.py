"""The long-lived things a process needs, made once by the factory and kept on the app."""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import countries
from .config import Settings
from .keyring import load_or_create_keys
from .queue.spool import Spool
from .store.db import make_engine, make_sessions
from .url_tokens import TokenSigner

if TYPE_CHECKING:
    from .accounts.vault import Vault
    from .classify.judge import Judge
    from .notify.vapid import VapidKey
    from .optout.hashing import AddressHasher
    from .protected.sealing import ContentKeys

EXTENSION_KEY = "telltale"
# The worker's services while it runs jobs (worker/runner.py): it has no Flask app, and so does
# not load Flask (21 MB a process, measured) for the one lookup below.
working: ContextVar[Services | None] = ContextVar("telltale_working_services", default=None)
REDIS_CONNECTIONS = 50


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    engine: Engine
    sessions: sessionmaker[Session]
    signer: TokenSigner
    spool: Spool
    # ISO code to English name, for the place a live event shows.
    country_names: dict[str, str]
    # Opens linked accounts' refresh tokens; made on first use, like the judge: most processes never do.
    _vault: Vault | None = field(default=None, repr=False)
    _judge: Judge | None = field(default=None, repr=False)
    _vapid: VapidKey | None = field(default=None, repr=False)
    _content_keys: ContentKeys | None = field(default=None, repr=False)
    _optout_hasher: AddressHasher | None = field(default=None, repr=False)
    # Set once this process is asked to stop: a long job (a drain) hands over at its next safe point.
    stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    # What else this process started on these services and stops with them (the app's hit writer).
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def judge(self) -> Judge:
        """Return this process's judge of hits, loading it on first use.

        Not in build_services: web processes never judge a hit, and each would carry the 27 MB and
        0.3 s it costs to load (nor import its parsers). The worker asks for it as it starts.
        """
        if self._judge is None:
            from .classify.judge import load_judge

            self._judge = load_judge(self.settings.home, self.settings.geoip_db,
                                     store_full_ip=self.settings.store_full_ip)
        return self._judge

    def vault(self) -> Vault:
        """Return the keys that open linked accounts' credentials, loading them on first use."""
        if self._vault is None:
            from .accounts.vault import load_vault

            self._vault = load_vault(self.settings.vault_keys_file)
        return self._vault

    def vapid(self) -> VapidKey:
        """Return the key that signs Web Push requests, creating it in the instance folder on first use."""
        if self._vapid is None:
            from .notify.vapid import load_vapid

            self._vapid = load_vapid(self.settings.vapid_key_file)
        return self._vapid

    def content_keys(self) -> ContentKeys:
        """Return the keys that seal protected messages' bodies, creating them in the instance folder on first use."""
        if self._content_keys is None:
            from .protected.sealing import load_content_keys

            self._content_keys = load_content_keys(self.settings.content_keys_file)
        return self._content_keys

    def optout_hasher(self) -> AddressHasher:
        """Return the keyed hash of recipients' addresses who declined tracking, creating its key on first use."""
        if self._optout_hasher is None:
            from .optout.hashing import load_hasher

            self._optout_hasher = load_hasher(self.settings.optout_key_file)
        return self._optout_hasher

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        """Stop what was started on these services, then release the database and Redis connections,
        and the GeoIP database, this process holds."""
        for closer in self._closers:
            closer()
        self.engine.dispose()
        self.redis.connection_pool.disconnect()
        if self._judge is not None:
            self._judge.close()


def build_services(settings: Settings) -> Services:
    engine = make_engine(settings.database_url)
    return Services(
        settings=settings,
        redis=redis.Redis(connection_pool=_redis_pool(settings.redis_url)),
        engine=engine,
        sessions=make_sessions(engine),
        signer=TokenSigner(load_or_create_keys(settings.keys_file)),
        spool=Spool(settings.spool_dir),
        country_names=countries.names(),
    )


def _redis_pool(url: str) -> redis.ConnectionPool:
    # Blocking: redis-py's default pool raises once 100 connections are out, and a gevent web
    # process serving thousands of sockets has more than 100 greenlets wanting Redis at once.
    # Short timeouts: a hung Redis must turn into a spooled hit, not a hung pixel.
    return redis.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=5, socket_connect_timeout=1, socket_timeout=2
    )


def services() -> Services:
    """Return the services of the worker running a job, or of the app in context (a request, a CLI command)."""
    if (svc := working.get()) is not None:
        return svc
    from flask import current_app

    return current_app.extensions[EXTENSION_KEY]
