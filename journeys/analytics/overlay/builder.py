"""The SQL of the measured journey map. Builds text, never executes (the runner does).

Every statement reads the temp table ``overlay_x`` (:func:`mapped_sql`): the journey's
touchpoint events per stitched customer ``c`` with time ``t``, seq ``s``, touchpoint index
``i``, stage index ``st``, the time of the customer's next touchpoint ``next_t`` (NULL on their
last), their furthest stage, and per stage when they are next beyond it (``after_k``).
"""

from __future__ import annotations

from datetime import date, timedelta

from journeys.analytics.common import EVENTS
from journeys.analytics.kpis.builder import ANSWERED, TICKET_EVENTS
from journeys.analytics.touchpoints import (
    MappedTouchpoint,
    lookup_sql,
    mapped_events_sql,
    touchpoint_index_sql,
)
from journeys.store.duck import literal

X = "overlay_x"


def events_relation(from_date: date | None, to_date: date | None, segment_sql: str) -> str:
    """The stitched events the map looks at: the dates and the segment."""
    where = [segment_sql]
    if from_date is not None:
        where.append(f"timestamp >= {_day(from_date)}")
    if to_date is not None:
        where.append(f"timestamp < {_day(to_date + timedelta(days=1))}")
    return f"(SELECT * FROM {EVENTS} e WHERE {' AND '.join(where)})"


def mapped_sql(touchpoints: list[MappedTouchpoint], relation: str) -> str:
    """CREATE the temp table of touchpoint events (see the module docstring).

    One sort per customer serves every window: ``next_t`` (the next touchpoint), ``furthest``
    (the customer's furthest stage) and, per stage k, ``after_k``: the first time at or after
    this event that the customer is in a stage beyond k.
    """
    stages = lookup_sql([tp.stage_index for tp in touchpoints], "i")
    # The last stage has nothing beyond it; each window costs a pass, so it gets none.
    *stage_indexes, _ = sorted({tp.stage_index for tp in touchpoints})
    later = "".join(
        f",\n       min(CASE WHEN st > {k} THEN t END) OVER rest AS after_{k}"
        for k in stage_indexes
    )
    return f"""
CREATE OR REPLACE TEMP TABLE {X} AS
SELECT c, t, s, i, st,
       lead(t) OVER ordered AS next_t,
       max(st) OVER (PARTITION BY c) AS furthest{later}
FROM (SELECT *, {stages} AS st FROM ({mapped_events_sql(touchpoints, relation)}))
WINDOW ordered AS (PARTITION BY c ORDER BY t, s),
       rest AS (PARTITION BY c ORDER BY t, s ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
"""


def totals_sql(last_stage: int) -> str:
    """Customers, how many reached the last stage, and touchpoint events."""
    return f"""
SELECT count(DISTINCT c) AS customers,
       count(DISTINCT c) FILTER (furthest = {last_stage}) AS completed,
       count(*) AS events
FROM {X}
"""


def touchpoints_sql(last_stage: int) -> str:
    """Per touchpoint index: reached, events, dropped, median seconds to the next touchpoint."""
    return f"""
SELECT i, count(DISTINCT c) AS reached, count(*) AS events,
       count(*) FILTER (next_t IS NULL AND furthest < {last_stage}) AS dropped,
       median(epoch(next_t) - epoch(t)) AS median_seconds
FROM {X}
GROUP BY i
"""


def stages_sql(stage_indexes: list[int]) -> str:
    """Per stage index: reached, continued to a later stage, median seconds until then."""
    after = " ".join(f"WHEN {k} THEN after_{k}" for k in stage_indexes[:-1])
    next_stage = f"CASE st {after} END" if after else "NULL::TIMESTAMP"
    return f"""
SELECT st, count(*) AS reached, count(next_stage) AS continued,
       median(epoch(next_stage) - epoch(first_t)) AS median_seconds
FROM (
    SELECT c, st, min(t) AS first_t, arg_min({next_stage}, (t, s)) AS next_stage
    FROM {X} GROUP BY c, st
)
GROUP BY st
"""


def stage_customers_sql(stage_index: int) -> str:
    """The customers who reached a stage (had an event at one of its touchpoints)."""
    return f"SELECT DISTINCT c FROM {X} WHERE st = {stage_index}"


def unmapped_sql(touchpoints: list[MappedTouchpoint], relation: str, top: int) -> str:
    """The journey's customers' other events within their journey's span, by event name.

    Survey answers and ticket steps are left out: they are what was said and done about the
    journey (the map shows them as feedback), not behaviour the design lacks.
    """
    feedback = ", ".join(literal(e) for e in (ANSWERED, *TICKET_EVENTS))
    return f"""
WITH span AS (SELECT c, min(t) AS lo, max(t) AS hi FROM {X} GROUP BY c),
other AS (
    SELECT e.event, e.customer_id
    FROM {relation} e JOIN span ON e.customer_id = span.c AND e.timestamp BETWEEN lo AND hi
    WHERE ({touchpoint_index_sql(touchpoints)}) IS NULL AND e.event NOT IN ({feedback})
)
SELECT event, count(*) AS events, count(DISTINCT customer_id) AS customers,
       sum(count(*)) OVER () AS total
FROM other GROUP BY event ORDER BY events DESC, event LIMIT {max(top, 1)}
"""


def dropped_sql(index: int, last_stage: int, limit: int, offset: int) -> str:
    """The customers whose last touchpoint is ``index`` and who never reached the last stage."""
    return f"""
WITH d AS (SELECT c FROM {X} WHERE next_t IS NULL AND i = {index} AND furthest < {last_stage})
SELECT (SELECT count(*) FROM d) AS total,
       coalesce((SELECT list(c ORDER BY c) FROM (SELECT c FROM d ORDER BY c
                 LIMIT {limit} OFFSET {offset})), []) AS customers
"""


def _day(d: date) -> str:
    return f"TIMESTAMP {literal(d.isoformat())}"
