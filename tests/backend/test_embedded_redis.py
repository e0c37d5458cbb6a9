"""Whether a Redis keeps what it acknowledged: `telltale run` warns about one that does not."""
from __future__ import annotations

import pytest

from telltale.embedded_redis import keeps_writes

from .servers import RedisServer, spare_port


@pytest.mark.parametrize("appendonly", [True, False])
def test_it_tells_whether_redis_writes_an_append_only_file(tmp_path, appendonly):
    server = RedisServer(tmp_path, appendonly=appendonly)
    server.start()
    try:
        assert keeps_writes(server.url) is appendonly
    finally:
        server.stop()


def test_a_redis_that_does_not_answer_is_not_judged():
    assert keeps_writes(f"redis://127.0.0.1:{spare_port()}/0") is None
