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

import itertools
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from journeys.clock import Clock, SystemClock
from journeys.errors import JourneysError, StoreUnavailable
from journeys.store.consumers import Consumer, catch_up, rebuild, setup_consumer
from journeys.store.schema import EVENTS_DDL, INCOMING_COLUMNS, conform

T = TypeVar("T")
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
        self._db.execute(EVENTS_DDL)
        for consumer in self.consumers:
            setup_consumer(self._db, consumer)
        row = self._db.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
        self._last_seq: int = row[0] if row else 0
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._closed = False
        self._writer = threading.Thread(target=self._run, name="eventlog-writer", daemon=True)
        self._writer.start()
        self.sync()

    # -- producers ------------------------------------------------------------------------
    def append(self, table: pa.Table, source: str) -> AppendResult:
        """Store events (INCOMING_SCHEMA columns) durably; returns once committed."""
        job = _Job(conform(table), source, Future())
        return self._submit(job)

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``fn`` on the writer's connection, in the writer thread, and return its result."""
        return self._submit(_Job(None, "", Future(), fn))  # type: ignore[no-any-return]

    def sync(self) -> None:
        """Block until every consumer has caught up with everything committed so far."""
        self.write(lambda con: None)

    def rebuild(self, name: str) -> None:
        """Drop one consumer's derived state and rebuild it by replaying the whole log."""
        consumer = next((c for c in self.consumers if c.name == name), None)
        if consumer is None:
            raise JourneysError(f"no consumer named {name!r}")
        self.write(lambda con: rebuild(con, consumer))

    def _submit(self, job: _Job) -> Any:
        if self._closed:
            raise StoreUnavailable("the event log is closed")
        self._jobs.put(job)
        return job.future.result()

    # -- readers --------------------------------------------------------------------------
    def reader(self) -> duckdb.DuckDBPyConnection:
        """A connection for reading; each thread should take its own."""
        return self._db.cursor()

    @property
    def last_seq(self) -> int:
        """The highest committed sequence number."""
        return self._last_seq

    def close(self) -> None:
        """Finish queued work, stop the writer and close the database."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_STOP)
        self._writer.join()
        self._db.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread ----------------------------------------------------------------
    def _run(self) -> None:
        con = self._db.cursor()
        while True:
            first = self._jobs.get()
            if first is _STOP:
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
            self._process(con, batch)

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
        self._run_consumers(con)
        for job in batch:
            if job.fn is None:
                continue
            try:
                job.future.set_result(job.fn(con))
            except BaseException as exc:
                _rollback(con)
                job.future.set_exception(exc)
            self._last_seq = _max_seq(con)

    def _commit(self, con: duckdb.DuckDBPyConnection, jobs: list[_Job]) -> list[AppendResult]:
        tables = []
        for i, job in enumerate(jobs):
            assert job.table is not None
            t = job.table
            t = t.append_column("_job", pa.array(itertools.repeat(i, t.num_rows), pa.int32()))
            t = t.append_column("_source", pa.array(itertools.repeat(job.source, t.num_rows)))
            tables.append(t)
        incoming = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        cols = ", ".join(INCOMING_COLUMNS)
        con.register("incoming", incoming)
        try:
            con.execute("BEGIN TRANSACTION")
            # Keep the first copy of each message id in this group, and none already stored.
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE fresh AS
                SELECT * FROM (
                    SELECT *, row_number() OVER () AS _ord FROM incoming
                ) i
                WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = i.message_id)
                QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY _ord) = 1
                """
            )
            received = self.clock.now()
            con.execute(
                f"""
                INSERT INTO events (seq, source, received_at, {cols})
                SELECT ? + row_number() OVER (ORDER BY _ord), _source, ?, {cols} FROM fresh
                """,
                [self._last_seq, received],
            )
            stored = dict(con.execute("SELECT _job, count(*) FROM fresh GROUP BY _job").fetchall())
            con.execute("COMMIT")
        finally:
            con.unregister("incoming")
        total = sum(stored.values())
        self._last_seq += total
        return [
            AppendResult(
                stored=stored.get(i, 0),
                duplicates=job.table.num_rows - stored.get(i, 0),  # type: ignore[union-attr]
                last_seq=self._last_seq,
            )
            for i, job in enumerate(jobs)
        ]

    def _run_consumers(self, con: duckdb.DuckDBPyConnection) -> None:
        for consumer in self.consumers:
            catch_up(con, consumer, self._last_seq)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # no transaction was open


def _max_seq(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
    return int(row[0]) if row else 0
