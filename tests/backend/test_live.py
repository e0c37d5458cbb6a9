"""Live events over /ws, with a real server process and a real websocket client."""
from __future__ import annotations

import json
import socket
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from telltale.config import load_settings
from telltale.store.models import Event
from telltale.worker.publish import release_held

from .helpers import make_user, path_of, register
from .live import LiveClient, WebServer, closing, refusal
from .processes import start, stop, wait_for


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory, redis_server):
    # One server process for the module: starting one per test would cost seconds each. Tests
    # share its database (each makes its own user) and the Redis that is flushed between them.
    from telltale.store.migrate import upgrade

    home = tmp_path_factory.mktemp("live")
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
def ana(services):
    email = f"ana-{uuid.uuid4().hex[:8]}@example.test"
    auth, _ = make_user(services, email)
    return auth, auth["Authorization"].split()[1], email


def test_a_pixel_hit_reaches_a_connected_client(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth)
    with LiveClient(server.url, token) as live:
        assert live.ready["type"] == "ready"
        client.get(path_of(message["pixel_url"]))
        drain()
        event = live.next()
    assert (event["type"], event["message_id"], event["open_number"]) == ("open", message["id"], 1)
    assert event["subject"] == "Q3 quote" and event["id"]
    assert event["popup"]["title"] == "bo@example.test opened “Q3 quote”"
    # The test client reads like Apple Mail on an iPhone, from a documentation address (no place).
    assert (event["device"], event["client"], event["place"]) == ("iPhone", "Apple Mail", None)
    assert event["popup"]["fresh"] and event["popup"]["body"] == "1st open · iPhone · Apple Mail"


def test_a_click_event_names_the_link(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth)
    with LiveClient(server.url, token) as live:
        client.get(path_of(message["links"][0]["tracked_url"]))
        drain()
        event = live.next()
    assert event["type"] == "click" and event["url"] == message["links"][0]["url"] and event["link_index"] == 0
    assert event["popup"]["title"] == "bo@example.test clicked a link in “Q3 quote”"


def test_a_repeat_of_the_same_client_is_stored_but_sends_no_event(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth)
    same_client = {"REMOTE_ADDR": "10.9.9.9"}
    with LiveClient(server.url, token) as live:
        # A mail client that loads the image twice: one open, and one event.
        client.get(path_of(message["pixel_url"]), environ_base=dict(same_client))
        client.get(path_of(message["pixel_url"]), environ_base=dict(same_client))
        drain()
        first = live.next()
        client.get(path_of(message["pixel_url"]))  # another reader
        drain()
        second = live.next()
        assert live.nothing_within(0.5)
    assert (first["open_number"], second["open_number"]) == (1, 2)
    with services.sessions() as session:
        repeats = session.scalars(select(Event.repeat).where(Event.message_id == message["id"])).all()
    assert sorted(repeats) == [False, False, True]


def test_a_client_reconnecting_with_its_last_id_gets_exactly_what_it_missed(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth)
    with LiveClient(server.url, token) as live:
        client.get(path_of(message["pixel_url"]))
        drain()
        seen = live.next()
    for _ in range(3):
        client.get(path_of(message["pixel_url"]))
    drain()
    with LiveClient(server.url, token, last_event_id=seen["id"]) as live:
        missed = [live.next() for _ in range(3)]
        assert [event["open_number"] for event in missed] == [2, 3, 4]
        assert live.nothing_within(0.5)
        client.get(path_of(message["links"][0]["tracked_url"]))
        drain()
        after = live.next()
        assert live.nothing_within(0.5)
    ids = [seen["id"]] + [event["id"] for event in missed] + [after["id"]]
    assert after["type"] == "click" and ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
    assert len(set(ids)) == 5


def test_a_client_only_hears_its_own_users_events(server, client, services, drain, ana):
    auth, token, _ = ana
    other_auth, _ = make_user(services, "zoe@example.test")
    theirs = register(client, other_auth)
    mine = register(client, auth)
    with LiveClient(server.url, token) as live:
        client.get(path_of(theirs["pixel_url"]))
        client.get(path_of(mine["pixel_url"]))
        drain()
        assert live.next()["message_id"] == mine["id"]
        assert live.nothing_within(0.5)


def test_a_hit_served_and_processed_elsewhere_reaches_a_client_on_another_node(server, settings, client, ana):
    auth, token, _ = ana
    message = register(client, auth)
    other_node = WebServer(settings)
    worker = start(settings, "worker")
    try:
        with LiveClient(server.url, token) as live:
            with urllib.request.urlopen(other_node.url + path_of(message["pixel_url"]), timeout=5) as response:
                assert response.status == 200
            event = live.next(timeout=20)
        assert event["message_id"] == message["id"]
    finally:
        other_node.stop()
        stop(worker)


