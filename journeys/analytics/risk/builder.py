"""The SQL of the churn-risk chart. Builds text, never executes (the runner does).

Each scored customer is placed at the furthest stage they reached in the journey (or at the
touchpoint of their latest journey event), with the overlay's matching rule (one event, one
touchpoint: the first match in file order), then counted per band of their stored score.
"""

from __future__ import annotations

from journeys.analytics.common import EVENTS
from journeys.analytics.risk.query import RiskQuery
from journeys.analytics.touchpoints import MappedTouchpoint, lookup_sql, mapped_events_sql
from journeys.store.duck import literal

SCORES = "prediction_scores"  # written by journeys.prediction, next to the events


def risk_sql(query: RiskQuery, touchpoints: list[MappedTouchpoint], segment_sql: str) -> str:
    """Per place (``k``: stage or touchpoint index, NULL outside the journey): the band counts.

    ``segment_sql`` is a condition on the scores' alias ``e`` (``true`` for everyone).
    """
    stages = lookup_sql([tp.stage_index for tp in touchpoints], "i")
    place = "max(st)" if query.by == "stage" else "arg_max(i, (t, s))"
    return f"""
WITH m AS (SELECT c, t, s, i, {stages} AS st FROM ({mapped_events_sql(touchpoints, EVENTS)})),
placed AS (SELECT c, {place} AS k FROM m GROUP BY c),
scored AS (
    SELECT e.customer_id, e.score FROM {SCORES} e
    WHERE e.model = {literal(query.model)} AND {segment_sql}
)
SELECT p.k AS k,
       count(*) AS customers,
       count(*) FILTER (WHERE sc.score < {query.low!r}) AS low,
       count(*) FILTER (WHERE sc.score BETWEEN {query.low!r} AND {query.high!r}) AS medium,
       count(*) FILTER (WHERE sc.score > {query.high!r}) AS high,
       avg(sc.score) AS mean_score
FROM scored sc LEFT JOIN placed p ON p.c = sc.customer_id
GROUP BY p.k
ORDER BY p.k NULLS LAST
"""
