"""GET /healthz: whether this process can reach Redis and the database."""
from __future__ import annotations

from dataclasses import replace

from .servers import spare_port


def test_it_reports_redis_and_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert (response.json["status"], response.json["redis"], response.json["database"]) == ("ok", "ok", "ok")
    assert response.json["pending_hits"] == 0


def test_it_reports_an_unreachable_redis_as_degraded_without_saying_where_it_is(settings, make_app):
    port = spare_port()
    app = make_app(replace(settings, redis_url=f"redis://127.0.0.1:{port}/0"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["redis"].startswith("unreachable") and response.json["database"] == "ok"
    # Hits still have the spool, so none is being lost.
    assert response.json["hits"] == "ok"
    assert str(port) not in response.text and "127.0.0.1" not in response.text
