"""The SQL of a segment's members: customer ids, never executed here."""

from __future__ import annotations

from datetime import datetime

from journeys.analytics.common import EVENTS, filter_sql
from journeys.analytics.segments.query import (
    AnyCondition,
    ScoreCondition,
    SegmentDefinition,
    TraitCondition,
)
from journeys.maps.model import Journey
from journeys.store.duck import literal

# Each customer's latest value of every trait, as one JSON object (``properties``, so that the
# journey-file filters apply to traits unchanged). Ties on timestamp: the later event wins.
LATEST_TRAITS = """
SELECT customer_id, json_group_object(trait, value) AS properties, NULL::JSON AS context
FROM (
    SELECT coalesce(u.customer_id, h.user_id) AS customer_id, h.trait,
           arg_max(h.value, (h.timestamp, h.seq)) AS value
    FROM trait_history h LEFT JOIN identity_users u ON u.user_id = h.user_id
    GROUP BY ALL
)
GROUP BY customer_id
"""
EVERYONE = f"SELECT DISTINCT customer_id FROM {EVENTS}"
SCORES = "prediction_scores"  # written by journeys.prediction, next to the events
NOBODY = "SELECT CAST(NULL AS VARCHAR) AS customer_id WHERE false"


def members_sql(
    segment: SegmentDefinition,
    journeys: dict[str, Journey],
    as_of: datetime,
    *,
    scored: bool = True,
) -> str:
    """SELECT customer_id of the customers in the segment as of ``as_of``.

    ``scored``: the table of prediction scores exists (before any scoring run it does not, and
    a score condition then holds for nobody).
    """
    parts = [_condition_sql(c, journeys, as_of, scored) for c in segment.conditions]
    joiner = "\nINTERSECT\n" if segment.match == "all" else "\nUNION\n"
    return joiner.join(f"({p})" for p in parts)


def score_sql(c: ScoreCondition, scored: bool = True) -> str:
    """The customers whose stored score from the model satisfies the comparison.

    A scoring run replaces a model's rows at once, so the stored rows are its latest scores.
    """
    if not scored:
        return NOBODY
    return (
        f"SELECT customer_id FROM {SCORES} "
        f"WHERE model = {literal(c.model)} AND score {c.op} {float(c.value)!r}"
    )


def _condition_sql(
    c: AnyCondition, journeys: dict[str, Journey], as_of: datetime, scored: bool
) -> str:
    if isinstance(c, ScoreCondition):
        return score_sql(c, scored)
    if isinstance(c, TraitCondition):
        return f"SELECT customer_id FROM ({LATEST_TRAITS}) t WHERE {filter_sql(c.filter, 't')}"
    window = c.window()
    when = [f"e.timestamp <= {_ts(as_of)}"]
    if window is not None:
        when.append(f"e.timestamp > {_ts(as_of - window)}")
    did = (
        f"SELECT customer_id FROM {EVENTS} e WHERE {c.step.sql(journeys, 'e')} "
        f"AND {' AND '.join(when)} GROUP BY customer_id HAVING count(*) >= {c.at_least}"
    )
    return f"{EVERYONE}\nEXCEPT\n{did}" if c.negated else did


def _ts(value: datetime) -> str:
    return f"TIMESTAMP {literal(value.isoformat(sep=' '))}"
