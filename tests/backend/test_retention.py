"""Retention: what is past its limit is purged, in batches, and whole addresses do not outstay theirs.

Time is shifted for real: messages are registered as sent months ago, and the purge is run as of a
later moment, the way the worker's hourly pass would find them.
"""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select

from telltale.queue import HITS_KEY, Spool, cut_waiting_addresses, push_hits
from telltale.store import purge as store_purge
from telltale.store.models import Event, Link, Message
from telltale.worker import retention
from telltale.worker.runner import run_worker

from .helpers import make_user, path_of, register
from .processes import start, stop, wait_for

NOW = datetime.now(UTC)


def _sent(client, auth, days_ago: float, subject: str) -> dict:
    sent = register(client, auth, subject=subject, sent_at=(NOW - timedelta(days=days_ago)).isoformat())
    assert client.get(path_of(sent["pixel_url"])).status_code == 200
    assert client.get(path_of(sent["links"][0]["tracked_url"])).status_code == 302
    return sent


def _subjects(services) -> set[str]:
    with services.sessions() as session:
        return set(session.scalars(select(Message.subject)))


def _count(services, model) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_messages_past_the_retention_go_whole_with_their_events_and_links(client, services, ana, drain):
    """The worker that stores these hits also runs the hourly purge: nothing here is past it yet."""
    old = _sent(client, ana, 300, "old")
    _sent(client, ana, 100, "recent")
    drain()
    assert _count(services, Event) == 4

    # Seventy days on, the first is 370 days old: past the instance's 365.
    done = retention.purge(services, NOW + timedelta(days=70))
    assert (done.messages, done.events, done.finished) == (1, 2, True)
    assert _subjects(services) == {"recent"}
    assert _count(services, Event) == 2 and _count(services, Link) == 1
    # Its tracked link no longer leads anywhere; its pixel still answers.
    assert client.get(path_of(old["links"][0]["tracked_url"])).status_code == 410
    assert client.get(path_of(old["pixel_url"])).status_code == 200

    # Nine months on, the other one has passed the limit too.
    assert retention.purge(services, NOW + timedelta(days=270)).messages == 1
    assert _subjects(services) == set() and _count(services, Event) == 0


def test_a_user_may_keep_their_data_for_less_and_the_others_keep_the_instance_limit(client, services, ana):
    cy, _ = make_user(services, "cy@example.test")
    _sent(client, ana, 40, "ana's")
    _sent(client, cy, 40, "cy's")
    too_long = client.patch("/api/v1/settings", json={"retention_days": 400}, headers=ana)
    assert too_long.status_code == 422 and "365 days" in too_long.json["error"]["message"]
    chosen = client.patch("/api/v1/settings", json={"retention_days": 30}, headers=ana).json
    assert chosen["retention_days"] == 30 and chosen["retention_days_max"] == 365
    since = datetime.fromisoformat(chosen["kept_since"])
    assert abs(since - (datetime.now(UTC) - timedelta(days=30))) < timedelta(minutes=1)

    assert retention.purge(services, datetime.now(UTC)).messages == 1
    assert _subjects(services) == {"cy's"}
    back = client.patch("/api/v1/settings", json={"retention_days": None}, headers=ana).json
    assert back["retention_days"] is None and back["kept_since"] < chosen["kept_since"]


def test_the_counters_left_agree_with_the_events_left(client, services, ana, drain):
    for days in (300, 200, 100, 10):
        sent = _sent(client, ana, days, f"sent {days} days ago")
        client.get(path_of(sent["pixel_url"]), environ_base={"REMOTE_ADDR": "203.0.113.9"})
    drain()
    retention.purge(services, NOW + timedelta(days=180))
    with services.sessions() as session:
        for message in session.scalars(select(Message)):
            events = session.scalar(select(func.count()).where(Event.message_id == message.id, Event.kind == "click"))
            assert message.clicks == events
    assert _subjects(services) == {"sent 100 days ago", "sent 10 days ago"}


def test_a_big_purge_goes_in_small_transactions_and_stops_for_the_next_pass(client, services, ana, drain, monkeypatch):
    for n in range(6):
        sent = _sent(client, ana, 300, f"old {n}")
        for _ in range(4):
            client.get(path_of(sent["pixel_url"]))
    drain()
    commits = []
    real = store_purge.delete_events_slice

    def counted(session, ids, limit=None):
        commits.append(len(ids))
        return real(session, ids, limit)

    monkeypatch.setattr(store_purge, "delete_events_slice", counted)
    monkeypatch.setattr(store_purge, "EVENT_BATCH", 3)
    monkeypatch.setattr(store_purge, "MESSAGE_BATCH", 2)
    # No time at all: one slice, then it stops and says there is more.
    later = NOW + timedelta(days=100)
    first = retention.purge(services, later, budget=0)
    assert not first.finished and _count(services, Message) == 6
    done = retention.purge(services, later)
    assert done.finished and _count(services, Message) == 0 and _count(services, Event) == 0
    assert len(commits) > 10 and max(commits) <= 2  # many small transactions, two messages at most each


