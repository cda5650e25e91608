"""Validation of a segment against its workspace, each rule with a stable code.

| code | refused when |
|---|---|
| `score_condition_invalid` | a `score …` condition cannot be read (``query.parse_score``) |
| `score_value_invalid` | its value is not a number between 0 and 1 (``query.parse_score``) |
| `score_model_unknown` | it names a model the workspace has neither trained nor scored |
"""

from __future__ import annotations

from collections.abc import Collection

from journeys.analytics.common import fail
from journeys.analytics.segments.query import ScoreCondition, SegmentDefinition


def check_models(segment: SegmentDefinition, known: Collection[str]) -> None:
    """Every score condition names a known model (``score_model_unknown``)."""
    for c in segment.conditions:
        if isinstance(c, ScoreCondition) and c.model not in known:
            names = ", ".join(sorted(known)) or "none yet"
            fail(
                "score_model_unknown",
                "model",
                f"condition {c.text()!r}: no prediction model {c.model!r} (the models are: "
                f"{names}); train one with `journeys predict train --name {c.model} …`",
                c.model,
            )
