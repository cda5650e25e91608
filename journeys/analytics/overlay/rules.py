"""Validation of an overlay query, each rule with a stable code."""

from __future__ import annotations

from journeys.analytics.overlay.query import OverlayQuery
from journeys.analytics.touchpoints import MappedTouchpoint, measurable
from journeys.errors import InvalidInput, NotFound
from journeys.maps.model import Journey


def check_dates(query: OverlayQuery) -> None:
    """``from`` must not come after ``to``."""
    if query.from_date and query.to_date and query.from_date > query.to_date:
        raise InvalidInput(
            f"the first day {query.from_date} comes after the last day {query.to_date}",
            details={"code": "dates_reversed", "field": "from"},
        )


def measured_touchpoints(journey: Journey) -> list[MappedTouchpoint]:
    """The journey must have touchpoints with event matchers."""
    return measurable(journey)


def touchpoint_of(touchpoints: list[MappedTouchpoint], touchpoint_id: str) -> MappedTouchpoint:
    """A measured touchpoint by id; NotFound naming the ones there are."""
    for tp in touchpoints:
        if tp.touchpoint == touchpoint_id:
            return tp
    known = ", ".join(tp.touchpoint for tp in touchpoints)
    raise NotFound(
        f"no measured touchpoint {touchpoint_id!r} in this journey (they are: {known})",
        details={"code": "unknown_touchpoint", "field": "touchpoint"},
    )
