"""Segments: saved filters over traits and behaviour (``query.py`` has the language).

from journeys.analytics.segments import SegmentDefinition, parse_condition, save, evaluate
save(ws.operational, SegmentDefinition(name="big-spenders",
     conditions=[parse_condition("did purchase where total > 100 at least 2 times in 90d")]))
evaluate(ws, get(ws.operational, "big-spenders")).size
"""

from __future__ import annotations

from journeys.analytics.segments.query import (
    BehaviourCondition,
    ScoreCondition,
    SegmentDefinition,
    TraitCondition,
    parse_condition,
)
from journeys.analytics.segments.runner import (
    SegmentMembers,
    check,
    evaluate,
    segment_filter,
    segment_relation,
)
from journeys.analytics.segments.store import all_segments, delete, get, save

__all__ = [
    "BehaviourCondition",
    "ScoreCondition",
    "SegmentDefinition",
    "SegmentMembers",
    "TraitCondition",
    "all_segments",
    "check",
    "delete",
    "evaluate",
    "get",
    "parse_condition",
    "save",
    "segment_filter",
    "segment_relation",
]
