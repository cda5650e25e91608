"""The measured journey map and the pain-point finder.

from journeys.analytics.overlay import OverlayQuery, measured_map, pain_points
measured_map(ws, OverlayQuery(journey="fashion")).touchpoints[0].reached
"""

from __future__ import annotations

from journeys.analytics.overlay.query import OverlayQuery
from journeys.analytics.overlay.result import (
    DroppedCustomers,
    MeasuredMap,
    PainPoint,
    PainPoints,
    StageMeasure,
    TouchpointMeasure,
)
from journeys.analytics.overlay.runner import dropped_customers, measured_map, pain_points

__all__ = [
    "DroppedCustomers",
    "MeasuredMap",
    "OverlayQuery",
    "PainPoint",
    "PainPoints",
    "StageMeasure",
    "TouchpointMeasure",
    "dropped_customers",
    "measured_map",
    "pain_points",
]
