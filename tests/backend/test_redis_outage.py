"""Redis stops mid-test: pixels keep answering, hits go to the spool, and none is lost or doubled."""
from __future__ import annotations

from urllib.parse import urljoin

import pytest
import redis
from sqlalchemy import func, select

from telltale.store.models import Event
from telltale.worker.runner import sweep

from .helpers import make_user, path_of, register
from .servers import RedisServer


@pytest.fixture
def own_redis(tmp_path):
    """A Redis this test may stop: never the shared one."""
    server = RedisServer(tmp_path / "redis-own")
    server.folder.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(own_redis):
    return own_redis.url


def stored_events(services, message_id: int) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.message_id == message_id))


def test_hits_survive_a_redis_outage_and_are_stored_exactly_once(client, services, drain, own_redis):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))

    own_redis.stop()
    answers = [client.get(path_of(message["pixel_url"])) for _ in range(7)]
    click = client.get(path_of(message["links"][0]["tracked_url"]))
    assert all(r.status_code == 200 and len(r.data) == 43 for r in answers)
    assert click.status_code == 302 and click.headers["Location"] == message["links"][0]["url"]
    spooled = services.spool.path.read_bytes().splitlines()
    assert len(spooled) == 8
    assert client.get("/healthz").status_code == 503

    own_redis.start()
    # Replaying twice (say a web process and a worker both did) must not double anything.
    extra_copy = services.spool.directory / "hits.jsonl.1.replaying"
    extra_copy.write_bytes(b"\n".join(spooled) + b"\n")
    sweep(services)
    drain()
    assert services.spool.pending_files() == []
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    # Redis restarted empty (no persistence in this test): only the spooled hits come back.
    assert (shown["opens"], shown["clicks"]) == (7, 1)
    assert stored_events(services, message["id"]) == 8


def test_a_torn_last_record_in_the_spool_is_skipped_not_fatal(services, drain, client, own_redis):
    auth, _ = make_user(services)
    message = register(client, auth)
    own_redis.stop()
    client.get(path_of(message["pixel_url"]))
    with services.spool.path.open("ab") as spool:
        spool.write(b'{"id":"torn-by-a-cras')  # a crash mid-append, then a later append
    client.get(path_of(message["pixel_url"]))
    own_redis.start()
    sweep(services)
    drain()
    assert stored_events(services, message["id"]) == 2


def test_the_spool_replay_command_moves_hits_when_redis_is_back(client, services, drain, own_redis, settings, monkeypatch):
    from click.testing import CliRunner

    from telltale.cli import main

    auth, _ = make_user(services)
    message = register(client, auth)
    own_redis.stop()
    client.get(path_of(message["pixel_url"]))
    for name, value in {"TELLTALE_HOME": str(settings.home), "REDIS_URL": settings.redis_url,
                        "DATABASE_URL": settings.database_url}.items():
        monkeypatch.setenv(name, value)
    refused = CliRunner().invoke(main, ["spool", "replay"])
    assert refused.exit_code == 1 and "remain" in refused.output
    own_redis.start()
    replayed = CliRunner().invoke(main, ["spool", "replay"])
    assert replayed.exit_code == 0, replayed.output
    drain()
    assert stored_events(services, message["id"]) == 1
    with redis.Redis.from_url(own_redis.url) as conn:
        assert conn.llen("telltale:hits") == 0


def test_with_redis_and_the_spool_both_down_nothing_is_claimed_as_stored(client, services, own_redis):
    auth, _ = make_user(services)
    message = register(client, auth)
    first_hop = client.get(path_of(message["reading_url"])).headers["Location"]
    own_redis.stop()
    services.spool.directory.mkdir(parents=True, exist_ok=True)
    services.spool.directory.rmdir()
    services.spool.directory.write_text("a file where the spool folder should be")

    pixel = client.get(path_of(message["pixel_url"]))
    hop = client.get(urljoin(path_of(message["reading_url"]), first_hop))
    click = client.get(path_of(message["links"][0]["tracked_url"]))
    # The images still arrive, but not as a success; the recipient's click still goes through.
    assert (pixel.status_code, len(pixel.data), pixel.headers["Retry-After"]) == (503, 43, "60")
    assert (hop.status_code, len(hop.data)) == (503, 43)
    assert click.status_code == 302 and click.headers["Location"] == message["links"][0]["url"]
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["hits"].startswith("hits are being lost")
