"""The event log: a DuckDB database that is the source of truth for behaviour.

One writer thread owns every write. Producers call :meth:`EventLog.append`, which queues the
events and blocks until they are durably committed; the writer drains whatever is queued and
commits it as one transaction (group commit), so many concurrent HTTP requests cost one commit.
Every event gets an increasing ``seq``; a message id already stored is not stored again.

Derived state (identities, profiles, …) is built by consumers (``consumers.py``) that the writer
runs after each commit; each keeps a durable cursor over ``seq`` so it can be rebuilt by replay.
Readers use their own cursor (:meth:`reader`) and never block the writer.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from journeys.clock import Clock, SystemClock
from journeys.errors import JourneysError, NotFound, StoreUnavailable
from journeys.store import segments
from journeys.store.consumers import Consumer, catch_up, rebuild, setup_consumer
from journeys.store.duck import registered
from journeys.store.schema import EVENTS_DDL, INCOMING_COLUMNS, conform

T = TypeVar("T")
log = logging.getLogger(__name__)
# How long consumers may fall behind the log while appends keep arriving.
CONSUMER_LAG = 0.2
# How far apart two copies of one message may be stamped and still be recognised as one.
DEDUP_MARGIN = timedelta(days=1)
_STOP = object()


@dataclass(frozen=True)
class AppendResult:
    """What one append stored: new events, and resent ones that were already there."""

    stored: int
    duplicates: int
    last_seq: int


@dataclass
class _Job:
    table: pa.Table | None
    source: str
    future: Future[Any]
    fn: Callable[[duckdb.DuckDBPyConnection], Any] | None = None


class EventLog:
    """The DuckDB event log with its single writer."""

    def __init__(
        self,
        path: Path | str,
        consumers: Sequence[Consumer] = (),
        clock: Clock | None = None,
    ) -> None:
        self.path = Path(path)
        self.clock = clock or SystemClock()
        self.consumers = list(consumers)
        try:
            self._db = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            raise StoreUnavailable(
                f"cannot open the event log {self.path}: {exc}. Another Journeys process "
                "(e.g. `journeys serve`) may hold it; use its HTTP API or stop it first."
            ) from exc
        segments.migrate(self._db)
        self._db.execute(EVENTS_DDL)
        segments.refresh_view(self._db)
        for consumer in self.consumers:
            setup_consumer(self._db, consumer)
        self._last_seq: int = segments.last_seq(self._db)
        self._writer_con: duckdb.DuckDBPyConnection | None = None
        self._jobs: queue.Queue[Any] = queue.Queue()
        self.consumer_errors: dict[str, Exception] = {}
        self._consumers_ran = 0.0
        self._consumed = threading.Condition()
        self._consumed_seq = self._last_seq
        self._closed = False
        self._writer = threading.Thread(target=self._run, name="eventlog-writer", daemon=True)
        self._writer.start()
        self.sync()

    # -- producers ------------------------------------------------------------------------
    def append(self, table: pa.Table, source: str) -> AppendResult:
        """Store events (INCOMING_SCHEMA columns) durably; returns once committed."""
        job = _Job(conform(table), source, Future())
        result: AppendResult = self._submit(job)
        return result

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``fn`` on the writer's connection, in the writer thread, and return its result.

        For derived tables and inputs of consumers: events enter only through :meth:`append`
        and :meth:`import_segment`, which alone hand out sequence numbers.
        """
        return self._submit(_Job(None, "", Future(), fn))  # type: ignore[no-any-return]

    def import_segment(self, spec: segments.SegmentImport) -> segments.SegmentResult:
        """Store a bulk-imported file as a segment (see ``segments.py``); returns once committed.

        A file whose digest was imported before is not stored again.
        """
        result: segments.SegmentResult = self.write(lambda con: self._add_segment(con, spec))
        return result

    def _add_segment(
        self, con: duckdb.DuckDBPyConnection, spec: segments.SegmentImport
    ) -> segments.SegmentResult:
        result = segments.add(con, spec, self._last_seq)
        self._last_seq = max(self._last_seq, result.last_seq)
        return result

    def write_progress(self) -> float | None:
        """How far the writer's running statement is, in percent; None when none runs."""
        con = self._writer_con
        if con is None:
            return None
        done = con.query_progress()
        return done if done >= 0 else None

    def sync(self) -> None:
        """Block until every consumer has caught up with everything committed so far."""
        self.write(lambda con: None)
        if self.consumer_errors:
            name, exc = next(iter(self.consumer_errors.items()))
            raise JourneysError(f"the {name} consumer failed: {exc}") from exc

    @property
    def consumed_seq(self) -> int:
        """The sequence number the consumers have caught up with (derived state is current
        up to it); at most :attr:`last_seq`."""
        return self._consumed_seq

    def wait_for_events(self, seen: int, timeout: float) -> int:
        """Block until the consumers have caught up past sequence number ``seen`` (derived
        state such as stitched ids is then current), or ``timeout`` seconds passed; returns
        the sequence number they reached. How the server reacts to new events at once
        instead of on a timer."""
        with self._consumed:
            self._consumed.wait_for(lambda: self._consumed_seq > seen or self._closed, timeout)
            return self._consumed_seq

    def rebuild(self, name: str) -> None:
        """Drop one consumer's derived state and rebuild it by replaying the whole log."""
        consumer = next((c for c in self.consumers if c.name == name), None)
        if consumer is None:
            known = ", ".join(c.name for c in self.consumers) or "none"
            raise NotFound(f"no consumer named {name!r}; the consumers are: {known}")
        self.write(lambda con: rebuild(con, consumer))

    def _submit(self, job: _Job) -> Any:
        if self._closed:
            raise StoreUnavailable("the event log is closed")
        self._jobs.put(job)
        return job.future.result()

    # -- readers --------------------------------------------------------------------------
    def reader(self) -> duckdb.DuckDBPyConnection:
        """A connection for reading; each thread should take its own."""
        con = self._db.cursor()
        con.execute("SET enable_progress_bar = false")  # servers and CLIs print no bars
        return con

    def fresh_reader(self) -> duckdb.DuckDBPyConnection:
        """A reader that sees every derived table caught up with all events committed so far.

        Appends are acknowledged before the consumers run; a read of derived state (a
        customer's profile right after their first event) waits for them here.
        """
        self.sync()
        return self.reader()

    @property
    def last_seq(self) -> int:
        """The highest committed sequence number."""
        return self._last_seq

    def close(self) -> None:
        """Finish queued work, stop the writer and close the database."""
        if self._closed:
            return
        self._closed = True
        with self._consumed:  # wake whoever waits for events: there will be none
            self._consumed.notify_all()
        self._jobs.put(_STOP)
        self._writer.join()
        for consumer in self.consumers:
            close = getattr(consumer, "close", None)  # consumers that hold files of their own
            if close is not None:
                close()
        self._db.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread ----------------------------------------------------------------
    def _run(self) -> None:
        con = self._db.cursor()
        # Naive timestamps are UTC; progress is tracked (not printed) for write_progress().
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        self._writer_con = con
        while True:
            first = self._jobs.get()
            if first is _STOP:
                self._writer_con = None
                con.close()
                return
            batch = [first]
            # Group commit: take everything queued now, up to a bound, into one transaction.
            while len(batch) < 512:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._jobs.put(_STOP)
                    break
                batch.append(nxt)
            try:
                self._process(con, batch)
            except BaseException as exc:  # never let the writer die with callers waiting
                log.exception("event log writer failed")
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)

    def _process(self, con: duckdb.DuckDBPyConnection, batch: list[_Job]) -> None:
        appends = [j for j in batch if j.table is not None]
        if appends:
            try:
                results = self._commit(con, appends)
            except Exception as exc:  # the whole group failed: tell every waiter
                _rollback(con)
                for job in appends:
                    job.future.set_exception(exc)
            else:
                for job, result in zip(appends, results, strict=True):
                    job.future.set_result(result)
        # Under load the writer favours ingestion: consumers run when no append is waiting,
        # at least every CONSUMER_LAG seconds, and always before a write()/sync() job, so a
        # reader through fresh_reader() still sees everything committed.
        idle = self._jobs.empty()
        overdue = time.monotonic() - self._consumers_ran > CONSUMER_LAG
        if idle or overdue or any(job.fn is not None for job in batch):
            self._run_consumers(con)
            self._consumers_ran = time.monotonic()
        for job in batch:
            if job.fn is None:
                continue
            try:
                job.future.set_result(job.fn(con))
            except BaseException as exc:
                _rollback(con)
                job.future.set_exception(exc)

    def _commit(self, con: duckdb.DuckDBPyConnection, jobs: list[_Job]) -> list[AppendResult]:
        # One INSERT per source inside one transaction: concurrent requests share the duplicate
        # check's scan and the commit.
        received = self.clock.now()
        stored_by_job: dict[int, int] = {}
        seq = self._last_seq
        con.execute("BEGIN TRANSACTION")
        try:
            for source in dict.fromkeys(job.source for job in jobs):
                group = [job for job in jobs if job.source == source]
                tables = [j.table for j in group if j.table is not None]
                counts = _insert(con, tables, source, received, seq)
                seq += sum(counts)
                stored_by_job.update((id(job), n) for job, n in zip(group, counts, strict=True))
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        self._last_seq = seq
        return [
            AppendResult(
                stored_by_job[id(job)],
                job.table.num_rows - stored_by_job[id(job)],  # type: ignore[union-attr]
                seq,
            )
            for job in jobs
        ]

    def _run_consumers(self, con: duckdb.DuckDBPyConnection) -> None:
        # A failing consumer must not stop the writer: the events are committed and the
        # consumer retries from its cursor after the next commit; sync() reports the failure.
        self.consumer_errors.clear()
        for consumer in self.consumers:
            try:
                catch_up(con, consumer, self._last_seq)
            except Exception as exc:
                log.exception("consumer %s failed", consumer.name)
                self.consumer_errors[consumer.name] = exc
        with self._consumed:
            self._consumed_seq = self._last_seq
            self._consumed.notify_all()


