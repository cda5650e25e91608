"""Import segments: bulk-imported files stored as tables of their own, read through ``events``.

A bulk import (a Parquet file) is stored the way DuckDB would load the file by itself: one
table ``segment_<id>`` with the mapped columns (``seq``, event, ids, timestamp) and the file's
property columns kept typed. Its ``projection`` (SQL kept in ``event_segments``) turns those
rows into event rows when read: the properties JSON, the source, received_at and the message
id (``<digest>-<row>`` unless the file has its own) are computed then, not stored per row.
This is what lets an import run near the speed of a plain load; see docs/event-log.md.

``events`` is a view over ``event_rows`` (events appended one batch at a time) and every
segment, rebuilt by :func:`refresh_view` in the transaction that adds a segment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from journeys.store.schema import EVENT_COLUMNS

# The highest seq handed out when events were deleted (erasure, retention): see mark_seq.
SEQ_MARK_DDL = "CREATE TABLE IF NOT EXISTS event_seq_mark (last_seq BIGINT NOT NULL)"


@dataclass(frozen=True)
class Built:
    """What a segment builder made: the table's projection and its counts."""

    projection: str  # SELECT <EVENT_COLUMNS> FROM segment_<id>
    read: int
    stored: int
    duplicates: int
    refused: int
    rejects: pa.Table | None  # _pos, _code, _reason, _raw of the refused rows


# (connection in a transaction, table name to create, first seq) → Built
Builder = Callable[[duckdb.DuckDBPyConnection, str, int], Built]


@dataclass(frozen=True)
class SegmentImport:
    """One file to store as a segment: its identity (content digest) and how to build it."""

    digest: str  # of the file's bytes: the same file is imported once
    file: str
    source: str
    received_at: datetime
    build: Builder


@dataclass(frozen=True)
class SegmentResult:
    """What adding a segment did; ``earlier`` is set when the file was imported before."""

    segment_id: int
    read: int
    stored: int
    duplicates: int
    refused: int
    rejects: pa.Table | None
    last_seq: int
    earlier: datetime | None = None


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Logs made before segments kept every event in a table named ``events``: rename it."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'events'"
    ).fetchone()
    if kind is not None and kind[0] == "BASE TABLE":
        con.execute("ALTER TABLE events RENAME TO event_rows")
    con.execute(SEQ_MARK_DDL)


def refresh_view(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the ``events`` view over event_rows and every segment."""
    columns = ", ".join(EVENT_COLUMNS)
    parts = [f"SELECT {columns} FROM event_rows"]
    parts += [
        r[0] for r in con.execute("SELECT projection FROM event_segments ORDER BY id").fetchall()
    ]
    con.execute("CREATE OR REPLACE VIEW events AS\n" + "\nUNION ALL\n".join(parts))


def last_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The highest seq handed out, stored or not (a segment's refused rows leave gaps, and
    erased or expired events too: their highest seq is kept by :func:`mark_seq`)."""
    # fetchall, not fetchone: a result left open keeps its transaction open, and an open
    # transaction on the log's main connection makes every later CHECKPOINT refuse to run.
    rows = con.execute(
        "SELECT greatest((SELECT coalesce(max(seq), 0) FROM events),"
        " (SELECT coalesce(max(last_seq), 0) FROM event_segments),"
        " (SELECT coalesce(max(last_seq), 0) FROM event_seq_mark))"
    ).fetchall()
    return int(rows[0][0]) if rows else 0


def mark_seq(con: duckdb.DuckDBPyConnection, seq: int) -> None:
    """Remember ``seq`` as handed out, so deleting the newest events never lets it be reused
    (consumers' cursors would skip the events that got it again)."""
    con.execute("DELETE FROM event_seq_mark WHERE last_seq <= ?", [seq])
    con.execute("INSERT INTO event_seq_mark VALUES (?)", [seq])


def add(con: duckdb.DuckDBPyConnection, spec: SegmentImport, after: int) -> SegmentResult:
    """Store the file as a new segment after seq ``after``, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        earlier = con.execute(
            "SELECT id, read, stored, refused, received_at, last_seq FROM event_segments"
            " WHERE digest = ?",
            [spec.digest],
        ).fetchone()
        if earlier is not None:
            con.execute("ROLLBACK")
            return _already(earlier, after)
        segment_id = _scalar(con, "SELECT coalesce(max(id), 0) + 1 FROM event_segments")
        first = after + 1
        built = spec.build(con, f"segment_{segment_id}", first)
        last = after + built.read
        con.execute(
            "INSERT INTO event_segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                segment_id,
                spec.source,
                spec.file,
                spec.digest,
                first,
                last,
                built.read,
                built.stored,
                built.refused,
                spec.received_at,
                built.projection,
            ],
        )
        refresh_view(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SegmentResult(
        segment_id,
        built.read,
        built.stored,
        built.duplicates,
        built.refused,
        built.rejects,
        last,
    )


def _already(row: tuple[Any, ...], after: int) -> SegmentResult:
    segment_id, read, stored, refused, received_at, _ = row
    return SegmentResult(segment_id, read, 0, stored, refused, None, after, earlier=received_at)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
