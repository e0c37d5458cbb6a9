"""The websocket under /ws itself: handshake, compression declined, pings, oversized messages."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from telltale.config import load_settings

from .helpers import make_user
from .live import WebServer


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory, redis_server):
    from telltale.store.migrate import upgrade

    home = tmp_path_factory.mktemp("websocket")
    url = f"sqlite:///{home / 'telltale.db'}"
    upgrade(url)
    env = {"TELLTALE_HOME": str(home / "home"), "TELLTALE_PUBLIC_URL": "http://t.example.test",
           "DATABASE_URL": url, "REDIS_URL": redis_server.url}
    return load_settings(env)


@pytest.fixture
def settings(live_settings, redis_url):
    return live_settings


@pytest.fixture(scope="module")
def server(live_settings):
    web = WebServer(live_settings)
    yield web
    web.stop()


@pytest.fixture
def token(services) -> str:
    # The module's server shares one database: each test makes a user of its own.
    auth, _ = make_user(services, f"ana-{uuid.uuid4().hex[:8]}@example.test")
    return auth["Authorization"].split()[1]


def test_a_plain_request_to_the_websocket_url_is_answered_400(server):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(server.url + "/ws", timeout=5)
    assert answer.value.code == 400
    assert b"Upgrade" in answer.value.read()


def test_compression_offered_by_the_client_is_declined_and_events_flow_plain(server, token):
    # websockets offers permessage-deflate by default, as browsers do.
    with connect(_ws_url(server), open_timeout=5) as ws:
        assert "permessage-deflate" in ws.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": None}))
        assert json.loads(ws.recv(timeout=5))["type"] == "ready"


def test_the_server_answers_a_client_ping(server, token):
    with connect(_ws_url(server), open_timeout=5) as ws:
        ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": None}))
        ws.recv(timeout=5)
        assert ws.ping().wait(timeout=5)


def test_a_message_over_the_limit_closes_the_socket_with_1009(server, token):
    with connect(_ws_url(server), open_timeout=5) as ws:
        ws.send(json.dumps({"type": "auth", "token": token, "padding": "x" * 5000}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1009


def test_messages_after_auth_are_ignored_and_the_socket_stays_open(server, token):
    with connect(_ws_url(server), open_timeout=5) as ws:
        ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": None}))
        ws.recv(timeout=5)
        for _ in range(3):
            ws.send("chatter")
        assert ws.ping().wait(timeout=5)
        assert server.health()["websockets"] == 1


def _ws_url(server: WebServer) -> str:
    return server.url.replace("http://", "ws://") + "/ws"
