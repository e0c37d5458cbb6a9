"""The hot path as a recipient's mail client meets it: pixel and link requests."""
from __future__ import annotations

import json
import os
import time
from dataclasses import replace

import pytest
from rq import Queue

from telltale import queue

from .helpers import make_user, path_of, register


@pytest.fixture
def database_url(tmp_path):
    # The hot path never touches the database; one engine is enough here.
    from telltale.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'telltale.db'}"
    upgrade(url)
    return url


@pytest.fixture
def message(client, services):
    auth, _ = make_user(services)
    return register(client, auth, links=["https://example.com/a?x=1&y=2", "https://example.org/"])


def queued(services) -> list[dict]:
    return [json.loads(raw) for raw in services.redis.lrange(queue.HITS_KEY, 0, -1)]


def test_the_pixel_is_a_43_byte_gif_that_is_never_cached(client, message):
    response = client.get(path_of(message["pixel_url"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/gif"
    assert len(response.data) == 43 and response.data.startswith(b"GIF89a")
    assert response.headers["Cache-Control"] == "no-store, no-cache, must-revalidate, private, max-age=0"
    assert response.headers["Pragma"] == "no-cache" and response.headers["Expires"] == "0"


def test_a_pixel_hit_is_queued_with_what_the_classifier_needs(client, services, message):
    client.get(
        path_of(message["pixel_url"]),
        headers={
            "User-Agent": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
            "Sec-Purpose": "prefetch",
            "Referer": "https://mail.example/",
            "Accept": "image/*",
            "Cookie": "secret=1",
        },
        environ_base={"REMOTE_ADDR": "66.249.84.1"},
    )
    [hit] = queued(services)
    assert hit["kind"] == "open" and hit["message_id"] == message["id"] and hit["method"] == "GET"
    assert hit["ip"] == "66.249.84.1" and "GoogleImageProxy" in hit["ua"]
    assert hit["headers"] == {"sec-purpose": "prefetch", "referer": "https://mail.example/", "accept": "image/*"}
    assert len(hit["id"]) == 32 and hit["at"] > 0


def test_every_hit_gets_its_own_id(client, services, message):
    for _ in range(5):
        client.get(path_of(message["pixel_url"]))
    assert len({hit["id"] for hit in queued(services)}) == 5


def test_hit_ids_grow_with_time_so_the_store_appends_them(client, services, message):
    # Ids in arrival order keep the primary-key index's writes at its end (tracking/hits.py).
    for _ in range(3):
        client.get(path_of(message["pixel_url"]))
        time.sleep(0.002)
    hits = queued(services)
    assert [hit["id"] for hit in hits] == sorted(hit["id"] for hit in hits)
    assert [int(hit["id"][:12], 16) for hit in hits] == [int(hit["at"] * 1000) for hit in hits]


def test_forked_web_processes_never_make_the_same_hit_id():
    """Web processes are forked from one parent: ids made in the same millisecond by two of them must
    still differ, or the store would keep one hit of the two (an id is what stores a hit once)."""
    from telltale.tracking.hits import hit_id

    hit_id(time.time())  # the parent has drawn from its generator before forking
    streams = []
    for _ in range(2):
        read, write = os.pipe()
        if os.fork() == 0:
            os.close(read)
            os.write(write, "".join(hit_id(0.0) for _ in range(50)).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            streams.append(pipe.read().decode())
        os.wait()
    ids = [{stream[i:i + 32] for i in range(0, len(stream), 32)} for stream in streams]
    assert len(ids[0]) == len(ids[1]) == 50 and not ids[0] & ids[1]


def test_a_forged_pixel_still_gets_a_gif_but_is_only_counted(client, services, message):
    token = path_of(message["pixel_url"])
    forged = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    response = client.get(forged)
    assert response.status_code == 200 and len(response.data) == 43
    client.get("/p/not-a-token.gif")
    client.get(path_of(message["pixel_url"]))  # a real hit flushes the forged count with it
    assert [hit["message_id"] for hit in queued(services)] == [message["id"]]
    assert int(services.redis.get(queue.FORGED_COUNTER_KEY)) == 2


def test_a_head_request_is_answered_and_recorded_as_head(client, services, message):
    response = client.head(path_of(message["pixel_url"]))
    assert response.status_code == 200 and response.data == b""
    response = client.head(path_of(message["links"][0]["tracked_url"]))
    assert response.status_code == 302
    assert [hit["method"] for hit in queued(services)] == ["HEAD", "HEAD"]


def test_a_click_redirects_to_the_exact_signed_target(client, services, message):
    response = client.get(path_of(message["links"][0]["tracked_url"]))
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.com/a?x=1&y=2"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    [hit] = queued(services)
    assert (hit["kind"], hit["link_index"], hit["url"]) == ("click", 0, "https://example.com/a?x=1&y=2")


def test_a_non_ascii_target_is_sent_percent_encoded(client, services):
    auth, _ = make_user(services, "zoe@example.test")
    created = register(client, auth, links=["https://例え.jp/ページ?q=ü"])
    response = client.get(path_of(created["links"][0]["tracked_url"]))
    assert response.headers["Location"] == "https://%E4%BE%8B%E3%81%88.jp/%E3%83%9A%E3%83%BC%E3%82%B8?q=%C3%BC"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-3],
    lambda t: t[:-1] + ("x" if t[-1] != "x" else "y"),
    lambda t: "/l/" + "A" * 40,
    lambda t: "/l/",
])
def test_a_forged_or_tampered_link_is_a_404_page_and_never_redirects(client, services, message, mangle):
    response = client.get(mangle(path_of(message["links"][1]["tracked_url"])))
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert b"not valid" in response.data
    assert queued(services) == []


def test_other_methods_are_refused(client, message):
    assert client.post(path_of(message["pixel_url"])).status_code == 405
    assert client.delete(path_of(message["links"][0]["tracked_url"])).status_code == 405


def test_the_client_address_ignores_forwarded_headers_without_a_trusted_proxy(client, services, message):
    client.get(path_of(message["pixel_url"]), headers={"X-Forwarded-For": "1.2.3.4"},
               environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert queued(services)[0]["ip"] == "198.51.100.9"


def test_the_client_address_comes_from_the_trusted_proxy_hop(settings, services, message, make_app):

    behind_proxy = make_app(replace(settings, trusted_proxies=1)).test_client()
    behind_proxy.get(path_of(message["pixel_url"]), headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.5"},
                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert queued(services)[0]["ip"] == "203.0.113.5"


def test_a_burst_of_hits_enqueues_one_drain_job_not_one_per_hit(client, services, message):
    for _ in range(20):
        client.get(path_of(message["pixel_url"]))
    assert len(queued(services)) == 20
    assert Queue(services.settings.queue_name, connection=services.redis).count == 1
