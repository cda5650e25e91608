"""The ingest queue: tracking calls kept durably in PostgreSQL until a loader stores them.

For deployments that take more tracking calls than one server should answer: stateless
tracking processes (``journeys serve-tracking``) validate and normalise each call exactly as
the embedded tracking API does, append its good events to the ``ingest_queue`` table and
acknowledge once that insert is committed. A loader (``journeys serve`` in the background, or
``journeys queue load``) claims the oldest calls with ``SELECT … FOR UPDATE SKIP LOCKED``,
appends their events to the workspace's event log, and deletes them in the same PostgreSQL
transaction. A loader that dies after the event log committed but before PostgreSQL did leaves
the calls in the queue; they are loaded again and the event log, which stores a message id
once, drops the copies. Loaders skip each other's claimed rows, so several may run at once.

Each queued row is one accepted call: its events as event-log rows (``INCOMING_SCHEMA``), one
JSON object a line. The work of a call (parsing, validation, clock-skew correction, message ids
for messages that came without one) is done once, by the tracking process, so a call loaded
twice carries the same ids and timestamps and the loader, the one writer a workspace has, only
parses the lines in bulk (Arrow's JSON reader) and appends.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.json as pa_json
from pydantic import BaseModel
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from journeys import background, config
from journeys.clock import Clock, SystemClock
from journeys.errors import InvalidInput, StoreUnavailable
from journeys.events.ingest import IngestResult, validate
from journeys.store.schema import INCOMING_SCHEMA

if TYPE_CHECKING:
    from journeys.store.eventlog import EventLog
    from journeys.store.operational import Source
    from journeys.workspace import Workspace

TABLE = "ingest_queue"
# Any fixed number: queue processes that start together create the table one after the other.
_DDL_LOCK = 0x6A6F75726E657973
# A delete-heavy table: vacuum it after 1 % of its rows changed, not the default 20 %, so the
# claim query does not wade through dead rows at the head of the queue.
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id          bigserial PRIMARY KEY,
    received_at timestamp NOT NULL,
    source      text      NOT NULL,
    events      integer   NOT NULL,
    payload     text      NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01)
"""
# How long one background run of the loader may go on while calls keep coming: a server
# shutting down waits at most this long for it, and under a backlog the loader pauses
# ingest_queue_seconds after each run (0.5 s after 5 s: 9 % of its time).
RUN_BUDGET_SECONDS = 5.0


class QueueStatus(BaseModel):
    """How much waits in the queue, and since when."""

    calls: int
    events: int
    oldest_received_at: datetime | None
    oldest_age_seconds: float | None


@dataclass(frozen=True)
class LoadResult:
    """What a load moved from the queue into the event log."""

    calls: int = 0
    events: int = 0
    stored: int = 0
    duplicates: int = 0

    def __add__(self, other: LoadResult) -> LoadResult:
        return LoadResult(
            self.calls + other.calls,
            self.events + other.events,
            self.stored + other.stored,
            self.duplicates + other.duplicates,
        )


