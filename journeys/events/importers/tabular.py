"""CSV and Parquet files, read by DuckDB and mapped in SQL.

Both make two passes: the first only hashes rows to find identical twins (see ``ids.py``);
the second streams mapped rows in chunks. CSV is read with explicit options (the delimiter
found in the header line, RFC 4180 quoting, every column as text) so that a row DuckDB cannot
parse lands in the reject file instead of stopping the import; property values that look
like numbers or booleans throughout a sample become JSON numbers and booleans.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import duckdb

from journeys.events.importers import mapped
from journeys.events.importers.base import EMPTY, Chunk, ReadContext, failure, open_binary
from journeys.events.importers.mapping import ColumnMapping, resolve
from journeys.events.importers.sql import NUMBER_TYPES, TableSource
from journeys.store.duck import ident, literal

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 10_000
_REJECTS = "rejects_table='__csv_rejects', rejects_scan='__csv_scans'"

# A sampled column is typed only when every value in the sample matches. Integers stop at 15
# digits: longer ones (ids) would lose precision as JSON numbers, so they stay text.
_INT = r"-?(0|[1-9][0-9]{0,14})"
_FLOAT = _INT + r"|-?(0|[1-9][0-9]*)\.[0-9]+([eE][-+]?[0-9]+)?|-?[0-9]+[eE][-+]?[0-9]+"
_BOOL = r"(?i)true|false"
_CASTS = (("BIGINT", _INT), ("DOUBLE", _FLOAT), ("BOOLEAN", _BOOL))


def describe_parquet(ctx: ReadContext) -> tuple[TableSource, ColumnMapping, int]:
    """A Parquet file as a mapped source, and its number of rows (from its metadata)."""
    con = mapped.connect()
    try:
        relation = f"read_parquet({literal(str(ctx.path))}, file_row_number=true)"
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
            rows = con.execute(
                f"SELECT sum(row_group_num_rows) FROM (SELECT DISTINCT row_group_id, "
                f"row_group_num_rows FROM parquet_metadata({literal(str(ctx.path))}))"
            ).fetchone()
        except duckdb.Error as exc:
            raise failure(ctx.path, f"not a readable Parquet file ({_first_line(exc)})") from exc
    finally:
        con.close()
    types = {name: kind for name, kind, *_ in described if name != "file_row_number"}
    m = _resolve(ctx, types)
    source = TableSource(relation, types, position="file_row_number + 1")
    return source, m, int(rows[0] or 0) if rows else 0


def read_csv(ctx: ReadContext) -> Iterator[Chunk]:
    """Events from a CSV file (gzip-compressed too)."""
    delimiter, columns = _header(ctx.path)
    types = dict.fromkeys(columns, "VARCHAR")
    con = mapped.connect()
    try:
        m = _resolve(ctx, types)
        options = _csv_options(ctx.path, delimiter, columns)
        lenient = TableSource(f"read_csv({options}, ignore_errors=true)", types)
        values = _property_values(con, lenient, m.properties or ())
        source = TableSource(
            f"read_csv({options}, store_rejects=true, {_REJECTS})", types, None, values
        )
        total, candidates = mapped.find_candidates(con, lenient, m)
        yield from mapped.run(con, source, m, ctx, total, candidates)
        yield _malformed(con, ctx, total)
    finally:
        con.close()


def _resolve(ctx: ReadContext, types: dict[str, str]) -> ColumnMapping:
    m = resolve(ctx.mapping, list(types), ctx.path)
    assert m.timestamp is not None
    if m.timestamp_format is None and types[m.timestamp].upper() in NUMBER_TYPES:
        raise failure(
            ctx.path,
            f"the timestamp column {m.timestamp!r} holds numbers; say which unit with "
            "--map timestamp_format=unix (seconds), unix_ms or unix_us",
        )
    return m


def _header(path: Path) -> tuple[str, list[str]]:
    with open_binary(path) as raw:
        first = raw.readline(1 << 20).decode("utf-8-sig", errors="replace").rstrip("\r\n")
    if not first.strip():
        raise failure(path, "the file is empty or its first line (the header) is blank", line=1)
    delimiter = max(DELIMITERS, key=first.count)
    columns = [c.strip() for c in next(csv.reader(io.StringIO(first), delimiter=delimiter))]
    seen: set[str] = set()
    for column in columns:
        if not column:
            raise failure(path, "the header has an empty column name", line=1)
        if column in seen:
            raise failure(path, f"the header names the column {column!r} twice", line=1)
        seen.add(column)
    return delimiter, columns


def _csv_options(path: Path, delimiter: str, columns: list[str]) -> str:
    spec = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in columns)
    return (
        f"{literal(str(path))}, delim={literal(delimiter)}, quote='\"', escape='\"', "
        f"header=true, auto_detect=false, columns={{{spec}}}"
    )


def _property_values(
    con: duckdb.DuckDBPyConnection, source: TableSource, columns: tuple[str, ...]
) -> dict[str, str]:
    """SQL per property column: typed JSON when the sample says so, else the text."""
    if not columns:
        return {}
    tests = ", ".join(
        f"coalesce(bool_and(regexp_full_match({ident(c)}, {literal(pattern)})), false)"
        for c in columns
        for _, pattern in _CASTS
    )
    sample = f"(SELECT * FROM {source.relation} LIMIT {SAMPLE_ROWS})"
    row = con.execute(f"SELECT {tests} FROM {sample}").fetchone()
    assert row is not None
    values = {}
    for i, column in enumerate(columns):
        matches = row[i * len(_CASTS) : (i + 1) * len(_CASTS)]
        cast = next((kind for kind, ok in zip(_CASTS, matches, strict=True) if ok), None)
        if cast is not None:
            # A later value that does not fit the sample's type is kept as text, not lost.
            col = ident(column)
            values[column] = f"coalesce(to_json(TRY_CAST({col} AS {cast[0]})), to_json({col}))"
    return values


def _malformed(con: duckdb.DuckDBPyConnection, ctx: ReadContext, total: int) -> Chunk:
    """Rows DuckDB could not split into the header's columns go to the reject file."""
    rows = con.execute(
        "SELECT line, error_type, error_message, csv_line FROM __csv_rejects ORDER BY line"
    ).fetchall()
    for line, kind, message, text in rows:
        reason = f"{str(kind).lower()}: {message}"
        ctx.rejects.add(code="malformed_row", reason=reason, raw=str(text).strip("\r\n"), line=line)
    return Chunk(EMPTY, len(rows), total + len(rows))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