@pytest.mark.parametrize("first_message, code", [
    (json.dumps({"type": "auth", "token": "tt_forged"}), 4401),
    (json.dumps({"type": "auth"}), 4401),
    (json.dumps({"type": "hello", "token": "x"}), 4400),
    ("not json", 4400),
    (json.dumps({"type": "auth", "token": "tt_x", "last_event_id": "yesterday"}), 4400),
])
def test_a_bad_first_message_or_token_is_refused_with_a_clear_close_code(server, first_message, code):
    assert refusal(server.url, first_message) == code


@pytest.mark.parametrize("last_event_id", [
    f"{2**64}-0", f"1-{2**64}", f"{2**64 - 1}-{2**64 - 1}", "\u0661-\u0662", "1-", "-1", "1-2-3", "9" * 30 + "-0",
])
def test_an_event_id_outside_the_stream_range_is_refused_without_inviting_a_retry(server, ana, last_event_id):
    _, token, _ = ana
    closed = closing(server.url, json.dumps({"type": "auth", "token": token, "last_event_id": last_event_id}))
    assert closed.reason == 4400
    assert "null" in closed.message and "last id" not in closed.message


def test_the_largest_id_that_can_be_followed_is_accepted(server, ana):
    _, token, _ = ana
    with LiveClient(server.url, token, last_event_id=f"{2**64 - 1}-{2**64 - 2}") as live:
        assert live.ready == {"type": "ready", "last_event_id": f"{2**64 - 1}-{2**64 - 2}"}
        assert live.nothing_within(0.3)


def test_a_revoked_token_is_refused(server, services, ana):
    from sqlalchemy import update

    from telltale.store.models import ApiToken

    _, token, _ = ana
    with services.sessions.begin() as session:
        session.execute(update(ApiToken).values(revoked_at=datetime.now(UTC)))
    assert refusal(server.url, json.dumps({"type": "auth", "token": token})) == 4401


def test_a_socket_closes_as_soon_as_its_token_is_revoked_and_the_users_other_sockets_stay(server, client, services,
                                                                                          ana):
    from simple_websocket import ConnectionClosed

    from telltale.accounts.credentials import find_user, issue_api_token

    auth, token, email = ana
    with services.sessions.begin() as session:
        other = issue_api_token(session, find_user(session, email), label="laptop")
    with LiveClient(server.url, token) as revoked, LiveClient(server.url, other) as kept:
        assert client.delete("/api/v1/tokens/current", headers=auth).status_code == 204
        with pytest.raises(ConnectionClosed) as closed:
            revoked.ws.receive(timeout=5)
        assert closed.value.reason == 4401 and closed.value.message == "token revoked"
        assert kept.nothing_within(0.3) and kept.ws.connected


def test_a_muted_message_is_stored_and_streamed_but_makes_no_popup(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth, notify=False)
    with LiveClient(server.url, token) as live:
        client.get(path_of(message["pixel_url"]))
        drain()
        event = live.next()
    assert event["type"] == "open" and event["popup"] is None
    assert client.get(f"/api/v1/messages/{message['id']}", headers=auth).json["opens"] == 1


def test_ten_opens_of_one_thread_within_a_minute_make_one_popup_saying_so(server, client, services, drain, ana):
    auth, token, _ = ana
    first = register(client, auth, thread_ref="thread-q3")
    second = register(client, auth, thread_ref="thread-q3", recipients=["cy@example.test"])
    with LiveClient(server.url, token) as live:
        for i in range(10):
            client.get(path_of((first if i % 2 else second)["pixel_url"]))
            drain()
        popups = [live.next()["popup"] for _ in range(10)]
    assert len({popup["id"] for popup in popups}) == 1
    assert [popup["fresh"] for popup in popups] == [True] + [False] * 9
    assert popups[-1]["count"] == 10 and popups[-1]["body"] == "10 opens"


def test_a_thread_cannot_raise_more_than_a_few_popups_a_day(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth)
    fresh = 0
    with LiveClient(server.url, token) as live:
        for _ in range(12):
            client.get(path_of(message["links"][0]["tracked_url"]))
            drain()
            popup = live.next()["popup"]
            fresh += bool(popup and popup["fresh"])
            # As if a minute had passed: the popup on screen has timed out.
            services.redis.delete(f"telltale:popup:{popup_owner(services, message)}:m{message['id']}")
    assert fresh == 5


