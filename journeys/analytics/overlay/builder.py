"""The SQL of the measured journey map. Builds text, never executes (the runner does).

Every statement reads the temp table ``overlay_x`` (:func:`mapped_sql`): the journey's
touchpoint events per stitched customer ``c`` with time ``t``, seq ``s``, touchpoint index
``i``, stage index ``st``, the time of the customer's next touchpoint ``next_t`` and whether
it is their ``last`` one.
"""

from __future__ import annotations

from datetime import date, timedelta

from journeys.analytics.common import EVENTS, literal
from journeys.analytics.touchpoints import (
    MappedTouchpoint,
    lookup_sql,
    mapped_events_sql,
    touchpoint_index_sql,
)

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
    """CREATE the temp table of touchpoint events (see the module docstring)."""
    stages = lookup_sql([tp.stage_index for tp in touchpoints], "i")
    return f"""
CREATE OR REPLACE TEMP TABLE {X} AS
SELECT c, t, s, i, {stages} AS st,
       lead(t) OVER (PARTITION BY c ORDER BY t, s) AS next_t,
       row_number() OVER (PARTITION BY c ORDER BY t DESC, s DESC) = 1 AS last
FROM ({mapped_events_sql(touchpoints, relation)})
"""


def totals_sql(last_stage: int) -> str:
    """Customers, how many reached the last stage, and touchpoint events."""
    return f"""
SELECT count(*) AS customers, count(*) FILTER (furthest = {last_stage}) AS completed,
       coalesce(sum(n), 0) AS events
FROM (SELECT c, max(st) AS furthest, count(*) AS n FROM {X} GROUP BY c)
"""


def touchpoints_sql(last_stage: int) -> str:
    """Per touchpoint index: reached, events, dropped, median seconds to the next touchpoint."""
    return f"""
WITH furthest AS (SELECT c, max(st) AS furthest FROM {X} GROUP BY c)
SELECT i, count(DISTINCT c) AS reached, count(*) AS events,
       count(*) FILTER (last AND furthest < {last_stage}) AS dropped,
       median(epoch(next_t) - epoch(t)) AS median_seconds
FROM {X} JOIN furthest USING (c)
GROUP BY i
"""


def stages_sql() -> str:
    """Per stage index: reached, continued to a later stage, median seconds until then."""
    return f"""
WITH f AS (SELECT c, st, min(t) AS first_t FROM {X} GROUP BY c, st),
nxt AS (
    SELECT f.c, f.st, min(x.t) AS next_t
    FROM f JOIN {X} x ON x.c = f.c AND x.st > f.st AND x.t >= f.first_t
    GROUP BY f.c, f.st
)
SELECT f.st, count(*) AS reached, count(nxt.next_t) AS continued,
       median(epoch(nxt.next_t) - epoch(f.first_t)) AS median_seconds
FROM f LEFT JOIN nxt USING (c, st)
GROUP BY f.st
"""


def unmapped_sql(touchpoints: list[MappedTouchpoint], relation: str, top: int) -> str:
    """The journey's customers' other events within their journey's span, by event name."""
    return f"""
WITH span AS (SELECT c, min(t) AS lo, max(t) AS hi FROM {X} GROUP BY c),
other AS (
    SELECT e.event, e.customer_id
    FROM {relation} e JOIN span ON e.customer_id = span.c AND e.timestamp BETWEEN lo AND hi
    WHERE ({touchpoint_index_sql(touchpoints)}) IS NULL
)
SELECT event, count(*) AS events, count(DISTINCT customer_id) AS customers,
       sum(count(*)) OVER () AS total
FROM other GROUP BY event ORDER BY events DESC, event LIMIT {max(top, 1)}
"""


def dropped_sql(index: int, last_stage: int, limit: int, offset: int) -> str:
    """The customers whose last touchpoint is ``index`` and who never reached the last stage."""
    return f"""
WITH furthest AS (SELECT c, max(st) AS furthest FROM {X} GROUP BY c),
d AS (SELECT c FROM {X} JOIN furthest USING (c) WHERE last AND i = {index}
      AND furthest < {last_stage})
SELECT (SELECT count(*) FROM d) AS total,
       coalesce((SELECT list(c ORDER BY c) FROM (SELECT c FROM d ORDER BY c
                 LIMIT {limit} OFFSET {offset})), []) AS customers
"""


def _day(d: date) -> str:
    return f"TIMESTAMP {literal(d.isoformat())}"
