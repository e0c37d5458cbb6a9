"""store.migrations: the schema the migrations build is the one the models describe; data moves with it."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from telltale.store.db import make_engine
from telltale.store.migrate import upgrade
from telltale.store.models import Base


def test_the_migrated_schema_matches_the_models(database_url):
    engine = make_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_a_zone_chosen_before_timezone_set_existed_counts_as_chosen(tmp_path):
    url = f"sqlite:///{tmp_path / 'telltale.db'}"
    upgrade(url, "0005")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (email, created_at, timezone) VALUES "
            "('ana@example.test', '2026-11-01 00:00:00', 'Europe/Madrid'), ('bo@example.test', '2026-11-01 00:00:00', 'UTC')"
        ))
    upgrade(url)
    with engine.connect() as connection:
        chosen = dict(connection.execute(text("SELECT email, timezone_set FROM users")).all())
    engine.dispose()
    assert chosen == {"ana@example.test": True, "bo@example.test": False}