def test_the_worker_purges_once_an_hour_across_workers(services):
    assert retention.check_retention(services) is not None
    assert retention.check_retention(services) is None


@pytest.fixture
def full_ip(app, make_app, settings):
    """An instance whose owner keeps whole addresses (TELLTALE_STORE_FULL_IP), for 24 hours."""
    application = make_app(replace(settings, store_full_ip=True, full_ip_retention_hours=24))
    return application, application.extensions["telltale"]


def test_whole_addresses_kept_by_choice_are_cut_after_their_hours(full_ip):
    app, svc = full_ip
    client = app.test_client()
    auth, _ = make_user(svc)
    sent = register(client, auth)
    client.get(path_of(sent["pixel_url"]), environ_base={"REMOTE_ADDR": "198.51.100.77"})
    client.get(path_of(sent["links"][0]["tracked_url"]), environ_base={"REMOTE_ADDR": "2001:db8:1234:5678::9"})
    run_worker(svc, burst=True)
    with svc.sessions() as session:
        assert set(session.scalars(select(Event.ip))) == {"198.51.100.77", "2001:db8:1234:5678::9"}

    assert retention.purge(svc, datetime.now(UTC) + timedelta(hours=23)).event_addresses == 0
    assert retention.purge(svc, datetime.now(UTC) + timedelta(hours=25)).event_addresses == 2
    with svc.sessions() as session:
        assert set(session.scalars(select(Event.ip))) == {"198.51.100.0", "2001:db8:1234::"}
    # The bookmark moved past them: the next pass reads nothing again.
    assert retention.purge(svc, datetime.now(UTC) + timedelta(hours=26)).event_addresses == 0


def _waiting(hit_id: str, hours_ago: float, ip: str) -> bytes:
    return orjson.dumps({"id": hit_id, "kind": "open", "message_id": 1, "at": time.time() - hours_ago * 3600,
                         "ip": ip, "ua": "Mozilla/5.0", "method": "GET", "headers": {}})


def test_hits_waiting_in_redis_too_long_keep_only_their_network_and_are_still_stored(client, services, ana, drain):
    sent = register(client, ana)
    old = orjson.loads(_waiting("a" * 24, 30, "198.51.100.77"))
    old["message_id"] = sent["id"]
    fresh = orjson.loads(_waiting("b" * 24, 1, "198.51.100.78"))
    fresh["message_id"] = sent["id"]
    push_hits(services.redis, [orjson.dumps(old), orjson.dumps(fresh)])

    assert cut_waiting_addresses(services.redis, time.time() - 24 * 3600) == 1
    waiting = [orjson.loads(raw) for raw in services.redis.lrange(HITS_KEY, 0, -1)]
    assert [(hit["id"], hit["ip"]) for hit in waiting] == [("a" * 24, "198.51.100.0"), ("b" * 24, "198.51.100.78")]
    drain()
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 2  # cut, not lost


def test_hits_spooled_too_long_keep_only_their_network_and_none_is_lost(tmp_path):
    spool = Spool(tmp_path)
    spool.append([_waiting(f"{n:024x}", 30, f"198.51.100.{n}") for n in range(1, 4)] +
                 [_waiting("f" * 24, 1, "203.0.113.5")])
    assert spool.cut_addresses(time.time() - 24 * 3600) == 3
    assert spool.cut_addresses(time.time() - 24 * 3600) == 0  # already cut
    replayed = []
    spool.replay(replayed.extend)
    hits = [orjson.loads(raw) for raw in replayed]
    assert [hit["ip"] for hit in hits] == ["198.51.100.0"] * 3 + ["203.0.113.5"]
    assert [hit["id"] for hit in hits] == [f"{n:024x}" for n in range(1, 4)] + ["f" * 24]


def test_a_running_worker_purges_a_message_once_real_time_carries_it_past_the_limit(client, services, settings, ana):
    """`telltale worker` as a process, a one-day retention, and a message sent one day less a few
    seconds ago: it stays at the worker's first pass and goes at the pass after the clock crosses."""
    crossing = datetime.now(UTC) - timedelta(days=1) + timedelta(seconds=6)
    sent = register(client, ana, subject="crossing", sent_at=crossing.isoformat())
    register(client, ana, subject="today")
    worker = start(settings, "worker", env={"TELLTALE_RETENTION_DAYS": "1"})
    try:
        wait_for(lambda: services.redis.exists(retention.PURGED_KEY), 30, "the worker's first purge")
        assert _subjects(services) == {"crossing", "today"}
        wait_for(lambda: datetime.now(UTC) - crossing > timedelta(days=1), 10, "the message to pass one day")
        services.redis.delete(retention.PURGED_KEY)  # the hour until the next pass, gone by
        wait_for(lambda: _subjects(services) == {"today"}, 30, "the worker to purge the message")
    finally:
        stop(worker)
    assert client.get(path_of(sent["links"][0]["tracked_url"])).status_code == 410
