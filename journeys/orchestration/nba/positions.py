"""Where a customer is in each journey: the stage of the touchpoint they met most recently.

An event is a touchpoint occurrence by the same rule as the analytics
(:func:`journeys.analytics.touchpoints.mapped_event`: first match in file order). The
*current* stage of a journey is the stage of the customer's most recent such event; the
*furthest* stage is the latest stage in the journey's order they ever reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from journeys.analytics.touchpoints import MappedTouchpoint, mapped_touchpoints
from journeys.maps.model import Journey
from journeys.orchestration.nba.context import Event


class JourneyPosition(BaseModel):
    """A customer's place in one journey."""

    journey: str
    journey_name: str
    stage: str
    stage_name: str
    touchpoint: str
    touchpoint_name: str
    channel: str
    at: datetime
    furthest_stage: str
    furthest_stage_name: str


@dataclass(frozen=True)
class JourneyIndex:
    """A journey's matched touchpoints grouped by event name, to test few matchers per event."""

    journey: Journey
    by_event: dict[str, list[MappedTouchpoint]]

    @classmethod
    def of(cls, journey: Journey) -> JourneyIndex:
        """Index one journey."""
        by_event: dict[str, list[MappedTouchpoint]] = {}
        for tp in mapped_touchpoints(journey):
            by_event.setdefault(tp.matcher.event, []).append(tp)
        return cls(journey, by_event)

    def touchpoint_of(self, event: Event) -> MappedTouchpoint | None:
        """The touchpoint an event is (first match in file order), else None."""
        for tp in self.by_event.get(event["event"], ()):
            if tp.matcher.matches(event):
                return tp
        return None


def positions(indexes: Sequence[JourneyIndex], events: Sequence[Event]) -> list[JourneyPosition]:
    """The customer's position in every journey they have met a touchpoint of."""
    found = []
    for index in indexes:
        current: tuple[MappedTouchpoint, datetime] | None = None
        furthest: MappedTouchpoint | None = None
        for event in events:  # newest first
            tp = index.touchpoint_of(event)
            if tp is None:
                continue
            if current is None:
                current = (tp, event["timestamp"])
            if furthest is None or tp.stage_index > furthest.stage_index:
                furthest = tp
        if current is not None and furthest is not None:
            found.append(_position(index.journey, *current, furthest))
    return found


def event_names(indexes: Sequence[JourneyIndex]) -> set[str]:
    """The event names any touchpoint of these journeys is recognised by."""
    return {name for index in indexes for name in index.by_event}


def _position(
    journey: Journey, tp: MappedTouchpoint, at: datetime, furthest: MappedTouchpoint
) -> JourneyPosition:
    return JourneyPosition(
        journey=journey.id,
        journey_name=journey.name,
        stage=tp.stage,
        stage_name=tp.stage_name,
        touchpoint=tp.touchpoint,
        touchpoint_name=tp.name,
        channel=tp.channel,
        at=at,
        furthest_stage=furthest.stage,
        furthest_stage_name=furthest.stage_name,
    )