class IngestQueue:
    """The ``ingest_queue`` table of a PostgreSQL database (created if missing)."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name != "postgresql":
            self.engine.dispose()
            raise InvalidInput(
                f"the ingest queue must be a PostgreSQL database, not {self.engine.dialect.name}: "
                "give ingest_queue a postgresql+psycopg://… URL"
            )
        self.clock = clock or SystemClock()
        with self.engine.begin() as con:
            con.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DDL_LOCK})
            con.execute(text(DDL))

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # -- the tracking side ----------------------------------------------------------------
    def accept(
        self,
        source: Source,
        items: list[Any],
        sent_at: datetime | None = None,
        max_item_bytes: int | None = None,
    ) -> IngestResult:
        """Queue the valid items of a call; refuse the call if none is valid.

        The same validation and answer as ``ingest.ingest``, except that ``stored`` counts the
        events queued: resent copies are dropped later, by the loader.
        """
        received_at = self.clock.now()
        rows, errors = validate(source, items, received_at, sent_at, max_item_bytes)
        self.append(source.name, rows, received_at)
        return IngestResult(stored=len(rows), duplicates=0, errors=errors)

    def append(self, source: str, rows: list[dict[str, Any]], received_at: datetime) -> None:
        """Queue normalised event-log rows of one call; returns once committed."""
        payload = encode(rows)
        with _available(), self.engine.begin() as con:
            con.execute(
                text(
                    f"INSERT INTO {TABLE} (received_at, source, events, payload) "
                    "VALUES (:received_at, :source, :events, :payload)"
                ),
                {
                    "received_at": received_at,
                    "source": source,
                    "events": len(rows),
                    "payload": payload,
                },
            )

    def ping(self) -> None:
        """Raise StoreUnavailable unless the queue's database answers."""
        with _available(), self.engine.connect() as con:
            con.execute(text("SELECT 1"))

    # -- the loader side ------------------------------------------------------------------
    def load(self, log: EventLog, limit: int) -> LoadResult:
        """Move the oldest ``limit`` calls nobody else has claimed into the event log."""
        with self.engine.begin() as con:
            claimed = con.execute(
                text(
                    f"SELECT id, source, events, payload FROM {TABLE} "
                    "ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
                ),
                {"limit": limit},
            ).all()
            if not claimed:
                return LoadResult()
            result = LoadResult(calls=len(claimed), events=sum(r.events for r in claimed))
            by_source: dict[str, list[str]] = {}
            for row in claimed:
                by_source.setdefault(row.source, []).append(row.payload)
            for source, payloads in by_source.items():
                appended = log.append(decode("\n".join(payloads)), source)
                result += LoadResult(stored=appended.stored, duplicates=appended.duplicates)
            # Deleted in the transaction that claimed them: if this commit never happens, the
            # calls are loaded again and the event log drops the copies by message id.
            _delete(con, [row.id for row in claimed])
        return result

    def drain(self, log: EventLog, limit: int, budget: float | None = None) -> LoadResult:
        """Load until the queue is empty (or ``budget`` seconds have passed)."""
        deadline = None if budget is None else time.monotonic() + budget
        total = LoadResult()
        while True:
            result = self.load(log, limit)
            total += result
            if result.calls < limit or (deadline is not None and time.monotonic() > deadline):
                return total

    def status(self) -> QueueStatus:
        """The calls and events waiting, and the age of the oldest."""
        with self.engine.connect() as con:
            row = con.execute(
                text(f"SELECT count(*), coalesce(sum(events), 0), min(received_at) FROM {TABLE}")
            ).one()
        calls, events, oldest = int(row[0]), int(row[1]), row[2]
        age = None if oldest is None else max(0.0, (self.clock.now() - oldest).total_seconds())
        return QueueStatus(
            calls=calls, events=events, oldest_received_at=oldest, oldest_age_seconds=age
        )


@contextmanager
def _available() -> Iterator[None]:
    # A call the queue cannot take is answered 503, which tracking libraries retry.
    try:
        yield
    except OperationalError as exc:
        raise StoreUnavailable(f"the ingest queue is unavailable: {exc.orig}") from exc


def _delete(con: Connection, ids: list[int]) -> None:
    con.execute(text(f"DELETE FROM {TABLE} WHERE id = ANY(:ids)"), {"ids": ids})


def encode(rows: list[dict[str, Any]]) -> str:
    """Event-log rows as JSON lines, the queue's payload (the inverse of :func:`decode`)."""
    lines = "\n".join(
        json.dumps(row, default=_iso, ensure_ascii=False, separators=(",", ":")) for row in rows
    )
    try:
        lines.encode()
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800" in the JSON a client sent) is no Unicode text: PostgreSQL
        # cannot hold it and Arrow's reader refuses it, which would block the queue behind
        # this call. It is stored as "?".
        lines = lines.encode(errors="replace").decode()
    return lines


def decode(payload: str) -> pa.Table:
    """The event-log rows of queued calls (JSON lines) as an Arrow table in INCOMING_SCHEMA."""
    data = payload.encode()
    options = pa_json.ParseOptions(
        explicit_schema=INCOMING_SCHEMA, unexpected_field_behavior="ignore"
    )
    # One block must hold the longest line; a call's rows are at most a few times its bytes.
    block = max(1 << 24, 4 * config.get_int("max_batch_bytes"))
    read = pa_json.ReadOptions(block_size=block)
    return pa_json.read_json(io.BytesIO(data), read_options=read, parse_options=options)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot queue a {type(value).__name__}")


def configured_queue(clock: Clock | None = None) -> IngestQueue | None:
    """The queue named by the setting ``ingest_queue``, or None when it is empty."""
    url = config.get("ingest_queue")
    return IngestQueue(url, clock) if url else None


def batch_limit() -> int:
    """Calls the loader moves in one transaction (setting ``ingest_queue_batch``)."""
    return max(1, config.get_int("ingest_queue_batch"))


@asynccontextmanager
async def background_loader(workspace: Workspace) -> AsyncIterator[None]:
    """While the server runs: drain the configured queue into its event log every
    ``ingest_queue_seconds`` (nothing when ``ingest_queue`` is empty)."""
    queue = configured_queue(workspace.clock)
    if queue is None:
        yield
        return
    limit = batch_limit()
    try:
        async with background.every(
            float(config.get("ingest_queue_seconds")),
            "ingest queue",
            lambda: queue.drain(workspace.events, limit, RUN_BUDGET_SECONDS),
        ):
            yield
    finally:
        queue.close()
