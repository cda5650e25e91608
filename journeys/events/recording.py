"""Events Journeys itself writes to the event log: survey answers, ticket steps, later actions.

They go through the same normalisation as tracked events, so they look like any other track
event in timelines and analyses. Each carries a message id derived from what it records,
which makes recording it twice store it once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from journeys.events.messages import Track, rows_to_table, to_row
from journeys.store.eventlog import AppendResult, EventLog

SOURCE = "journeys"  # the source name of the events Journeys records itself


class Recorded(BaseModel):
    """One event to record on a customer."""

    message_id: str
    event: str
    customer_id: str
    known: bool = True  # a known customer is recorded by user id, a visitor by anonymous id
    timestamp: datetime
    properties: dict[str, Any]
    channel: str | None = None


def record(log: EventLog, events: list[Recorded]) -> AppendResult:
    """Append the events (once per message id) and return once they are committed."""
    rows = []
    for e in events:
        who = {"userId": e.customer_id} if e.known else {"anonymousId": e.customer_id}
        message = Track.model_validate(
            {
                "type": "track",
                "messageId": e.message_id,
                "event": e.event,
                "timestamp": e.timestamp,
                "properties": e.properties,
                **who,
            }
        )
        rows.append(to_row(message, received_at=log.clock.now(), default_channel=e.channel))
    return log.append(rows_to_table(rows), SOURCE)
