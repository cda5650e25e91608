"""Removing rows from the event log's database so that their bytes are gone from the file.

DuckDB keeps a deleted row in its row group (only marked deleted) until the row group is
rewritten, and a block freed by a checkpoint keeps its old bytes until it is used again;
``CHECKPOINT``, ``FORCE CHECKPOINT`` and ``VACUUM`` alone leave a deleted e-mail address
readable in ``events.duckdb`` (measured: tests/privacy/test_privacy_bytes.py). What does
remove it, in the writer's thread:

1. every table holding a row to remove is rebuilt: renamed, created again from its own DDL
   (constraints kept), refilled with the rows to keep, and the old table dropped;
2. a checkpoint then frees the old tables' blocks;
3. the free blocks are overwritten (``scrub_free_blocks``): a throw-away table of random
   numbers as large as the free space is written and checkpointed, then dropped.

The cost is a rewrite of each affected table (the whole event table when a customer has events
in it) plus writing the free space once; see docs/privacy.md.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from journeys.errors import StoreUnavailable
from journeys.store.duck import ident

SCRUB_TABLE = "privacy_scrub"


@dataclass(frozen=True)
class Removal:
    """Rows of one table to remove: a SQL condition over its columns, with its parameters."""

    table: str
    where: str
    params: Sequence[Any] = ()


def base_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables (not views) of the main schema."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
    ).fetchall()
    return {r[0] for r in rows}


def tables_with_column(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    """The tables of the main schema that have a column of this name."""
    rows = con.execute(
        "SELECT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t "
        "USING (schema_name, table_name) WHERE c.schema_name = 'main' AND c.column_name = ? "
        "ORDER BY 1",
        [column],
    ).fetchall()
    return [r[0] for r in rows]


def segment_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of the imported segments (see journeys/store/segments.py)."""
    rows = con.execute("SELECT id FROM event_segments ORDER BY id").fetchall()
    existing = base_tables(con)
    return [f"segment_{r[0]}" for r in rows if f"segment_{r[0]}" in existing]


def remove(con: duckdb.DuckDBPyConnection, removals: Sequence[Removal]) -> dict[str, int]:
    """Rebuild every table with rows to remove, without them; rows removed per table."""
    existing = base_tables(con)
    removed: dict[str, int] = {}
    for r in removals:
        if r.table not in existing:
            continue
        sql = f"SELECT count(*) FROM {ident(r.table)} WHERE {r.where}"
        count = int(con.execute(sql, list(r.params)).fetchall()[0][0])
        if count:
            rebuild_without(con, r)
            removed[r.table] = removed.get(r.table, 0) + count
    return removed


def rebuild_without(con: duckdb.DuckDBPyConnection, removal: Removal) -> None:
    """Recreate a table from its DDL with only the rows not matching ``removal``, atomically."""
    table = removal.table
    [ddl] = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [table]
    ).fetchall()
    indexes = con.execute(
        "SELECT sql FROM duckdb_indexes() WHERE table_name = ? AND sql IS NOT NULL", [table]
    ).fetchall()
    old = ident(table + "__erasing")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"ALTER TABLE {ident(table)} RENAME TO {old}")
        con.execute(ddl[0])
        keep = f"NOT coalesce(({removal.where}), false)"
        con.execute(
            f"INSERT INTO {ident(table)} SELECT * FROM {old} WHERE {keep}", list(removal.params)
        )
        con.execute(f"DROP TABLE {old}")
        for (sql,) in indexes:
            con.execute(sql)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def checkpoint(con: duckdb.DuckDBPyConnection, seconds: float = 10.0) -> None:
    """Write everything to the database file and empty the WAL.

    A checkpoint refuses to run while another connection has a write transaction open; it is
    retried for a while, then StoreUnavailable is raised rather than waiting for ever
    (``FORCE CHECKPOINT`` would wait for that transaction, holding the writer meanwhile). An
    erasure that stops here has deleted the rows; running it again finishes the scrubbing.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            con.execute("CHECKPOINT")
            return
        except duckdb.TransactionException as exc:
            if time.monotonic() > deadline:
                raise StoreUnavailable(
                    f"the event log could not be checkpointed: {exc}; try again"
                ) from exc
            time.sleep(0.05)


def scrub_free_blocks(con: duckdb.DuckDBPyConnection, rounds: int = 8) -> int:
    """Overwrite every free block of the database file; returns the blocks overwritten."""
    checkpoint(con)
    written = 0
    for _ in range(rounds):
        block_size, free = _free_blocks(con)
        if not free:
            break
        # hash() of a counter: 8 random-looking bytes a row, which no compression shrinks.
        rows = free * block_size // 8 + 1
        con.execute(
            f"CREATE OR REPLACE TABLE {SCRUB_TABLE} AS SELECT hash(i) AS x FROM range({rows}) t(i)"
        )
        checkpoint(con)
        written += free
    con.execute(f"DROP TABLE IF EXISTS {SCRUB_TABLE}")
    checkpoint(con)
    return written


def _free_blocks(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    rows = con.execute(
        "SELECT block_size, free_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchall()
    return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)


def remove_from_index(path: Path, keys: Sequence[str], before: str | None = None) -> int:
    """Delete rows of the customer event index (SQLite) by key, or older than ``before``,
    then VACUUM it so the file keeps no copy; returns the rows deleted."""
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path, timeout=30)) as db:
        db.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not just unlinked
        with db:
            if before is not None:
                sql, args = "DELETE FROM customer_events WHERE timestamp < ?", [before]
            else:
                marks = ", ".join("?" * len(keys))
                sql, args = f"DELETE FROM customer_events WHERE key IN ({marks})", list(keys)
            count = db.execute(sql, args).rowcount if args else 0
        if count:
            db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return count
