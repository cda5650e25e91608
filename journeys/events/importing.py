"""Bulk import of event files (CSV, JSON Lines, Parquet, XES) into the event log.

    summary = import_file(log, Path("clicks.csv"), received_at=clock.now(),
                          mapping=ColumnMapping.parse("user_id=customer event=action"))

A reader per format (``importers/``) turns the file into chunks of event-log rows; each chunk
is appended as it comes, so memory stays bounded, and the progress callback hears after each.
Rows that cannot be events go to ``<name>.rejects.jsonl`` with their position and reason and
never stop the others; a file that cannot be read at all raises ImportFailed. Message ids are
the file's own or derived from content, so importing a file twice stores its events once.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Literal, TypeVar

import duckdb
from pydantic import BaseModel, ConfigDict

from journeys.errors import ImportFailed
from journeys.events.importers import READERS, ColumnMapping, ReadContext, RejectWriter
from journeys.events.importers.base import Chunk, failure
from journeys.events.importers.mapped import connect, write_rejects
from journeys.events.importers.rejects import default_reject_path
from journeys.events.importers.segment import parquet_segment
from journeys.events.importers.tabular import describe_parquet
from journeys.store.eventlog import EventLog
from journeys.store.segments import SegmentResult

T = TypeVar("T")

Format = Literal["csv", "jsonl", "parquet", "xes"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet", "xes")
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xes": "xes",
}

Progress = Callable[[int, int | None], None]


class ImportSummary(BaseModel):
    """What one import did: rows read, stored, already there (duplicates) and refused."""

    model_config = ConfigDict(frozen=True)

    file: Path
    format: Format
    read: int
    stored: int
    duplicates: int
    refused: int
    reject_file: Path | None
    seconds: float


def detect_format(path: Path) -> Format:
    """The format named by the file's extension (``.gz`` is looked through)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    raise failure(
        path,
        "cannot tell the format from the file name; name it .csv, .jsonl, .ndjson, .parquet, "
        ".xes or .xes.gz, or pass --format csv|jsonl|parquet|xes",
    )


def import_file(
    log: EventLog,
    path: Path,
    *,
    format: str | None = None,
    mapping: ColumnMapping | None = None,
    source: str = "import",
    received_at: datetime,
    progress: Progress | None = None,
    chunk_rows: int = 500_000,
    rejects: Path | None = None,
) -> ImportSummary:
    """Import one file into the event log, chunk by chunk; see the module docstring."""
    started = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise failure(path, "no such file" if not path.exists() else "not a file")
    fmt = _format(path, format)
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be positive")
    writer = RejectWriter(rejects or default_reject_path(path))
    ctx = ReadContext(path, mapping, chunk_rows, received_at, writer)
    if fmt == "parquet":
        return _import_segment(log, ctx, fmt, source, progress, writer, started)
    read = stored = duplicates = 0
    try:
        for chunk in _prefetch(_guarded(READERS[fmt](ctx), path)):
            read += chunk.read
            if chunk.table.num_rows:
                result = log.append(chunk.table, source)
                stored += result.stored
                duplicates += result.duplicates
            if progress is not None:
                progress(read, max(chunk.total, read) if chunk.total is not None else None)
    except BaseException:
        writer.discard()
        raise
    return ImportSummary(
        file=path,
        format=fmt,
        read=read,
        stored=stored,
        duplicates=duplicates,
        refused=writer.count,
        reject_file=writer.close(),
        seconds=round(time.perf_counter() - started, 3),
    )


def _import_segment(
    log: EventLog,
    ctx: ReadContext,
    fmt: Format,
    source: str,
    progress: Progress | None,
    writer: RejectWriter,
    started: float,
) -> ImportSummary:
    """Import a Parquet file as one segment of the log (see ``importers/segment.py``)."""
    try:
        table_source, mapping, total = describe_parquet(ctx)
        spec, segment = parquet_segment(ctx, table_source, mapping, source)
        result = _guarded_call(
            ctx.path, lambda: _watched(log, lambda: log.import_segment(spec), total, progress)
        )
        rejects = result.rejects
        if result.earlier is not None and result.refused:
            with closing(connect()) as con:  # the same file again: the same reject file
                rejects = _guarded_call(ctx.path, lambda: segment.refused_rows(con))
        if rejects is not None:
            write_rejects(rejects, ctx)
    except BaseException:
        writer.discard()
        raise
    if progress is not None:
        progress(result.read, max(total, result.read))
    return ImportSummary(
        file=ctx.path,
        format=fmt,
        read=result.read,
        stored=result.stored,
        duplicates=result.duplicates,
        refused=writer.count,
        reject_file=writer.close(),
        seconds=round(time.perf_counter() - started, 3),
    )


def _watched(
    log: EventLog, job: Callable[[], SegmentResult], total: int, progress: Progress | None
) -> SegmentResult:
    """Run the job in a thread; meanwhile report the writer's progress through the file."""
    if progress is None:
        return job()
    with ThreadPoolExecutor(1, thread_name_prefix="import-segment") as pool:
        future = pool.submit(job)
        progress(0, total)
        while True:
            try:
                return future.result(timeout=0.2)
            except FutureTimeout:
                done = log.write_progress()
                if done is not None:
                    progress(int(total * min(done, 99.0) / 100), total)


def _guarded_call(path: Path, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0]
        raise failure(path, f"cannot be read: {message}") from exc


def _format(path: Path, given: str | None) -> Format:
    if given is None:
        return detect_format(path)
    name = given.lower().lstrip(".")
    name = {"ndjson": "jsonl", "xes.gz": "xes", "pq": "parquet", "tsv": "csv"}.get(name, name)
    for fmt in FORMATS:
        if fmt == name:
            return fmt
    raise failure(path, f"unknown format {given!r}; the formats are {', '.join(FORMATS)}")


def _guarded(chunks: Iterator[Chunk], path: Path) -> Iterator[Chunk]:
    """DuckDB errors while reading are the file's problem: report them as ImportFailed."""
    try:
        yield from chunks
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0]
        raise failure(path, f"cannot be read: {message}") from exc


_DONE = object()


def _prefetch(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """Read the next chunk while the event log stores this one (both release the GIL)."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                handoff.put(chunk)
            handoff.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            handoff.put(exc)
        finally:
            if isinstance(chunks, Generator):
                chunks.close()  # in this thread, so the reader's DuckDB closes here

    worker = threading.Thread(target=produce, name="import-reader", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Chunk)
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting to hand over a chunk
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
        worker.join()


__all__ = [
    "FORMATS",
    "ColumnMapping",
    "ImportFailed",
    "ImportSummary",
    "detect_format",
    "import_file",
]
