"""The life cycle of a ticket: new → contacted → resolved → closed, only ever forward.

A ticket may skip ``contacted`` (resolved without reaching the customer, e.g. a complaint
that was a mistake); it may be contacted again while ``contacted`` (one more contact, counted
for first-contact resolution); it closes only once resolved. Nothing goes back.
"""

from __future__ import annotations

from journeys.errors import Conflict, InvalidInput
from journeys.feedback.tickets.model import Status

NEXT: dict[Status, tuple[Status, ...]] = {
    "new": ("contacted", "resolved"),
    "contacted": ("contacted", "resolved"),
    "resolved": ("closed",),
    "closed": (),
}


def check_transition(ticket_id: str, current: Status, target: Status) -> None:
    """Refuse a move the life cycle does not allow, with a Conflict that says what can be done."""
    allowed = NEXT[current]
    if target in allowed:
        return
    details = {"ticket_id": ticket_id, "status": current, "requested": target, "allowed": allowed}
    if not allowed:
        raise Conflict(f"ticket {ticket_id} is closed; a closed ticket no longer changes", details)
    choices = " or ".join(allowed)
    raise Conflict(
        f"ticket {ticket_id} is {current}: it can go to {choices}, not {target} "
        "(tickets only move forward: new → contacted → resolved → closed)",
        details,
    )


def required_root_cause(ticket_id: str, root_cause: str | None) -> str:
    """The root cause a closing needs, trimmed; InvalidInput when there is none."""
    text = (root_cause or "").strip()
    if not text:
        raise InvalidInput(
            f"closing ticket {ticket_id} needs a root cause: what caused the customer's problem",
            details={"field": "root_cause"},
        )
    return text
