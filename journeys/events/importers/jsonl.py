"""JSON Lines: Segment messages, or flat records mapped like CSV columns.

A file whose first object has a Segment ``type`` (track, identify, …) is read as Segment
messages, each through the tracking API's own normalisation (``messages.normalize``). Two
adjustments make that right for history rather than live traffic: a message's own
``receivedAt`` stands in for the receive time, and ``sentAt`` only corrects clock skew
together with it (against the import time it would move every event to today; Segment
exports carrying ``originalTimestamp`` are already corrected). Any other file, or any file
given a mapping, is read as records whose keys are mapped like CSV columns, in DuckDB.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from journeys.events.importers import mapped
from journeys.events.importers.base import Chunk, ReadContext, failure, open_binary
from journeys.events.importers.ids import Occurrences, content_id
from journeys.events.importers.mapping import resolve
from journeys.events.importers.sql import JsonSource, select_sql
from journeys.events.messages import normalize, rows_to_table
from journeys.store.schema import EVENT_TYPES, INCOMING_SCHEMA

SAMPLE_LINES = 1_000
_TABLE_ROWS = 10_000  # rows converted to Arrow at a time, to keep Python dicts few


def read_jsonl(ctx: ReadContext) -> Iterator[Chunk]:
    """Events from a JSON Lines file (gzip-compressed too)."""
    sample = _sample(ctx.path)
    if not sample:
        if any(True for _ in _lines(ctx.path)):
            raise failure(ctx.path, f"none of the first {SAMPLE_LINES} lines is a JSON object")
        return  # an empty file holds no events
    if ctx.mapping is None and sample[0].get("type") in EVENT_TYPES:
        yield from _segment(ctx)
    else:
        yield from _records(ctx, sample)


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, stripped bytes) for every line that is not blank."""
    with open_binary(path) as raw:
        for number, line in enumerate(raw, start=1):
            stripped = line.strip()
            if stripped:
                yield number, stripped


def _sample(path: Path) -> list[dict[str, Any]]:
    objects = []
    for _, line in _lines_head(path):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects


def _lines_head(path: Path) -> Iterator[tuple[int, bytes]]:
    for i, item in enumerate(_lines(path)):
        if i >= SAMPLE_LINES:
            return
        yield item


# -- Segment messages -------------------------------------------------------------------------
def _segment(ctx: ReadContext) -> Iterator[Chunk]:
    total = sum(1 for _ in _lines(ctx.path))
    occurrences = Occurrences()
    rows: list[dict[str, Any]] = []
    tables: list[pa.Table] = []
    read = 0
    for number, line in _lines(ctx.path):
        read += 1
        row = _message_row(number, line, ctx, occurrences)
        if row is not None:
            rows.append(row)
        if len(rows) >= _TABLE_ROWS:
            tables.append(rows_to_table(rows))
            rows = []
        if read % ctx.chunk_rows == 0:
            yield Chunk(_concat(tables, rows), ctx.chunk_rows, total)
            tables, rows = [], []
    if read % ctx.chunk_rows or read == 0:
        yield Chunk(_concat(tables, rows), read % ctx.chunk_rows, total)


def _concat(tables: list[pa.Table], rows: list[dict[str, Any]]) -> pa.Table:
    parts = [*tables, rows_to_table(rows)] if rows else tables
    return pa.concat_tables(parts) if parts else INCOMING_SCHEMA.empty_table()


def _message_row(
    number: int, line: bytes, ctx: ReadContext, occurrences: Occurrences
) -> dict[str, Any] | None:
    text = line.decode("utf-8", errors="replace")
    try:
        item = json.loads(line)
    except ValueError as exc:
        ctx.rejects.add(code="bad_json", reason=f"not valid JSON: {exc}", raw=text, line=number)
        return None
    if not isinstance(item, dict):
        ctx.rejects.add(code="not_object", reason="not a JSON object", raw=text, line=number)
        return None
    item, received = _for_history(item, text, occurrences)
    rows, errors = normalize([item], received or ctx.received_at)
    for error in errors:
        ctx.rejects.add(code=error.code, reason=error.message, raw=text, line=number)
    return rows[0] if rows else None


def _for_history(
    item: dict[str, Any], text: str, occurrences: Occurrences
) -> tuple[dict[str, Any], datetime | None]:
    """The message as it should be normalised from a file, and its own receive time."""
    item = dict(item)
    if item.get("messageId") in (None, ""):
        # Without an id, the line's text is the message's identity (see ids.py).
        item["messageId"] = occurrences.next_id(content_id(text))
    received = _utc(item.get("receivedAt"))
    if "sentAt" in item and (received is None or "originalTimestamp" in item):
        del item["sentAt"]
    return item, received


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


# -- mapped records ---------------------------------------------------------------------------
_RELATION = "(SELECT __line, __text, __fh, TRY_CAST(__text AS JSON) AS __j FROM __lines)"


def _records(ctx: ReadContext, sample: list[dict[str, Any]]) -> Iterator[Chunk]:
    keys = list(dict.fromkeys(k for obj in sample for k in obj))
    m = resolve(ctx.mapping, keys, ctx.path)
    source = JsonSource(_RELATION, tuple(keys))
    total, candidates = _pass_one(ctx.path)
    sql = select_sql(source, m, hashes=len(candidates) > 0)
    occurrences = Occurrences()
    con = mapped.connect()
    try:
        for lines in _line_tables(ctx.path, ctx.chunk_rows):
            con.register("__lines", lines)
            parts = [
                mapped.finish_batch(b, ctx, candidates, occurrences, first_row=0, unit="line")
                for b in con.execute(sql).to_arrow_reader(ctx.chunk_rows)
            ]
            con.unregister("__lines")
            table = pa.concat_tables(parts) if parts else INCOMING_SCHEMA.empty_table()
            yield Chunk(table, lines.num_rows, total)
    finally:
        con.close()


def _pass_one(path: Path) -> tuple[int, pa.Array]:
    """The number of records, and the hashes of lines that occur more than once."""
    hashes = np.fromiter((hash(line) for _, line in _lines(path)), dtype=np.int64)
    values, counts = np.unique(hashes, return_counts=True)
    return len(hashes), pa.array(values[counts > 1], pa.int64())


def _line_tables(path: Path, chunk_rows: int) -> Iterator[pa.Table]:
    numbers: list[int] = []
    texts: list[str] = []
    hashes: list[int] = []
    for number, line in _lines(path):
        numbers.append(number)
        texts.append(line.decode("utf-8", errors="replace"))
        hashes.append(hash(line))
        if len(numbers) == chunk_rows:
            yield _lines_table(numbers, texts, hashes)
            numbers, texts, hashes = [], [], []
    if numbers:
        yield _lines_table(numbers, texts, hashes)


def _lines_table(numbers: list[int], texts: list[str], hashes: list[int]) -> pa.Table:
    return pa.table(
        {
            "__line": pa.array(numbers, pa.int64()),
            "__text": pa.array(texts, pa.string()),
            "__fh": pa.array(hashes, pa.int64()),
        }
    )
