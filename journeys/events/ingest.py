"""Ingestion of tracking messages from one source: validate, normalise, append durably."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from journeys.errors import EventRejected
from journeys.events.messages import ItemError, normalize, rows_to_table
from journeys.store.eventlog import EventLog
from journeys.store.operational import Source


class IngestResult(BaseModel):
    """The answer to a tracking call: what was stored, and every refused item with why."""

    success: bool = True
    stored: int
    duplicates: int
    errors: list[ItemError]


def ingest(
    log: EventLog,
    source: Source,
    items: list[Any],
    sent_at: datetime | None = None,
    max_item_bytes: int | None = None,
) -> IngestResult:
    """Store the valid items of a call (once per message id); refuse the call if none is valid."""
    rows, errors = validate(source, items, log.clock.now(), sent_at, max_item_bytes)
    result = log.append(rows_to_table(rows), source.name)
    return IngestResult(stored=result.stored, duplicates=result.duplicates, errors=errors)


def validate(
    source: Source,
    items: list[Any],
    received_at: datetime,
    sent_at: datetime | None = None,
    max_item_bytes: int | None = None,
) -> tuple[list[dict[str, Any]], list[ItemError]]:
    """The event-log rows of a call's valid items and the errors of the others; a call with
    no valid item is refused (``EventRejected`` naming the first item's problem)."""
    rows, errors = normalize(
        items,
        received_at=received_at,
        sent_at=sent_at,
        default_channel=source.channel,
        max_item_bytes=max_item_bytes,
    )
    if errors and not rows:
        first = errors[0]
        where = f" (field {first.field})" if first.field else ""
        raise EventRejected(
            f"no message was accepted: item {first.index}{where}: {first.message}",
            details=[e.model_dump() for e in errors],
        )
    return rows, errors
