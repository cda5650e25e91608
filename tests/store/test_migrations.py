"""The operational store's Alembic migrations, on SQLite and on a real PostgreSQL: replaying
them gives exactly the models' schema, a store made before migrations is adopted without
losing a row, and a store at the newest revision is left alone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from journeys.store.migrate import BASELINE, alembic_config, current, head, migrate
from journeys.store.operational import Base, OperationalStore, import_table_modules

import postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        yield postgres.new_database(request.getfixturevalue("postgres_server"))


def differences(engine: Engine) -> list[object]:
    import_table_modules()
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_replaying_every_migration_gives_the_models_schema(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
            assert current(connection) == head()
        assert differences(engine) == []
        assert "consent_history" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_new_store_is_at_the_newest_revision_and_is_then_left_alone(empty_url: str) -> None:
    store = OperationalStore(empty_url)
    try:
        with store.engine.connect() as connection:
            assert current(connection) == head()
        assert differences(store.engine) == []
        assert migrate(store.engine) == (head(), head())  # nothing to do
    finally:
        store.close()


def test_a_store_made_before_migrations_is_adopted_with_its_rows(empty_url: str) -> None:
    import_table_modules()
    engine = create_engine(empty_url)
    older = [t for t in Base.metadata.sorted_tables if t.name != "consent_history"]
    Base.metadata.create_all(engine, tables=older)  # as `create_all` made stores before
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sources (name, write_key, channel, created_at) VALUES (:n, :k, :c, :t)"
            ),
            {"n": "website", "k": "key-1", "c": "web", "t": datetime(2026, 1, 1)},
        )
    engine.dispose()

    store = OperationalStore(empty_url)
    try:
        assert store.source("website").write_key == "key-1"  # kept
        assert "consent_history" in inspect(store.engine).get_table_names()  # the missing one
        with store.engine.connect() as connection:
            assert current(connection) == head()
        assert differences(store.engine) == []
    finally:
        store.close()


def test_the_baseline_is_the_first_revision() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_base() == BASELINE
    assert [s.revision for s in scripts.walk_revisions()][-1] == BASELINE


def test_the_cli_reports_the_revision_and_writes_a_new_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from journeys import cli
    from journeys.store import migrate as migrations
    from journeys.workspace import Workspace

    root = tmp_path / "ws"
    Workspace.init(root).close()
    shown = CliRunner().invoke(cli.app, ["migrate", "-w", str(root), "--json"])
    assert shown.exit_code == 0, shown.output
    assert '"now": "' + head() + '"' in shown.output

    # A new migration goes to the migrations folder (a copy here), numbered after the newest;
    # with the models unchanged it changes nothing.
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "FOLDER", folder)
    migrations.head.cache_clear()
    try:
        written = CliRunner().invoke(cli.app, ["migrate", "--new", "nothing yet"])
        assert written.exit_code == 0, written.output
        made = list((folder / "versions").glob("0002_*.py"))
        assert len(made) == 1
        body = made[0].read_text(encoding="utf-8")
        assert "down_revision = '0001'" in body or 'down_revision = "0001"' in body
        assert migrations.head() == "0002"
    finally:
        migrations.head.cache_clear()


def test_servers_starting_together_on_postgresql_migrate_one_after_the_other(
    postgres_server: str,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = postgres.new_database(postgres_server)

    def open_store(_: int) -> str | None:
        store = OperationalStore(url)
        try:
            with store.engine.connect() as connection:
                return current(connection)
        finally:
            store.close()

    with ThreadPoolExecutor(4) as pool:
        revisions = list(pool.map(open_store, range(4)))
    assert revisions == [head()] * 4
    engine = create_engine(url)
    try:
        assert differences(engine) == []
    finally:
        engine.dispose()
