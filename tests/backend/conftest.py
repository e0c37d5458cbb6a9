"""Fixtures: a private Redis server, SQLite and PostgreSQL databases, the app, a worker.

Tests never touch the machine's shared Redis or its `test` database's tables: they start their
own Redis on a spare port and create a database of their own on the PostgreSQL server.
"""
from __future__ import annotations

import gc
import itertools
import os
import uuid

import psycopg
import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import text

from telltale.app import create_app
from telltale.config import load_settings
from telltale.dashboard.signin import EXTENSION_KEY, LoginLinks
from telltale.store.migrate import upgrade
from telltale.worker.runner import run_worker

from .helpers import make_user
from .push_service import PushService
from .servers import RedisServer

# Apple Mail on an iPhone with privacy protection off (matomo-org/device-detector fixtures).
RECIPIENT_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
)
PG_ADMIN = os.environ.get("TELLTALE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _collect_leaks():
    """Collect garbage after every test, so a leaked socket fails the test that leaked it.

    Without this, an unclosed connection is reported whenever the collector happens to run,
    which fails some later, innocent test one run in a few.
    """
    yield
    gc.collect()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    with redis.Redis.from_url(redis_server.url) as conn:
        conn.flushall()
        yield redis_server.url
        conn.flushall()


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"telltale_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'telltale.db'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("pg_database")
    yield url
    _empty_tables(url)


@pytest.fixture
def settings(tmp_path, database_url, redis_url):
    env = {
        "TELLTALE_HOME": str(tmp_path / "home"),
        "TELLTALE_PUBLIC_URL": "http://t.example.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    return load_settings(env)


@pytest.fixture
def make_app():
    """Build apps from settings; their connections are released when the test ends."""
    made = []

    def build(settings):
        made.append(create_app(settings))
        return made[-1]

    yield build
    for application in made:
        application.extensions["telltale"].close()


@pytest.fixture
def app(settings, make_app):
    return make_app(settings)


class RecipientClient(FlaskClient):
    """Fetches like a recipient's mail client: Apple Mail's User-Agent and Accept header, and a
    network of its own for each request (the classifier groups one client's opens within seconds
    into one open), so each hit is a reader unless a test gives the address itself."""

    _networks = itertools.count(1)

    def open(self, *args, **kwargs):
        environ = kwargs.setdefault("environ_base", {})
        environ.setdefault("REMOTE_ADDR", f"10.{next(self._networks) % 250}.{next(self._networks) % 250}.7")
        environ.setdefault("HTTP_ACCEPT", "*/*")
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = RecipientClient
    test_client = app.test_client()
    test_client.environ_base.update(HTTP_USER_AGENT=RECIPIENT_AGENT)
    return test_client


@pytest.fixture
def drain(app):
    """Run a worker until the queue is empty, as `telltale worker --burst` does."""
    return lambda: run_worker(app.extensions["telltale"], burst=True)


@pytest.fixture
def services(app):
    return app.extensions["telltale"]


@pytest.fixture
def ana(services) -> dict:
    """The Authorization header of ana@example.test, a user with an API token."""
    return make_user(services, "ana@example.test")[0]


@pytest.fixture
def links(app) -> LoginLinks:
    """The app's one-time dashboard sign-in links."""
    return app.extensions[EXTENSION_KEY]


@pytest.fixture
def push_service():
    """A push service on loopback that checks each Web Push as a browser vendor's would."""
    service = PushService()
    yield service
    service.close()


def _empty_tables(url: str) -> None:
    from telltale.store.db import make_engine
    from telltale.store.models import Base

    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        names = ", ".join(table.name for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def pytest_configure(config):
    # Fail at once, not test by test, when the PostgreSQL the suite needs is not there.
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        raise pytest.UsageError(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}") from None
    # What is loaded by now lives for the whole run: keeping it out of the collector's passes
    # makes the collection after each test cost microseconds instead of ~80 ms.
    gc.collect()
    gc.freeze()


