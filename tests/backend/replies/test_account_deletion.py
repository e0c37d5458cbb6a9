"""Deleting an account: every table and every Redis key is scanned afterwards for anything of the user.

Here, beside the fake Google, because a deleted account's linked mailbox must be revoked at its
provider, not just forgotten.
"""
from __future__ import annotations

import pickle
import zlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from telltale.cli import main
from telltale.gone import GONE_KEY
from telltale.store.models import (
    Base,
    PushSubscription,
    SenderView,
    Team,
    TeamMember,
    TrackingOptOut,
    User,
)
from telltale.worker.runner import run_worker
from tests.fakes.google import consent as google_consent

from ..helpers import make_user, path_of, register
from ..processes import env_for

ANA = "ana@example.test"
CY = "cy@example.test"
PUBLIC = "http://t.example.test"
# Strings only Ana's data holds: none may be found anywhere once she is deleted.
MARKERS = ("zqx-subject-of-ana", "bo.zqx@example.test", "https://zqx.example.com/offer", ANA)



@pytest.fixture
def world(settings, make_app, google):
    """Ana with everything a user can have here, and Cy, who must keep all of his."""
    _, google_app = google
    app = make_app(replace(settings, google=google_app))
    svc = app.extensions["telltale"]
    ana, _ = make_user(svc, ANA)
    cy, _ = make_user(svc, CY)
    web = app.test_client()
    _link_google(web, ana)
    mine = [register(web, ana, subject=f"zqx-subject-of-ana {n}", recipients=["bo.zqx@example.test"],
                     links=["https://zqx.example.com/offer"]) for n in range(3)]
    theirs = register(web, cy, subject="Cy's own", recipients=["dee@example.test"])
    for sent in [*mine, theirs]:
        assert web.get(path_of(sent["pixel_url"]), environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
        assert web.get(path_of(sent["links"][0]["tracked_url"])).status_code == 302
    run_worker(svc, burst=True)
    ana_id = _user_id(svc, ANA)
    now = datetime.now(UTC)
    with svc.sessions.begin() as session:
        session.add(PushSubscription(user_id=ana_id, endpoint="https://push.example.test/zqx", p256dh="k" * 87,
                                     auth="a" * 22, name="Ana's phone", created_at=now))
        session.add(TrackingOptOut(user_id=ana_id, address_hash="f" * 64, created_at=now))
        session.add(SenderView(message_id=mine[0]["id"], viewed_at=now))
        team = Team(name="zqx-subject-of-ana team", owner_id=ana_id, created_at=now)
        session.add(team)
        session.flush()
        session.add(TeamMember(team_id=team.id, user_id=ana_id, role="owner", joined_at=now))
    return app, svc, ana, cy, mine, theirs


def test_deleting_an_account_leaves_nothing_of_it_in_any_table_or_redis_key(world, google):
    app, svc, ana, cy, mine, theirs = world
    fake, google_app = google
    ana_id = _user_id(svc, ANA)
    web = app.test_client()
    assert _everything_of(svc, ana_id, [m["id"] for m in mine])  # the scan does find her data before

    refused = web.delete("/api/v1/account", json={"confirm": "someone@else.test"}, headers=ana)
    assert refused.status_code == 400 and refused.json["error"]["field"] == "confirm"
    assert web.get("/api/v1/settings", headers=ana).status_code == 200

    assert web.delete("/api/v1/account", json={"confirm": ANA.upper()}, headers=ana).status_code == 204
    assert _everything_of(svc, ana_id, [m["id"] for m in mine]) == []
    assert web.get("/api/v1/settings", headers=ana).status_code == 401
    # Her Google grant was revoked at Google, not only forgotten here.
    assert fake.live_grants(ANA) == 0, "the refresh token was not revoked at the provider"

    # Mail already out keeps working for its recipients: the image still loads, and a link says
    # plainly that its message is gone, instead of leading on or failing.
    pixel = web.get(path_of(mine[0]["pixel_url"]))
    assert pixel.status_code == 200 and pixel.mimetype == "image/gif"
    link = web.get(path_of(mine[0]["links"][0]["tracked_url"]))
    assert link.status_code == 410 and "Location" not in link.headers
    assert b"deleted" in link.data and b"Traceback" not in link.data
    run_worker(svc, burst=True)
    assert _everything_of(svc, ana_id, [m["id"] for m in mine]) == []

    # Cy keeps all of his, and his links still lead on.
    detail = web.get(f"/api/v1/messages/{theirs['id']}", headers=cy).json
    assert len(detail["events"]) == 2  # his open and his click, as stored before
    assert web.get(path_of(theirs["links"][0]["tracked_url"])).status_code == 302


def test_an_owner_deletes_a_user_from_the_command_line(world, settings):
    app, svc, ana, cy, mine, theirs = world
    ana_id = _user_id(svc, ANA)
    env = {k: v for k, v in env_for(settings).items() if k.startswith(("TELLTALE_", "DATABASE_", "REDIS_"))}
    runner = CliRunner(env=env)
    asked = runner.invoke(main, ["user", "delete", ANA], input="n\n")
    assert asked.exit_code == 1 and _user_id(svc, ANA) == ana_id  # said no: nothing deleted
    done = runner.invoke(main, ["user", "delete", ANA, "--yes"])
    assert done.exit_code == 0, done.output
    assert "3 messages" in done.output
    assert _everything_of(svc, ana_id, [m["id"] for m in mine]) == []
    assert runner.invoke(main, ["user", "delete", "nobody@example.test", "--yes"]).exit_code == 1
    assert app.test_client().get(f"/api/v1/messages/{theirs['id']}", headers=cy).status_code == 200


def _everything_of(svc, user_id: int, message_ids: list[int]) -> list[str]:
    """Every row and every Redis key that still holds something of the user, described."""
    found = []
    with svc.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                if (table.name == "users" and row["id"] == user_id) or row.get("user_id") == user_id \
                        or row.get("owner_id") == user_id or row.get("message_id") in message_ids \
                        or (table.name == "messages" and row["id"] in message_ids) \
                        or any(marker in str(dict(row)).lower() for marker in MARKERS):
                    found.append(f"{table.name}: {dict(row)}")
    conn = svc.redis
    for key in conn.scan_iter(count=1000):
        name = key.decode()
        if name == GONE_KEY:
            # Only ids, and needed: they keep the deleted messages' links from leading on.
            continue
        if name.startswith(("telltale:events:", "telltale:popup:", "telltale:digest:enqueued:")) and \
                (name.endswith(f":{user_id}") or f":{user_id}:" in name):
            found.append(f"redis key {name}")
        text = _redis_text(conn, key).lower()
        if any(marker in text for marker in MARKERS):
            found.append(f"redis key {name} holds {text[:200]}")
    return found


def _redis_text(conn, key: bytes) -> str:
    kind = conn.type(key).decode()
    if kind == "string":
        value = conn.get(key)
    elif kind == "hash":
        value = b" ".join(k + b"=" + v for k, v in conn.hgetall(key).items())
        data = conn.hget(key, "data")
        if data:  # an rq job's arguments, pickled and compressed
            try:
                value += repr(pickle.loads(zlib.decompress(data))).encode()
            except (zlib.error, pickle.UnpicklingError, ValueError):
                pass
    elif kind == "list":
        value = b" ".join(conn.lrange(key, 0, -1))
    elif kind == "set":
        value = b" ".join(conn.smembers(key))
    elif kind == "zset":
        value = b" ".join(conn.zrange(key, 0, -1))
    elif kind == "stream":
        value = repr(conn.xrange(key)).encode()
    else:
        value = b""
    return (value or b"").decode("utf-8", "replace")


def _user_id(svc, email: str) -> int | None:
    with svc.sessions() as session:
        return session.scalar(select(User.id).where(User.email == email))


def _link_google(web, auth) -> None:
    url = web.post("/api/v1/accounts/link", json={"provider": "google"}, headers=auth).json["url"]
    started = web.get(url.removeprefix(PUBLIC))
    done = web.get("/accounts/callback/google", query_string=google_consent(started.headers["Location"]))
    assert f"{ANA} is linked" in done.text

