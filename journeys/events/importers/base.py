"""What every format reader shares: its inputs, the chunks it yields, and how it fails."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from journeys.errors import ImportFailed
from journeys.events.importers.mapping import ColumnMapping
from journeys.events.importers.rejects import RejectWriter
from journeys.events.messages import rows_to_table
from journeys.store.schema import INCOMING_SCHEMA


@dataclass(frozen=True)
class ReadContext:
    """One import's inputs, as a reader sees them."""

    path: Path
    mapping: ColumnMapping | None
    chunk_rows: int
    received_at: datetime
    rejects: RejectWriter


@dataclass(frozen=True)
class Chunk:
    """Good rows ready for the event log, and how far through the file they bring us."""

    table: pa.Table  # INCOMING_SCHEMA
    read: int  # source rows consumed by this chunk, refused ones included
    total: int | None  # rows in the whole file, when known


Reader = Callable[[ReadContext], Iterator[Chunk]]

EMPTY = INCOMING_SCHEMA.empty_table()


def failure(
    path: Path, problem: str, *, line: int | None = None, rule: str | None = None
) -> ImportFailed:
    """An ImportFailed naming the file, the line when known, and what is wrong."""
    where = f"{path.name}: line {line}: " if line is not None else f"{path.name}: "
    details: dict[str, object] = {"file": str(path)}
    if line is not None:
        details["line"] = line
    if rule is not None:
        details["rule"] = rule
    return ImportFailed(where + problem, details=details)


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed when it is gzip (by its magic number, not its name)."""
    with path.open("rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raw.seek(0)
            yield raw
            return
        raw.seek(0)
        with gzip.GzipFile(fileobj=raw) as unzipped:
            yield unzipped  # type: ignore[misc]  # GzipFile is a binary IO, typeshed aside


SPILL_ROWS = 10_000  # rows turned into Arrow at a time


class SpillFile:
    """Rows parked in an Arrow IPC file on disk, to be appended only once the whole input has
    passed its checks (a file refused half-way then stores nothing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._writer: pa.ipc.RecordBatchFileWriter | None = None

    def add(self, row: dict[str, Any]) -> None:
        """Park one row (INCOMING_SCHEMA fields)."""
        self._rows.append(row)
        if len(self._rows) >= SPILL_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._writer is None:
            self._writer = pa.ipc.new_file(str(self.path), INCOMING_SCHEMA)
        self._writer.write_table(rows_to_table(self._rows))
        self.count += len(self._rows)
        self._rows = []

    def close(self) -> None:
        """Write what is left; call before reading the chunks."""
        self._flush()
        assert self._writer is not None
        self._writer.close()

    def chunks(self, chunk_rows: int, total: int) -> Iterator[Chunk]:
        """The parked rows as chunks of about chunk_rows."""
        with pa.memory_map(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            batches: list[pa.RecordBatch] = []
            rows = 0
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                if batch.num_rows:
                    batches.append(batch)
                    rows += batch.num_rows
                if rows >= chunk_rows or (i == reader.num_record_batches - 1 and rows):
                    yield Chunk(pa.Table.from_batches(batches, INCOMING_SCHEMA), rows, total)
                    batches, rows = [], 0