def _insert(
    con: duckdb.DuckDBPyConnection,
    tables: list[pa.Table],
    source: str,
    received: datetime,
    seq: int,
) -> list[int]:
    """Insert the events of several jobs after ``seq``, skipping stored message ids.

    Returns how many events of each job were stored; a message id that occurs more than once
    (within a job or across jobs) is stored once, credited to its first occurrence.
    """
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    if table.num_rows == 0:
        return [0] * len(tables)
    # An explicit row number: joins and DISTINCT do not keep the input order, and seq must.
    table = table.append_column("_ord", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    bounds = [pc.min_max(t["timestamp"]).as_py() for t in tables if t.num_rows]
    lo = min(b["min"] for b in bounds) - DEDUP_MARGIN
    hi = max(b["max"] for b in bounds) + DEDUP_MARGIN
    cols = ", ".join(INCOMING_COLUMNS)
    with registered(con, "incoming", table):
        sql = f"INSERT INTO event_rows (seq, source, received_at, {cols}) "
        sql += f"SELECT ? + row_number() OVER (ORDER BY _ord), ?, ?, {cols} "
        sql += f"FROM {_first_copies(con, tables)} i"
        args: list[Any] = [seq, source, received]
        # A resend carries the same client timestamp, so the duplicate check only reads stored
        # events near this batch's time range (zonemaps skip the rest of the log), and none at
        # all when nothing is stored in that range, as for a first import of a file.
        if _scalar(con, "SELECT count(*) FROM events WHERE timestamp BETWEEN ? AND ?", [lo, hi]):
            sql += (
                " ANTI JOIN (SELECT message_id FROM events WHERE timestamp BETWEEN ? AND ?) e"
                " USING (message_id)"
            )
            args += [lo, hi]
        if len(tables) == 1:
            return [int(_scalar(con, sql, args) or 0)]
        fresh = {r[0] for r in con.execute(sql + " RETURNING message_id", args).fetchall()}
    return _credit(tables, fresh)


def _first_copies(con: duckdb.DuckDBPyConnection, tables: list[pa.Table]) -> str:
    """The incoming rows to insert: all of them, or the first copy of each message id."""
    if not _has_repeats(con, tables):
        return "incoming"
    return (
        "(SELECT * FROM incoming "
        "QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY _ord) = 1)"
    )


def _credit(tables: list[pa.Table], fresh: set[str]) -> list[int]:
    """How many of the stored message ids each job brought, the first job to bring one first."""
    counts = []
    for t in tables:
        ids = [m for m in t["message_id"].to_pylist() if m in fresh]
        fresh.difference_update(ids)
        counts.append(len(set(ids)))
    return counts


def _has_repeats(con: duckdb.DuckDBPyConnection, tables: list[pa.Table]) -> bool:
    """Whether a message id occurs twice among the incoming events."""
    rows: int = sum(t.num_rows for t in tables)
    if rows <= 100_000:  # Arrow answers small batches in microseconds, DuckDB in milliseconds
        ids = pa.chunked_array([c for t in tables for c in t["message_id"].chunks])
        distinct: int = len(pc.unique(ids))
        return distinct < rows
    unique: bool = _scalar(con, "SELECT count(DISTINCT message_id) = count(*) FROM incoming")
    return not unique


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, args: list[Any] | None = None) -> Any:
    row = con.execute(sql, args or []).fetchone()
    return row[0] if row else None


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # no transaction was open
        con.execute("ROLLBACK")
