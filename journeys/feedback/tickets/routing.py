"""Which team owns a ticket: the owner of the touchpoint where its cause happened.

Journey files name an ``owner`` per touchpoint. A ticket without a touchpoint, or whose
touchpoint names no owner, goes to the ``ticket_default_team``. A journey or touchpoint
that is not (or no longer) in the journey files does not stop a ticket from opening: an
unhappy customer must be followed up even while a journey file is being edited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from journeys import config
from journeys.errors import JourneyFileInvalid
from journeys.maps.model import Journey
from journeys.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where a ticket's cause happened, and the team that owns it."""

    journey: str | None
    stage: str | None
    touchpoint: str | None
    team: str


def locate(ws: Workspace, journey: str | None, stage: str | None, touchpoint: str | None) -> Place:
    """The place as given (the stage found from the touchpoint when not given) and its team."""
    default = config.get("ticket_default_team")
    found = _journey(ws, journey) if journey and touchpoint else None
    if found is None or touchpoint is None:
        return Place(journey, stage, touchpoint, default)
    for s, t in found.touchpoints():
        if t.id == touchpoint and stage in (None, s.id):
            return Place(journey, s.id, touchpoint, t.owner or default)
    return Place(journey, stage, touchpoint, default)


def _journey(ws: Workspace, journey_id: str) -> Journey | None:
    try:
        journeys = ws.journeys()
    except JourneyFileInvalid as exc:
        log.warning("tickets go to the default team while a journey file is invalid: %s", exc)
        return None
    return next((j for j in journeys if j.id == journey_id), None)
