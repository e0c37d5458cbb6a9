"""The sender's own views of a tracked message are theirs, not opens."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from telltale import queue

from .helpers import make_user, path_of, register


def sender_view(client, auth, message, at: datetime | None = None):
    body = {} if at is None else {"at": at.isoformat()}
    return client.post(f"/api/v1/messages/{message['id']}/sender-views", json=body, headers=auth)


def test_a_view_reported_after_the_pixel_loaded_sets_that_open_aside(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    drain()
    response = sender_view(client, auth, message)
    assert response.status_code == 200
    assert (response.json["opens"], response.json["first_open_at"], response.json["state"]) == (0, None, "sent")
    [event] = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json["events"]
    assert event["source"] == "sender" and "own mailbox" in event["reason"]


def test_a_hit_arriving_after_the_view_report_is_the_senders(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    assert sender_view(client, auth, message).status_code == 200
    client.get(path_of(message["pixel_url"]))
    drain()
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert shown["opens"] == 0 and [e["source"] for e in shown["events"]] == ["sender"]


def test_a_recipients_open_well_apart_from_the_senders_view_still_counts(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]))
    client.get(path_of(message["links"][0]["tracked_url"]))
    records = [json.loads(raw) for raw in services.redis.lrange(queue.HITS_KEY, 0, -1)]
    services.redis.delete(queue.HITS_KEY)
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
    records[0]["at"] = an_hour_ago  # the recipient's open
    queue.push_hits(services.redis, [json.dumps(r).encode() for r in records])
    drain()
    shown = sender_view(client, auth, message).json
    assert (shown["opens"], shown["clicks"]) == (1, 0)
    assert [link["clicks"] for link in shown["links"]] == [0]
    assert shown["first_open_at"].startswith(datetime.fromtimestamp(an_hour_ago, UTC).isoformat()[:19])


def test_only_the_owner_can_report_a_view(client, services):
    auth, _ = make_user(services)
    other, _ = make_user(services, "zoe@example.test")
    message = register(client, auth)
    assert sender_view(client, other, message).status_code == 404
