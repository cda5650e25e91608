"""Parquet files imported as a segment of the event log (see ``journeys/store/segments.py``).

The mapping SQL of ``sql.py`` runs once, inside the event log's writer, as
``CREATE TABLE segment_<id> AS SELECT …`` straight from the file: the mapped columns, the file's
property columns as they are typed there, and for refused rows their code and reason. Refused
rows are then read out (for the reject file) and deleted; when the file carries message ids,
rows whose id is stored already are deleted too. Nothing passes through Python row by row,
which is what makes a Parquet import run near the speed of a plain DuckDB load.

Identity: the file's SHA-256. Importing the same file again stores nothing; rows without their
own message id get ``<digest prefix>-<row number>``, so an event keeps its id for good.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from journeys.events.importers.base import ReadContext
from journeys.events.importers.mapping import ColumnMapping
from journeys.events.importers.sql import (
    TableSource,
    code_sql,
    fields_sql,
    reason_sql,
    row_checks,
)
from journeys.store.duck import ident, literal
from journeys.store.eventlog import DEDUP_MARGIN
from journeys.store.segments import Built, SegmentImport

_TRAITS = "list_contains(['identify', 'group'], type)"


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass(frozen=True)
class ParquetSegment:
    """How one Parquet file becomes a segment: the mapping SQL and the view's projection."""

    source: TableSource
    mapping: ColumnMapping
    digest: str
    source_name: str
    received_at_sql: str

    def select(self, first_seq: int) -> str:
        """The segment's rows: mapped columns, typed property columns, refusals."""
        m, src = self.mapping, self.source
        checks = row_checks(src, m)
        columns = [f"{first_seq - 1} + __pos AS seq"]
        optional = {
            "message_id": "__mid",
            "type": "__type",
            "user_id": "__user",
            "anonymous_id": "__anon",
            "channel": "__channel",
        }
        columns += [f"{sql} AS {name}" for name, sql in optional.items() if getattr(m, name)]
        columns += ["__event AS event", "__ts AS timestamp"]
        columns += [f"src_{i} AS p{i}" for i in range(len(m.properties or ()))]
        columns += [
            "__code AS _code",
            f"CASE WHEN __code IS NOT NULL THEN {reason_sql(checks)} END AS _reason",
            f"CASE WHEN __code IS NOT NULL THEN {src.raw()} END AS _raw",
        ]
        renamed = ", ".join(f"{ident(c)} AS src_{i}" for i, c in enumerate(m.properties or ()))
        fields = fields_sql(src, m)
        listed = ",\n    ".join(columns)
        return f"""
SELECT
    {listed}
FROM (SELECT *, {renamed + "," if renamed else ""} {code_sql(checks)} AS __code FROM ({fields}))
"""

    def projection(self, table: str, first_seq: int) -> str:
        """SELECT of the event columns from the segment table (the ``events`` view's part)."""
        m = self.mapping
        names = m.properties or ()
        pairs = ", ".join(f"{literal(c)}, p{i}" for i, c in enumerate(names))
        props = f"json_object({pairs})" if names else "'{}'::JSON"
        own_id = "message_id" if m.message_id else None
        mid = (
            own_id or f"{literal(self.digest[:16] + '-')} || CAST(seq - {first_seq - 1} AS VARCHAR)"
        )
        if m.type:
            kind = "type"
            properties = f"CASE WHEN {_TRAITS} THEN NULL ELSE {props} END"
            traits = f"CASE WHEN {_TRAITS} THEN {props} END"
        else:
            kind, properties, traits = "'track'", props, "NULL::JSON"

        def column(name: str) -> str:
            return name if getattr(m, name) else "NULL::VARCHAR"

        return (
            f"SELECT seq, {mid} AS message_id, {literal(self.source_name)} AS source, "
            f"{kind} AS type, event, {column('anonymous_id')} AS anonymous_id, "
            f"{column('user_id')} AS user_id, {column('channel')} AS channel, timestamp, "
            f"timestamp AS original_timestamp, {self.received_at_sql} AS received_at, "
            f"{properties} AS properties, NULL::JSON AS context, {traits} AS traits, "
            f"NULL::VARCHAR AS previous_id, NULL::VARCHAR AS group_id FROM {table}"
        )

    def build(self, con: duckdb.DuckDBPyConnection, table: str, first_seq: int) -> Built:
        """Create the segment table in the writer's transaction; see the module docstring."""
        con.execute(f"CREATE TABLE {table} AS {self.select(first_seq)}")
        read, refused = _row(con, f"SELECT count(*), count(_code) FROM {table}")
        rejects = None
        if refused:
            rejects = con.execute(
                f"SELECT seq - {first_seq - 1} AS _pos, _code, _reason, _raw FROM {table}"
                " WHERE _code IS NOT NULL ORDER BY seq"
            ).to_arrow_table()
            con.execute(f"DELETE FROM {table} WHERE _code IS NOT NULL")
        duplicates = _drop_stored_ids(con, table) if self.mapping.message_id else 0
        return Built(
            self.projection(table, first_seq),
            read,
            read - refused - duplicates,
            duplicates,
            refused,
            rejects,
        )

    def refused_rows(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        """The refused rows alone (for a file imported before, whose segment exists)."""
        return con.execute(
            f"SELECT seq AS _pos, _code, _reason, _raw FROM ({self.select(1)})"
            " WHERE _code IS NOT NULL ORDER BY seq"
        ).to_arrow_table()


def _drop_stored_ids(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Delete rows whose message id repeats within the file or is stored already."""
    before = _row(con, f"SELECT count(*) FROM {table}")[0]
    con.execute(
        f"DELETE FROM {table} WHERE seq IN (SELECT seq FROM {table} "
        "QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY seq) > 1)"
    )
    bounds = con.execute(f"SELECT min(timestamp), max(timestamp) FROM {table}").fetchone()
    if bounds is not None and bounds[0] is not None:
        lo, hi = bounds
        con.execute(
            f"DELETE FROM {table} WHERE message_id IN (SELECT message_id FROM events "
            "WHERE timestamp BETWEEN ? AND ?)",
            [lo - DEDUP_MARGIN, hi + DEDUP_MARGIN],
        )
    after = _row(con, f"SELECT count(*) FROM {table}")[0]
    return int(before - after)


def _row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(int(v) for v in row)


def parquet_segment(
    ctx: ReadContext, source: TableSource, m: ColumnMapping, source_name: str
) -> tuple[SegmentImport, ParquetSegment]:
    """The segment import of a Parquet file whose columns are described and mapped."""
    digest = file_digest(ctx.path)
    received = f"TIMESTAMP {literal(ctx.received_at.isoformat(sep=' '))}"
    segment = ParquetSegment(source, m, digest, source_name, received)
    spec = SegmentImport(digest, str(ctx.path), source_name, ctx.received_at, segment.build)
    return spec, segment