def test_quiet_hours_hold_popups_and_summarise_them_when_they_end(server, client, services, drain, ana, app):
    auth, token, email = ana
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}
    assert client.patch("/api/v1/settings", json={"quiet_hours": window}, headers=auth).status_code == 200
    message = register(client, auth)
    with LiveClient(server.url, token) as live:
        client.get(path_of(message["pixel_url"]))
        client.get(path_of(message["links"][0]["tracked_url"]))
        drain()
        held = [live.next(), live.next()]
        assert [(e["popup"], e["held"]) for e in held] == [(None, True), (None, True)]
        scheduled = ScheduledJobRegistry(services.settings.queue_name, connection=services.redis)
        [job_id] = scheduled.get_job_ids()
        assert abs(scheduled.get_scheduled_time(job_id).timestamp() - (now + timedelta(hours=1)).timestamp()) < 120
        with app.app_context():
            assert release_held(_user_id(services, email)) == 2
        summary = live.next()
    assert summary["type"] == "summary" and summary["counts"] == {"open": 1, "click": 1, "reply": 0, "view": 0}
    assert summary["popup"]["body"] == "1 open, 1 click on 1 message"


def test_a_client_that_stops_answering_pings_is_dropped(settings, services, ana):
    _, token, _ = ana
    web = WebServer(settings, TELLTALE_WS_PING_SECONDS="1")
    try:
        host, port = web.bind.split(":")
        silent = socket.create_connection((host, int(port)))
        silent.sendall(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        silent.recv(4096)
        frame = json.dumps({"type": "auth", "token": token}).encode()
        silent.sendall(bytes([0x81, 0x80 | len(frame)]) + b"\0\0\0\0" + frame)  # masked with a zero key
        wait_for(lambda: web.health()["websockets"] == 1, 10, "the socket to be registered")
        # The client never reads or answers a ping again.
        wait_for(lambda: web.health()["websockets"] == 0, 15, "the silent socket to be dropped")
        silent.close()
    finally:
        web.stop()


def popup_owner(services, message) -> int:
    from telltale.store.models import Message

    with services.sessions() as session:
        return session.get(Message, message["id"]).user_id


def _user_id(services, email: str) -> int:
    from sqlalchemy import select

    from telltale.store.models import User

    with services.sessions() as session:
        return session.scalar(select(User.id).where(User.email == email))


def test_a_closed_socket_is_let_go_at_once(server, ana):
    _, token, _ = ana
    live = LiveClient(server.url, token)
    wait_for(lambda: server.health()["websockets"] == 1, 5, "the socket to be registered")
    live.close()
    wait_for(lambda: server.health()["websockets"] == 0, 3, "the closed socket to be let go")


def test_the_hub_losing_redis_closes_no_socket_and_misses_no_event(server, client, services, drain, ana):
    import redis as redis_client

    auth, token, _ = ana
    message = register(client, auth)
    # More sockets than redis-py's default pool allows at once: all of them read when woken.
    clients = [LiveClient(server.url, token) for _ in range(150)]
    try:
        wait_for(lambda: server.health()["websockets"] == 150, 10, "all sockets to be registered")
        with redis_client.Redis.from_url(services.settings.redis_url) as admin:
            admin.client_kill_filter(_type="pubsub")
        client.get(path_of(message["pixel_url"]))
        drain()
        events = [live.next(timeout=15) for live in clients]
        assert {event["message_id"] for event in events} == {message["id"]}
        assert server.health()["websockets"] == 150
    finally:
        for live in clients:
            live.close()


def test_a_search_engine_fetching_the_message_warns_that_it_is_public(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth)
    googlebot = {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                 "REMOTE_ADDR": "66.249.66.1"}
    with LiveClient(server.url, token) as live:
        client.get(path_of(message["pixel_url"]), environ_base=googlebot)
        client.get(path_of(message["links"][0]["tracked_url"]), environ_base=googlebot)
        drain()
        first, second = live.next(), live.next()
    assert (first["source"], second["source"]) == ("crawler", "crawler")
    assert first["popup"]["title"] == "“Q3 quote” appears to be public"
    assert second["popup"] is None, "one warning per message, not one per fetch"
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert (shown["opens"], shown["clicks"]) == (0, 0)


def test_a_forward_is_told_once_a_day_and_a_likely_forward_says_so(server, client, services, drain, ana):
    auth, token, _ = ana
    message = register(client, auth)
    outlook = {"HTTP_USER_AGENT": "Microsoft Outlook 16.0.17328; Pro", "REMOTE_ADDR": "130.149.0.7"}
    with LiveClient(server.url, token) as live:
        client.get(path_of(message["forward_url"]), environ_base=outlook)
        client.get(path_of(message["forward_url"]), environ_base={**outlook, "REMOTE_ADDR": "129.132.0.7"})
        drain()
        first, second = live.next(), live.next()
    assert (first["type"], first["forwarded"]) == ("forward", True)
    assert first["popup"]["title"] == "“Q3 quote” was forwarded"
    assert second["type"] == "forward" and second["popup"] is None


def test_compression_is_declined_even_when_the_client_offers_it(server):
    # Browsers offer permessage-deflate; its zlib state per socket would cost most of the memory.
    host, port = server.bind.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(
            b"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += conn.recv(4096)
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 101") and b"sec-websocket-extensions" not in head
