"""The partial indexes of the events table: the literal conditions the queries state for them say
what the counting rule says, and the queries that rely on them are answered from them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from telltale.counting import counted, counts
from telltale.store import reports
from telltale.store.db import make_engine
from telltale.store.migrate import upgrade
from telltale.store.models import COUNTED, Event, Message, User

from .dashboard_seed import seed

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def seeded(database_url):
    engine, user_id = _seeded(database_url)
    yield engine, user_id
    engine.dispose()


def _seeded(database_url: str):
    engine = make_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with Session(engine) as session, session.begin():
        user = User(email="ana@example.test", created_at=NOW)
        session.add(user)
        session.flush()
        user_id = user.id
    # Every source, repeats among them, a few recipients a message: what the counting rule sorts.
    seed(engine, user_id, messages=60, events=3_000, days=300, now=NOW)
    return engine, user_id


def test_the_counted_literal_keeps_the_events_the_counting_rule_counts(seeded):
    engine, _ = seeded
    with engine.connect() as connection:
        by_literal = set(connection.scalars(select(Event.id).where(text(COUNTED))))
        by_rule = set(connection.scalars(select(Event.id).where(counted(Event.source, Event.repeat))))
        sources = set(connection.execute(select(Event.source, Event.repeat).distinct()))
    assert {(source, repeat) for source, repeat in sources if not counts(source, repeat)}, "the seed has no set-aside events"
    assert by_literal and by_literal == by_rule


def test_each_recipients_first_open_click_and_reply_are_those_of_their_counted_events(seeded):
    engine, user_id = seeded
    since = NOW - timedelta(days=365)
    with Session(engine) as session:
        firsts = reports.first_times(session, user_id, since)
        rows = session.execute(
            select(Event.message_id, Event.recipient, Event.kind, Event.occurred_at, Event.source, Event.repeat)
            .join(Message, Message.id == Event.message_id)
            .where(Message.user_id == user_id, Message.tracking.is_(True), Message.sent_at >= since)).all()
    expected: dict = {}
    for message_id, recipient, kind, at, source, repeat in rows:
        if kind in ("open", "click", "reply") and counts(source, repeat):
            done = expected.setdefault((message_id, recipient), {})
            seconds = timedelta(seconds=int(at.timestamp()))
            done[kind] = min(done.get(kind, seconds), seconds)
    assert len(expected) > 50
    assert firsts == expected


def test_on_sqlite_a_years_first_times_come_from_their_index_already_grouped(tmp_path):
    url = f"sqlite:///{tmp_path / 'telltale.db'}"
    upgrade(url)
    engine, user_id = _seeded(url)
    statements = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, params, context, many: statements.append((statement, params)))
    try:
        with Session(engine) as session:
            reports.first_times(session, user_id, NOW - timedelta(days=365))
            statement, params = statements[-1]
            plan = " | ".join(row[-1] for row in session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))
    finally:
        engine.dispose()
    # Sorting a year's counted events to group them was most of the recipients page's time.
    assert "ix_events_firsts" in plan and "TEMP B-TREE" not in plan, plan
