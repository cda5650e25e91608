"""Consumers of the event log: derived state with a durable cursor over ``seq``.

A consumer owns some tables. The writer calls :func:`catch_up` after every commit; the consumer
applies the events after its cursor and moves the cursor in the same transaction, so a crash
never applies an event twice or skips one. Bumping a consumer's ``version`` (or calling
:func:`rebuild`) drops its tables and replays the whole log, which must give the same result
as applying the events incrementally.
"""

from __future__ import annotations

from typing import Protocol

import duckdb

from journeys.store.segments import last_seq


class Consumer(Protocol):
    name: str
    version: int

    def create(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the consumer's tables if they do not exist."""
        ...

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the consumer's derived tables (not its inputs)."""
        ...

    def apply(self, con: duckdb.DuckDBPyConnection, after: int, upto: int) -> None:
        """Apply the events with ``after < seq <= upto``, inside the caller's transaction."""
        ...


def setup_consumer(con: duckdb.DuckDBPyConnection, consumer: Consumer) -> None:
    """Create the consumer's tables; rebuild it if its stored version is not the code's."""
    row = con.execute(
        "SELECT version FROM consumer_cursors WHERE name = ?", [consumer.name]
    ).fetchone()
    if row is not None and row[0] != consumer.version:
        consumer.drop(con)
        con.execute("DELETE FROM consumer_cursors WHERE name = ?", [consumer.name])
    consumer.create(con)
    con.execute(
        "INSERT INTO consumer_cursors VALUES (?, 0, ?) ON CONFLICT DO NOTHING",
        [consumer.name, consumer.version],
    )


def position(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Where a consumer's cursor stands."""
    row = con.execute("SELECT position FROM consumer_cursors WHERE name = ?", [name]).fetchone()
    return int(row[0]) if row else 0


def catch_up(con: duckdb.DuckDBPyConnection, consumer: Consumer, upto: int) -> None:
    """Apply every event after the consumer's cursor, up to ``upto``, in one transaction."""
    after = position(con, consumer.name)
    if after >= upto:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        consumer.apply(con, after, upto)
        con.execute(
            "UPDATE consumer_cursors SET position = ? WHERE name = ?", [upto, consumer.name]
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    committed = getattr(consumer, "committed", None)  # optional: told once it is durable
    if committed is not None:
        committed()


def rebuild(con: duckdb.DuckDBPyConnection, consumer: Consumer) -> None:
    """Drop a consumer's state and replay the whole log into it."""
    consumer.drop(con)
    consumer.create(con)
    con.execute("UPDATE consumer_cursors SET position = 0 WHERE name = ?", [consumer.name])
    catch_up(con, consumer, last_seq(con))
