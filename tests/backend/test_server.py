"""The real web server (gunicorn + gevent): concurrent pixels, each hit queued exactly once."""
from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from telltale import queue

from .helpers import make_user, path_of, register
from .processes import start, stop, wait_for
from .servers import spare_port


@pytest.fixture
def database_url(tmp_path):
    from telltale.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'telltale.db'}"
    upgrade(url)
    return url


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False


def test_concurrent_pixel_requests_are_each_queued_once(client, services, settings):
    auth, _ = make_user(services)
    message = register(client, auth)
    bind = f"127.0.0.1:{spare_port()}"
    server = start(replace(settings, bind=bind), "serve", "--workers", "2")
    try:
        wait_for(lambda: answers(f"http://{bind}/healthz"), 30, "the server to answer")
        pixel = f"http://{bind}{path_of(message['pixel_url'])}"

        def fetch(_):
            with urllib.request.urlopen(pixel, timeout=10) as response:
                return response.status, len(response.read())

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(fetch, range(400)))
    finally:
        stop(server)
    assert results == [(200, 43)] * 400
    hits = [json.loads(raw) for raw in services.redis.lrange(queue.HITS_KEY, 0, -1)]
    assert len(hits) == 400 and len({hit["id"] for hit in hits}) == 400
