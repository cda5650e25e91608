"""Alembic's environment: migrations run on the connection the store hands over (see
``journeys.store.migrate``), or on ``sqlalchemy.url`` from the command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from journeys.store.operational import Base, import_table_modules

import_table_modules()
config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as con:
        _migrate(con)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters a table by copying it: the batch mode does that
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
