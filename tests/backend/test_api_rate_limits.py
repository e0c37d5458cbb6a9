"""Rate limits: pairing per address and in total, the API per token, and never the tracking URLs."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from .helpers import make_user, path_of, register
from .processes import healthy, start, stop, wait_for
from .servers import RedisServer, spare_port

WRONG = {"code": "ABCDE-FGHJK"}


def pair(client, code: str, address: str):
    return client.post("/api/v1/pair", json={"code": code}, environ_base={"REMOTE_ADDR": address})


def assert_limited(response, says: str = "") -> int:
    """Check `response` is the API's 429; return its Retry-After in seconds."""
    assert response.status_code == 429, response.json
    assert response.json["error"]["code"] == "rate_limited"
    assert says in response.json["error"]["message"]
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 3600
    return wait


@pytest.fixture
def limited(settings, make_app):
    """Build an app with some limits set low; return its test client and services."""
    def build(**limits):
        app = make_app(replace(settings, **limits))
        return app.test_client(), app.extensions["telltale"]

    return build


def test_wrong_pairing_codes_from_one_address_are_refused_after_ten_a_minute(client, services):
    _, code = make_user(services)
    assert [pair(client, WRONG["code"], "203.0.113.9").status_code for _ in range(10)] == [400] * 10
    assert_limited(pair(client, WRONG["code"], "203.0.113.9"), "pairing attempts from this address")
    # The right code waits too at that address, but works from another.
    assert_limited(pair(client, code, "203.0.113.9"))
    assert pair(client, code, "198.51.100.4").status_code == 200


def test_the_right_code_works_at_the_same_address_once_the_window_passes(limited):
    client, services = limited(rate_limit_pair="2/3 seconds")
    _, code = make_user(services)
    pair(client, WRONG["code"], "203.0.113.9")
    pair(client, WRONG["code"], "203.0.113.9")
    wait = assert_limited(pair(client, code, "203.0.113.9"))
    time.sleep(wait)
    assert pair(client, code, "203.0.113.9").status_code == 200


def test_wrong_codes_from_many_addresses_meet_one_cap_for_everyone(limited):
    client, services = limited(rate_limit_pair_failures="5/minute")
    _, code = make_user(services)
    assert [pair(client, WRONG["code"], f"203.0.113.{i}").status_code for i in range(5)] == [400] * 5
    assert_limited(pair(client, WRONG["code"], "198.51.100.4"), "from all addresses together")
    assert_limited(pair(client, code, "198.51.100.5"))


def test_refused_attempts_from_one_address_do_not_use_up_everyones_budget(limited):
    client, services = limited(rate_limit_pair="2/minute", rate_limit_pair_failures="5/minute")
    _, code = make_user(services)
    answers = [pair(client, WRONG["code"], "203.0.113.9").status_code for _ in range(20)]
    assert answers == [400, 400] + [429] * 18
    assert pair(client, code, "198.51.100.4").status_code == 200


def test_an_ipv6_subscriber_cannot_dodge_the_limit_with_addresses_of_its_own_network(limited):
    client, _ = limited(rate_limit_pair="2/minute")
    assert pair(client, WRONG["code"], "2001:db8:1:2::1").status_code == 400
    assert pair(client, WRONG["code"], "2001:db8:1:2::2").status_code == 400
    assert_limited(pair(client, WRONG["code"], "2001:db8:1:2:ffff::3"))
    assert pair(client, WRONG["code"], "2001:db8:1:3::1").status_code == 400


def test_the_limit_counts_the_address_the_trusted_proxy_reports(limited):
    client, _ = limited(rate_limit_pair="1/minute", trusted_proxies=1)

    def via_proxy(address: str):
        return client.post("/api/v1/pair", json=WRONG, headers={"X-Forwarded-For": f"6.6.6.6, {address}"})

    assert via_proxy("203.0.113.9").status_code == 400
    assert_limited(via_proxy("203.0.113.9"))
    assert via_proxy("198.51.100.4").status_code == 400


