from alembic import context

from telltale.store.db import make_engine
from telltale.store.models import Base

config = context.config


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            _migrate(connection)
        engine.dispose()
    else:
        _migrate(connectable)


def _migrate(connection) -> None:
    # SQLite cannot ALTER most things in place; batch mode rebuilds tables when needed.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
