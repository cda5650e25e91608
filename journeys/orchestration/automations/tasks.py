"""What the server does every ``automation_seconds``: run the engine, then deliver."""

from __future__ import annotations

from journeys.orchestration.automations.delivery import DeliveryResult, deliver_due
from journeys.orchestration.automations.engine import EngineResult, run_engine
from journeys.workspace import Workspace


def tick(ws: Workspace) -> tuple[EngineResult, DeliveryResult]:
    """One round: new events and due timers into the outbox, then the due actions out."""
    return run_engine(ws), deliver_due(ws)
