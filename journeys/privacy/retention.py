"""Retention: events older than ``retention_days`` are deleted, bytes included.

Events leave ``event_rows`` and the imported segments, and their copies leave the customer
event index and the trait history, the same way an erasure removes them (``eventstore.py``).
The identity graph stays: it holds which ids belong together, not what anyone did.
0 days (the default) keeps everything.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from journeys import config
from journeys.analytics import sequences
from journeys.privacy import audit
from journeys.privacy import eventstore as es
from journeys.privacy.model import RetentionReceipt
from journeys.store import parquet_export, segments
from journeys.store.eventlog import EventLog
from journeys.workspace import Workspace

DAY_SECONDS = 86_400.0


def retention_days() -> int:
    """The setting ``retention_days`` (0: keep events forever)."""
    return max(config.get_int("retention_days"), 0)


def retention_interval() -> float:
    """How often the server applies retention: daily when it is on, else never."""
    return DAY_SECONDS if retention_days() > 0 else 0.0


def apply_retention(ws: Workspace, days: int | None = None) -> RetentionReceipt:
    """Delete the events older than ``days`` (default: the setting) from every store."""
    days = retention_days() if days is None else days
    if days <= 0:
        return RetentionReceipt(retention_days=0, cutoff=None, events=0, removed={})
    cutoff = ws.clock.now() - timedelta(days=days)
    log = ws.events
    log.sync()
    removed = log.write(lambda con: _expire(con, log, cutoff, ws.customer_index_path))
    sequences.forget(str(log.path))  # the analyses' copy, in this process's memory
    events = sum(n for t, n in removed.items() if t == "event_rows" or t.startswith("segment_"))
    receipt = RetentionReceipt(
        retention_days=days,
        cutoff=cutoff,
        events=events,
        removed={"event_log": removed} if removed else {},
    )
    audit.record(ws, "retention", None, f"older than {days} days", receipt.removed)
    return receipt


def _expire(
    con: duckdb.DuckDBPyConnection, log: EventLog, cutoff: datetime, index: Path
) -> dict[str, int]:
    """The event log's part, run in its writer thread."""
    older = "timestamp < ?"
    tables = ["event_rows", *es.segment_tables(con), "trait_history"]
    segments.mark_seq(con, log.last_seq)
    removed = es.remove(con, [es.Removal(t, older, [cutoff]) for t in tables])
    parquet_export.expire(con, cutoff)
    indexed = es.remove_from_index(index, [], before=cutoff.strftime("%Y-%m-%d %H:%M:%S.%f"))
    if indexed:
        removed["customer_events (customer-events.sqlite)"] = indexed
    es.scrub_free_blocks(con)  # also when nothing expired: it finishes a run that stopped
    return removed
