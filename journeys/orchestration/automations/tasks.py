"""What the server does every ``automation_seconds``: run the engine, then deliver."""

from __future__ import annotations

from journeys.orchestration.automations.delivery import DeliveryResult, deliver_due
from journeys.orchestration.automations.engine import EngineResult, run_engine
from journeys.workspace import Workspace


def tick(ws: Workspace) -> tuple[EngineResult, DeliveryResult]:
    """One round: new events and due timers into the outbox, then the due actions out. The
    server wakes it when the log's consumers have caught up with new events."""
    return run_engine(ws, caught_up=True), deliver_due(ws)
