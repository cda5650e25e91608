"""Running the mapping SQL: stream its result in chunks, split off refused rows, finish ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from journeys.events.importers.base import Chunk, ReadContext
from journeys.events.importers.ids import Occurrences, finish_ids
from journeys.events.importers.mapping import ColumnMapping
from journeys.events.importers.sql import Source, candidates_sql, select_sql
from journeys.store.schema import INCOMING_SCHEMA


def connect() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for reading one file."""
    con = duckdb.connect()
    # Text timestamps without a zone are UTC, and TIMESTAMPTZ values convert to UTC.
    con.execute("SET TimeZone = 'UTC'")
    # A streamed result is computed only this far ahead of the reader; the default (1 MB)
    # keeps the threads idle most of the time, a chunk's worth lets them work (2.5× faster).
    con.execute("SET streaming_buffer_size = '256MB'")
    return con


def find_candidates(
    con: duckdb.DuckDBPyConnection, source: Source, m: ColumnMapping
) -> tuple[int, pa.Array]:
    """Pass one: the number of rows, and the hashes of rows that occur more than once."""
    row = con.execute(candidates_sql(source, m)).fetchone()
    assert row is not None
    total, hashes = row
    return int(total), pa.array(hashes, pa.uint64())


def run(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    m: ColumnMapping,
    ctx: ReadContext,
    total: int | None,
    candidates: pa.Array,
) -> Iterator[Chunk]:
    """Pass two: stream mapped rows in chunks of ctx.chunk_rows."""
    occurrences = Occurrences()
    sql = select_sql(source, m, hashes=len(candidates) > 0)
    reader = con.execute(sql).to_arrow_reader(ctx.chunk_rows)
    done = 0
    for batch in reader:
        table = finish_batch(batch, ctx, candidates, occurrences, first_row=done + 1)
        done += batch.num_rows
        yield Chunk(table, batch.num_rows, total)


def finish_batch(
    batch: pa.RecordBatch,
    ctx: ReadContext,
    candidates: pa.Array | None,
    occurrences: Occurrences,
    *,
    first_row: int,
    unit: Literal["row", "line"] = "row",
) -> pa.Table:
    """Write the batch's refused rows to the reject file; return its good rows.

    With ``unit="row"`` the source is a table (positions are data rows, ``_raw`` is the row as
    a JSON object); with ``"line"`` it is JSON Lines (positions are lines, ``_raw`` the text).
    """
    code = batch.column("_code")
    if code.null_count < batch.num_rows:
        _reject(batch, ctx, first_row, unit)
        batch = batch.filter(pc.is_null(code))
    names = batch.schema.names
    ids = batch.column("message_id")
    if "_fh" in names:
        ids = finish_ids(ids, batch.column("_fh"), candidates, occurrences)
    columns = []
    for f in INCOMING_SCHEMA:
        name = "timestamp" if f.name == "original_timestamp" else f.name
        if name == "message_id":
            columns.append(ids)
        elif name in names:
            columns.append(batch.column(name).cast(f.type))
        elif name == "type":
            columns.append(pa.repeat("track", batch.num_rows))
        else:
            columns.append(pa.nulls(batch.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=INCOMING_SCHEMA)


def _reject(batch: pa.RecordBatch, ctx: ReadContext, first_row: int, unit: str) -> None:
    refused = pc.indices_nonzero(pc.is_valid(batch.column("_code"))).to_pylist()
    taken = batch.take(pa.array(refused, pa.int64()))
    rows = zip(
        refused,
        taken.column("_pos").to_pylist(),
        taken.column("_code").to_pylist(),
        taken.column("_reason").to_pylist(),
        taken.column("_raw").to_pylist(),
        strict=True,
    )
    for index, pos, code, reason, raw in rows:
        place = {unit: first_row + index if pos is None else pos}
        ctx.rejects.add(
            code=code, reason=reason, raw=_decode(raw) if unit == "row" else raw, **place
        )


def write_rejects(rejects: pa.Table, ctx: ReadContext) -> None:
    """Write refused rows (``_pos``, ``_code``, ``_reason``, ``_raw``) of a table source."""
    for row in rejects.to_pylist():
        ctx.rejects.add(
            code=row["_code"], reason=row["_reason"], raw=_decode(row["_raw"]), row=row["_pos"]
        )


def _decode(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:  # DuckDB may write NaN, which JSON lacks; keep the text
        return raw
