"""The email digest, delivered to a real SMTP server: right counts, once, only to its owner."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from telltale import queue
from telltale.store.events import insert_new_events
from telltale.store.models import User
from telltale.worker import digests
from telltale.worker.runner import run_worker

from .helpers import make_user, path_of, register
from .servers import spare_port


class Sink:
    """An SMTP server's message handler that keeps every message it accepts."""

    def __init__(self):
        self.received: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


@pytest.fixture
def sink():
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=spare_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


def app_mailing_to(make_app, settings, port: int):
    smtp = replace(settings, smtp_url=f"smtp://127.0.0.1:{port}", mail_from="Telltale <digest@t.example.test>")
    return make_app(smtp)


@pytest.fixture
def mail_app(settings, sink, make_app):
    return app_mailing_to(make_app, settings, sink.port)


def digest_on(client, auth, **more) -> None:
    response = client.patch("/api/v1/settings", json={"digest": "hourly", **more}, headers=auth)
    assert response.status_code == 200, response.json


def open_pixel(client, message, times: int = 1) -> None:
    for _ in range(times):
        client.get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": "203.0.113.77"})


def sent_at(services, email: str) -> datetime | None:
    with services.sessions() as session:
        return session.scalar(select(User.digest_sent_at).where(User.email == email))


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def test_the_digest_arrives_once_with_the_counts_of_the_last_hour(client, services, drain, mail_app, sink):
    auth, _ = make_user(services)
    digest_on(client, auth, timezone="Europe/Madrid")
    quote = register(client, auth, subject="Q3 quote")
    terms = register(client, auth, subject="Terms & <conditions>")
    open_pixel(client, quote, times=2)  # the second within seconds: a repeat, shown but not counted
    open_pixel(client, terms)
    client.get(path_of(quote["links"][0]["tracked_url"]), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    drain()

    # The worker's sweep finds the digest due and its job sends it.
    run_worker(mail_app.extensions["telltale"], burst=True)
    [(to, mail)] = sink.received
    assert to == ["ana@example.test"] and mail["To"] == "ana@example.test"
    assert mail["From"] == "Telltale <digest@t.example.test>"
    assert mail["Subject"] == "Telltale: 2 opens, 1 click in the last hour"
    text = text_of(mail)
    for line in ["Messages sent: 2", "Opens: 2, on 2 messages", "Clicks: 1",
                 "- Q3 quote: 1 open, 1 click", "- Terms & <conditions>: 1 open, 0 clicks"]:
        assert line in text.splitlines(), line
    assert "Terms &amp; &lt;conditions&gt;" in mail.get_body(("html",)).get_content()
    assert "203.0.113" not in mail.as_string()

    # Times are the user's: the period ends when the digest was marked sent, in Madrid.
    until = sent_at(services, "ana@example.test").astimezone(ZoneInfo("Europe/Madrid"))
    assert f"{until - timedelta(hours=1):%Y-%m-%d %H:%M} to " in text
    assert f"{until:%H:%M} (Europe/Madrid):" in text

    # Right after, it is not due: nothing is enqueued even once the Redis guards are gone.
    run_worker(mail_app.extensions["telltale"], burst=True)
    services.redis.delete(digests.CHECKED_KEY, *services.redis.keys("telltale:digest:enqueued:*"))
    assert digests.enqueue_due_digests(mail_app.extensions["telltale"]) == 0
    assert len(sink.received) == 1


def test_a_digest_job_run_twice_sends_once(client, services, drain, mail_app, sink):
    auth, _ = make_user(services)
    digest_on(client, auth)
    open_pixel(client, register(client, auth))
    drain()
    with services.sessions() as session:
        user_id = session.scalar(select(User.id))
    work = Queue(services.settings.queue_name, connection=services.redis)
    work.enqueue(queue.DIGEST_JOB, user_id)
    work.enqueue(queue.DIGEST_JOB, user_id)
    run_worker(mail_app.extensions["telltale"], burst=True)
    assert len(sink.received) == 1


def test_two_workers_enqueue_a_users_digest_once(client, services, mail_app, make_app):
    auth, _ = make_user(services)
    digest_on(client, auth)
    other = app_mailing_to(make_app, services.settings, spare_port())
    assert digests.enqueue_due_digests(mail_app.extensions["telltale"]) == 1
    assert digests.enqueue_due_digests(other.extensions["telltale"]) == 0
    assert Queue(services.settings.queue_name, connection=services.redis).count == 1


def test_a_user_with_the_digest_off_gets_nothing(client, services, drain, mail_app, sink):
    auth, _ = make_user(services)
    open_pixel(client, register(client, auth), times=3)
    drain()
    run_worker(mail_app.extensions["telltale"], burst=True)
    assert sink.received == []
    assert sent_at(services, "ana@example.test") is None


def test_a_quiet_hour_sends_nothing_but_counts_as_done(client, services, drain, mail_app, sink):
    auth, _ = make_user(services)
    digest_on(client, auth)
    # Activity from before the period: a message sent three hours ago, opened two hours ago.
    old = register(client, auth, sent_at=(datetime.now(UTC) - timedelta(hours=3)).isoformat())
    open_pixel(client, old)
    [record] = services.redis.lrange(queue.HITS_KEY, 0, -1)
    services.redis.delete(queue.HITS_KEY)
    queue.push_hits(services.redis, [json.dumps({**json.loads(record), "at": time.time() - 7200}).encode()])
    drain()
    before = datetime.now(UTC)
    run_worker(mail_app.extensions["telltale"], burst=True)
    assert sink.received == []
    assert sent_at(services, "ana@example.test") >= before


def test_repeats_count_in_the_digest_as_they_do_everywhere_else(client, services, drain, mail_app, sink):
    auth, _ = make_user(services)
    digest_on(client, auth)
    message = register(client, auth)
    open_pixel(client, message, times=5)  # one open and four repeats of it within seconds
    drain()
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    run_worker(mail_app.extensions["telltale"], burst=True)
    [(_, mail)] = sink.received
    assert shown["opens"] == 1
    assert mail["Subject"] == "Telltale: 1 open, 0 clicks in the last hour"
    assert "Opens: 1, on 1 message" in text_of(mail).splitlines()


def test_events_that_do_not_count_are_left_out(client, services, drain, mail_app, sink):
    auth, _ = make_user(services)
    digest_on(client, auth)
    message = register(client, auth)
    open_pixel(client, message)
    drain()
    scanned = {"id": "scanner-hit-0001", "message_id": message["id"], "kind": "click",
               "occurred_at": datetime.now(UTC), "source": "scanner", "reason": "link scanner"}
    with services.sessions.begin() as session:
        insert_new_events(session, [scanned])
    run_worker(mail_app.extensions["telltale"], burst=True)
    [(_, mail)] = sink.received
    assert mail["Subject"] == "Telltale: 1 open, 0 clicks in the last hour"


def test_another_users_events_never_reach_a_digest(client, services, drain, mail_app, sink):
    ana, _ = make_user(services, "ana@example.test")
    bo, _ = make_user(services, "bo@example.test")
    digest_on(client, ana)
    digest_on(client, bo)
    open_pixel(client, register(client, ana, subject="Ana's offer"), times=2)  # an open and its repeat
    bos = register(client, bo, subject="Bo's secret")
    open_pixel(client, bos)
    client.get(path_of(bos["links"][0]["tracked_url"]))
    drain()
    run_worker(mail_app.extensions["telltale"], burst=True)
    mails = {to[0]: mail for to, mail in sink.received}
    assert set(mails) == {"ana@example.test", "bo@example.test"}
    assert mails["ana@example.test"]["Subject"] == "Telltale: 1 open, 0 clicks in the last hour"
    assert mails["bo@example.test"]["Subject"] == "Telltale: 1 open, 1 click in the last hour"
    assert "Bo's secret" not in mails["ana@example.test"].as_string()
    assert "Ana's offer" not in mails["bo@example.test"].as_string()
    assert "Messages sent: 1" in text_of(mails["ana@example.test"]).splitlines()


def test_an_smtp_server_down_fails_the_job_which_is_retried_and_marks_nothing_sent(
    client, services, drain, settings, mail_app, sink, make_app
):
    auth, _ = make_user(services)
    digest_on(client, auth)
    open_pixel(client, register(client, auth))
    drain()
    # Nothing listens on this port.
    down = app_mailing_to(make_app, settings, spare_port())
    run_worker(down.extensions["telltale"], burst=True)
    scheduled = ScheduledJobRegistry(services.settings.queue_name, connection=services.redis)
    [job_id] = scheduled.get_job_ids()
    job = Job.fetch(job_id, connection=services.redis)
    assert job.func_name == queue.DIGEST_JOB and job.retries_left == len(queue.RETRY_INTERVALS) - 1
    assert sent_at(services, "ana@example.test") is None

    # The retry, once the server is back, sends the digest.
    scheduled.remove(job)
    Queue(services.settings.queue_name, connection=services.redis).enqueue_job(job)
    run_worker(mail_app.extensions["telltale"], burst=True)
    [(_, mail)] = sink.received
    assert mail["Subject"] == "Telltale: 1 open, 0 clicks in the last hour"
    assert sent_at(services, "ana@example.test") is not None


def test_without_an_smtp_server_no_digest_is_enqueued(client, services):
    auth, _ = make_user(services)
    digest_on(client, auth)
    assert digests.enqueue_due_digests(services) == 0
    assert Queue(services.settings.queue_name, connection=services.redis).count == 0