def test_the_api_limits_each_token_on_its_own(limited):
    client, services = limited(rate_limit_api="5/minute")
    ana, _ = make_user(services, "ana@example.test")
    bo, _ = make_user(services, "bo@example.test")
    assert [client.get("/api/v1/messages", headers=ana).status_code for _ in range(5)] == [200] * 5
    assert_limited(client.get("/api/v1/messages", headers=ana), "too many API requests")
    assert client.get("/api/v1/messages", headers=bo).status_code == 200


def test_made_up_tokens_from_one_address_are_refused_after_the_unauthenticated_limit(limited):
    client, _ = limited(rate_limit_unauthenticated="3/minute")
    made_up = [{"Authorization": f"Bearer tt_guess{i}"} for i in range(4)]
    assert [client.get("/api/v1/messages", headers=h).status_code for h in made_up[:3]] == [401] * 3
    assert_limited(client.get("/api/v1/messages", headers=made_up[3]), "without a valid API token")


def test_the_tracking_urls_and_the_health_check_are_never_limited(limited):
    client, services = limited(rate_limit_api="2/minute", rate_limit_unauthenticated="2/minute")
    auth, _ = make_user(services)
    message = register(client, auth)
    pixel, link = path_of(message["pixel_url"]), path_of(message["links"][0]["tracked_url"])
    assert {client.get(pixel).status_code for _ in range(50)} == {200}
    assert {client.get(link).status_code for _ in range(20)} == {302}
    assert {client.get("/l/forged").status_code for _ in range(20)} == {404}
    assert {client.get("/healthz").status_code for _ in range(10)} == {200}
    # None of it counted against the API: the second request of this minute still answers.
    assert client.get("/api/v1/messages", headers=auth).status_code == 200


def test_with_redis_down_the_api_answers_and_pairing_is_still_limited(settings, make_app):
    app = make_app(replace(settings, redis_url=f"redis://127.0.0.1:{spare_port()}/0"))
    client = app.test_client()
    auth, code = make_user(app.extensions["telltale"])
    assert client.get("/api/v1/messages", headers=auth).status_code == 200
    assert [pair(client, WRONG["code"], "203.0.113.9").status_code for _ in range(10)] == [400] * 10
    assert_limited(pair(client, code, "203.0.113.9"))
    assert pair(client, code, "198.51.100.4").status_code == 200


def test_an_address_refused_once_is_refused_again_without_flask_or_redis(settings, make_app, tmp_path):
    server = RedisServer(tmp_path / "own-redis")
    server.folder.mkdir()
    server.start()
    try:
        client = make_app(replace(settings, redis_url=server.url, rate_limit_pair="2/minute")).test_client()
        assert [pair(client, WRONG["code"], "192.0.2.7").status_code for _ in range(2)] == [400, 400]
        wait = assert_limited(pair(client, WRONG["code"], "192.0.2.7"), "too many pairing attempts")
        server.stop()
        # With Redis gone the limiter would count afresh in memory and check the code (400); the
        # refusal is remembered instead, with the same answer and the time left.
        again = pair(client, WRONG["code"], "192.0.2.7")
        assert assert_limited(again, "too many pairing attempts from this address (2 per 1 minute)") <= wait
        assert again.headers["X-Content-Type-Options"] == "nosniff"
        assert pair(client, WRONG["code"], "192.0.2.8").status_code == 400  # nobody else is refused
    finally:
        server.stop()


def test_the_real_servers_worker_processes_share_one_count(settings):
    bind = f"127.0.0.1:{spare_port()}"
    server = start(replace(settings, bind=bind), "serve", "--workers", "2")
    try:
        wait_for(lambda: healthy(bind), 30, "the server to answer")
        answers = [_post_pair(bind) for _ in range(12)]
    finally:
        stop(server)
    assert answers == [400] * 10 + [429] * 2, "ten a minute from one address, whichever process answers"


def _post_pair(bind: str) -> int | None:
    request = urllib.request.Request(f"http://{bind}/api/v1/pair", data=json.dumps(WRONG).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except OSError:
        return None
