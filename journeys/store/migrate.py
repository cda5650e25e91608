"""Schema migrations of the operational store (Alembic), on SQLite and PostgreSQL alike.

Every store opened runs :func:`migrate`: nothing to do when the database is at the newest
revision (one query on ``alembic_version``); otherwise the missing migrations run in one
transaction. An empty database gets the tables of the models and is stamped at the newest
revision (Alembic's advice for new databases, and faster than replaying every migration; a
test checks that replaying them gives the same schema). A database made before migrations
existed (its tables made from the models directly) gets any missing table, is stamped at the
first revision and migrated from there.

A change to a table is a new file in ``migrations/versions`` (``journeys migrate --new
"what changed"`` writes it from the difference between the models and a database at the
newest revision); a test fails while the models and the migrations differ.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

FOLDER = Path(__file__).parent / "migrations"
BASELINE = "0001"  # the schema of the stores made before migrations
LOCK_KEY = 0x4A6F75726E657973  # "Journeys": the advisory lock migrations take on PostgreSQL


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the operational store's migrations."""
    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    """The newest revision."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    """The revision a database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest revision; (the revision before, the one now)."""
    with engine.connect() as connection:
        before = current(connection)
    if before == head():
        return before, before
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Processes starting together migrate one after the other (the lock ends with
            # the transaction). A SQLite store is migrated by the process that makes or
            # opens the workspace first; two processes upgrading one file at the same
            # instant are not guarded.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        before = current(connection)  # again, inside the transaction (and the lock)
        if before is None:
            made_before = inspect(connection).has_table("sources")
            _create_tables(connection)
            if not made_before:  # a new database: the models' tables are the newest schema
                command.stamp(alembic_config(connection), "head")
                return before, head()
            command.stamp(alembic_config(connection), BASELINE)
        command.upgrade(alembic_config(connection), "head")
    return before, head()


def new_migration(message: str) -> Path:
    """Write the migration from the newest revision to the models as they are now (for the
    developers changing a table): the migrations are replayed into a scratch SQLite
    database and Alembic compares it with the models. Returns the new file."""
    from alembic.script import Script
    from sqlalchemy import create_engine

    from journeys.store.operational import import_table_modules

    import_table_modules()
    with TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'scratch.sqlite'}")
        try:
            with engine.begin() as connection:
                config = alembic_config(connection)
                command.upgrade(config, "head")
                number = f"{int(head()) + 1:04d}"
                script = command.revision(config, message, autogenerate=True, rev_id=number)
        finally:
            engine.dispose()
    head.cache_clear()
    assert isinstance(script, Script)
    return Path(script.path)


def _create_tables(connection: Connection) -> None:
    """The models' tables that are missing."""
    from journeys.store.operational import Base, import_table_modules

    import_table_modules()
    Base.metadata.create_all(connection)
