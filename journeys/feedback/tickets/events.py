"""The ticket events of docs/feedback/events.md, written to the event log.

Each history step that is an event keeps the event's properties as they were at that step,
so the events of a ticket can be (re)built from its history at any time. Their message ids
(``ticket-<ticket id>-<step number>``) make recording them again store nothing new: after
every change all of a ticket's events are recorded, which also repairs an event the log
missed (it was closed or held by another process when the ticket changed).
"""

from __future__ import annotations

import json
from typing import Any

from journeys.events.recording import Recorded, record
from journeys.feedback.tickets.tables import TicketChangeRow, TicketRow
from journeys.store.eventlog import EventLog


def ticket_id(number: int) -> str:
    """The readable id of ticket ``number``."""
    return f"T-{number}"


def common_properties(row: TicketRow) -> dict[str, Any]:
    """What every ticket event carries."""
    return {
        "ticket_id": ticket_id(row.number),
        "priority": row.priority,
        "team": row.team,
        "journey": row.journey,
        "stage": row.stage,
        "touchpoint": row.touchpoint,
        "sla_due_at": row.sla_due_at.isoformat(timespec="seconds") + "Z",
    }


def ticket_events(row: TicketRow, history: list[TicketChangeRow]) -> list[Recorded]:
    """The events of a ticket's history, oldest first."""
    return [
        Recorded(
            message_id=f"ticket-{ticket_id(row.number)}-{change.step}",
            event=change.event,
            customer_id=row.customer_id,
            known=row.known,
            timestamp=change.at,
            properties=json.loads(change.event_properties or "{}"),
        )
        for change in history
        if change.event is not None
    ]


def record_events(log: EventLog, events: list[Recorded]) -> None:
    """Record ticket events; those already in the log are not stored again."""
    if events:
        record(log, events)
