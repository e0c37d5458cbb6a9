"""GET /api/v1/export: everything of a user as one JSON document, streamed, for a large account too."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from telltale.store.models import Event

from .helpers import make_user, register

EVENTS = 50_000


def test_an_account_of_50k_events_downloads_whole_as_it_is_read(client, services, ana):
    cy, _ = make_user(services, "cy@example.test")
    client.patch("/api/v1/settings", json={"retention_days": 200, "optout_language": "de"}, headers=ana)
    first = register(client, ana, subject="Angebot", recipients=["bo@example.test"], tags=["q3"])
    second = register(client, ana, subject="Nachfass", links=[])
    register(client, cy, subject="not ana's")
    start = datetime.now(UTC) - timedelta(days=1)
    with services.sessions.begin() as session:
        session.execute(insert(Event), [
            {"id": f"{n:032x}", "message_id": (first, second)[n % 2]["id"], "kind": "open",
             "occurred_at": start + timedelta(seconds=n), "ip": "198.51.100.0", "user_agent": "Mozilla/5.0",
             "source": ("person", "proxy", "prefetch")[n % 3], "reason": f"reason {n % 7}"}
            for n in range(EVENTS)])

    response = client.get("/api/v1/export", headers=ana, buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/json"
    assert 'filename="telltale-export.json"' in response.headers["Content-Disposition"]
    pieces = list(response.response)
    assert len(pieces) > 20, "sent as one piece: not streamed"
    assert len(pieces[0]) < 8 * 1024  # the head goes out before a single event is read
    document = json.loads(b"".join(pieces))

    assert document["format"] == "telltale-export/1" and document["user"]["email"] == "ana@example.test"
    assert document["settings"]["retention_days"] == 200 and document["settings"]["optout_language"] == "de"
    assert document["retention"]["days"] == 200
    assert [m["subject"] for m in document["messages"]] == ["Angebot", "Nachfass"]
    assert document["messages"][0]["tags"] == ["q3"] and document["messages"][0]["recipients"] == ["bo@example.test"]
    assert document["messages"][0]["links"] == ["https://example.com/a?x=1&y=2"]
    events = document["events"]
    assert len(events) == EVENTS and len({e["id"] for e in events}) == EVENTS
    assert {e["source"] for e in events} == {"person", "proxy", "prefetch"}
    assert events[0]["reason"].startswith("reason ") and events[0]["kind"] == "open"
    # Nobody else's, and never a recipient's network: the file leaves the server.
    assert "not ana's" not in json.dumps(document)
    assert all("ip" not in e for e in events)
    assert client.get("/api/v1/export").status_code == 401
