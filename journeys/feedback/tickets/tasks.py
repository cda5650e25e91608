"""The server's periodic escalation: every ``ticket_escalation_seconds``, escalate overdue tickets.

Started in the app's lifespan through :func:`journeys.background.every`.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager

from journeys import background, config
from journeys.feedback.tickets.service import escalate_overdue
from journeys.workspace import Workspace

log = logging.getLogger(__name__)


def periodic_escalation(ws: Workspace) -> AbstractAsyncContextManager[None]:
    """Escalate overdue tickets in the background while the context is open."""
    seconds = float(config.get("ticket_escalation_seconds"))
    return background.every(seconds, "ticket escalation", lambda: _escalate(ws))


def _escalate(ws: Workspace) -> None:
    escalated = escalate_overdue(ws)
    if escalated:
        log.info("escalated %d overdue ticket(s)", len(escalated))
