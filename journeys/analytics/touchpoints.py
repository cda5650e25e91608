"""Which touchpoint (and stage) of a journey an event is, in SQL, with the journey's matchers.

An event is an occurrence of a touchpoint when the touchpoint's matcher matches it
(:func:`journeys.analytics.common.matcher_sql`, the same semantics as ``Matcher.matches``).
Touchpoints without a matcher are never seen in the data.

**One event, one touchpoint.** When an event matches several touchpoints of a journey (two
matchers on the same event name with overlapping filters), it counts as the *first* of them in
file order: stages in the order of the journey file, touchpoints in their order within the
stage. So every event belongs to at most one touchpoint and one stage, and counts add up.

:func:`mapped_event` is the same rule in Python, the reference the SQL is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from journeys.analytics.common import matcher_sql
from journeys.errors import InvalidInput
from journeys.maps.model import Journey, Matcher
from journeys.store.duck import literal


@dataclass(frozen=True)
class MappedTouchpoint:
    """A touchpoint that can be recognised in event data, with its place in the journey."""

    index: int  # position among the journey's matched touchpoints, in file order
    stage_index: int  # position of its stage in the journey
    stage: str  # stage id
    stage_name: str
    touchpoint: str  # touchpoint id
    name: str
    channel: str
    matcher: Matcher


def mapped_touchpoints(journey: Journey) -> list[MappedTouchpoint]:
    """The journey's touchpoints that have a matcher, in file order."""
    found: list[MappedTouchpoint] = []
    for stage_index, stage in enumerate(journey.stages):
        for tp in stage.touchpoints:
            if tp.match is None:
                continue
            found.append(
                MappedTouchpoint(
                    index=len(found),
                    stage_index=stage_index,
                    stage=stage.id,
                    stage_name=stage.name,
                    touchpoint=tp.id,
                    name=tp.name,
                    channel=tp.channel,
                    matcher=tp.match,
                )
            )
    return found


def candidate_sql(touchpoints: list[MappedTouchpoint], alias: str = "e") -> str:
    """A cheap SQL pre-filter: the event's name is one some matcher asks for."""
    names = sorted({tp.matcher.event for tp in touchpoints})
    if not names:
        return "false"
    return f"{alias}.event IN ({', '.join(literal(n) for n in names)})"


def touchpoint_index_sql(touchpoints: list[MappedTouchpoint], alias: str = "e") -> str:
    """SQL giving the index of the event's touchpoint (first match in file order), else NULL."""
    if not touchpoints:
        return "CAST(NULL AS INTEGER)"
    whens = " ".join(f"WHEN {matcher_sql(tp.matcher, alias)} THEN {tp.index}" for tp in touchpoints)
    return f"CASE {whens} END"


def lookup_sql(values: list[Any], index_expr: str) -> str:
    """SQL picking ``values[index]`` for a 0-based index expression (NULL stays NULL)."""
    items = ", ".join(literal(v) if isinstance(v, str) else str(v) for v in values)
    return f"([{items}])[({index_expr}) + 1]"


def mapped_event(touchpoints: list[MappedTouchpoint], event: dict[str, Any]) -> int | None:
    """The index of the touchpoint an event row is (first match in file order), else None."""
    for tp in touchpoints:
        if tp.matcher.matches(event):
            return tp.index
    return None


def measurable(journey: Journey) -> list[MappedTouchpoint]:
    """The journey's matched touchpoints; InvalidInput when it has none to count."""
    found = mapped_touchpoints(journey)
    if not found:
        raise InvalidInput(
            f"journey {journey.id!r} has no touchpoint with an event matcher, so no event can "
            "be counted as one of its touchpoints; add `match:` to its touchpoints",
            details={"code": "journey_not_measurable", "field": "journey"},
        )
    return found


def mapped_events_sql(touchpoints: list[MappedTouchpoint], relation: str) -> str:
    """SELECT of the events that are touchpoints: customer ``c``, ``t``, ``s`` (seq), index ``i``.

    ``relation`` is ``stitched_events`` or a relation with its columns.
    """
    return f"""
        SELECT * FROM (
            SELECT e.customer_id AS c, e.timestamp AS t, e.seq AS s,
                   {touchpoint_index_sql(touchpoints)} AS i
            FROM {relation} e
            WHERE e.customer_id IS NOT NULL AND {candidate_sql(touchpoints)}
        ) WHERE i IS NOT NULL
    """
