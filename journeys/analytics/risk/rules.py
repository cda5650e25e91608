"""Validation of a churn-risk query, each rule with a stable code.

| code | refused when |
|---|---|
| `risk_model_unscored` | the model has no stored scores (unknown, or never scored) |
| `risk_bands_reversed` | the low threshold is above the high one |
| `journey_not_measurable` | the journey has no touchpoint with an event matcher |
"""

from __future__ import annotations

from collections.abc import Collection

from journeys.analytics.common import fail
from journeys.analytics.risk.query import RiskQuery
from journeys.analytics.touchpoints import MappedTouchpoint, measurable
from journeys.maps.model import Journey


def check_bands(query: RiskQuery) -> None:
    """The low threshold must not be above the high one (``risk_bands_reversed``)."""
    if query.low > query.high:
        fail(
            "risk_bands_reversed",
            "low",
            f"the low-risk threshold {query.low:g} is above the high-risk one {query.high:g}",
        )


def check_model(query: RiskQuery, scored: Collection[str]) -> None:
    """The model must have stored scores (``risk_model_unscored``)."""
    if query.model not in scored:
        names = ", ".join(sorted(scored)) or "none yet"
        fail(
            "risk_model_unscored",
            "model",
            f"no stored scores for model {query.model!r} (the scored models are: {names}); "
            f"score it with `journeys predict score`",
            query.model,
        )


def measured_touchpoints(journey: Journey) -> list[MappedTouchpoint]:
    """The journey must have touchpoints with event matchers (``journey_not_measurable``)."""
    return measurable(journey)


def has_matchers(journey: Journey) -> list[bool]:
    """One True per touchpoint the journey can recognise in event data."""
    return [tp.match is not None for stage in journey.stages for tp in stage.touchpoints]
