"""Service levels: when a ticket must be answered, when it is breached, how far it escalates.

The SLA is a time to first response, in calendar hours per priority (settings
``sla_high_hours``, ``sla_normal_hours``, ``sla_low_hours``) from the moment the ticket opens.
A response is the first contact, or a resolution without contact. A ticket is *breached*
while it is still ``new`` after its due time; it escalates one level per SLA period it stays
breached (level 1 as soon as it is breached, level 2 one period later, …).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from journeys import config
from journeys.errors import JourneysError
from journeys.feedback.tickets.model import Priority, Reason, Status


def sla_period(priority: Priority) -> timedelta:
    """How long the team has to respond to a ticket of this priority."""
    name = f"sla_{priority}_hours"
    hours = float(config.get(name))
    if hours <= 0:
        raise JourneysError(f"the setting {name} must be a positive number of hours")
    return timedelta(hours=hours)


def sla_due(opened_at: datetime, priority: Priority) -> datetime:
    """The due time of a ticket, to the whole second (as the events carry it)."""
    return (opened_at + sla_period(priority)).replace(microsecond=0)


def is_breached(status: Status, due: datetime, now: datetime) -> bool:
    """Past its due time with nobody having responded."""
    return status == "new" and now > due


def sla_met(
    status: Status,
    due: datetime,
    contacted_at: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
) -> bool | None:
    """Whether the first response came in time; None while it may still."""
    responses = [t for t in (contacted_at, resolved_at) if t is not None]
    if responses:
        return min(responses) <= due
    return False if is_breached(status, due, now) else None


def escalation_due(status: Status, due: datetime, priority: Priority, now: datetime) -> int:
    """The escalation level a ticket should have now: one per SLA period it is breached."""
    if not is_breached(status, due, now):
        return 0
    return 1 + int((now - due) / sla_period(priority))


def default_priority(reason: Reason, score: int | None, given: Priority | None) -> Priority:
    """The given priority, else: a detractor scoring 0–4 is high, anything else normal."""
    if given is not None:
        return given
    if reason == "detractor" and score is not None and score <= 4:
        return "high"
    return "normal"
