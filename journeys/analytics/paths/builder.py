"""SQL of the paths analysis; builds text, never executes.

Per customer, their events (or, for a journey, their touchpoints) in order of timestamp, then
seq, are numbered ``p``; with collapsed repeats a run of the same step back to back gets one
number. The anchor is the customer's **first** occurrence of the step. A path is the anchor
and the next ``length - 1`` steps (start), or the ``length - 1`` steps before it and the
anchor (end); a customer with fewer steps there has a shorter path.

One statement answers three parts, told apart by ``part``: ``path`` rows (path, customers),
the most common first; the ``total`` row (customers, distinct_paths); ``next`` rows (step,
customers): every anchored customer's step next to the anchor, ``(end)`` for none.
"""

from __future__ import annotations

from journeys.analytics.common import EVENTS
from journeys.analytics.paths.query import PathsQuery
from journeys.analytics.paths.result import END
from journeys.analytics.touchpoints import (
    MappedTouchpoint,
    candidate_sql,
    lookup_sql,
    touchpoint_index_sql,
)
from journeys.store.duck import literal


def events_cte(
    anchor_sql: str,
    anchor_label: str,
    touchpoints: list[MappedTouchpoint] | None,
    relation: str,
) -> str:
    """``ev``: the steps of the customers' events (``el``) and whether each is the anchor."""
    if touchpoints is None:
        element, where = "e.event", ""
    else:
        index = (
            f"CASE WHEN {candidate_sql(touchpoints)} THEN {touchpoint_index_sql(touchpoints)} END"
        )
        element = lookup_sql([tp.touchpoint for tp in touchpoints], index)
        # Events that are no touchpoint drop out, except the anchor itself.
        where = f"AND ({candidate_sql(touchpoints)} OR {anchor_sql})"
    return f"""ev AS MATERIALIZED (
        SELECT c, t, s, coalesce(el, CASE WHEN hit THEN {literal(anchor_label)} END) AS el, hit
        FROM (
            SELECT e.customer_id AS c, e.timestamp AS t, e.seq AS s, {element} AS el,
                   coalesce({anchor_sql}, false) AS hit
            FROM {relation} e
            WHERE e.customer_id IS NOT NULL {where}
        )
        WHERE el IS NOT NULL OR hit
    )"""


def positions_cte(collapse: bool) -> str:
    """``pos``: each anchored customer's steps numbered ``p`` (runs as one when collapsing)."""
    if not collapse:
        number = "row_number() OVER (PARTITION BY c ORDER BY t, s)"
        return f"""pos AS (
            SELECT c, el, hit, {number} AS p FROM ev WHERE c IN (SELECT c FROM ev WHERE hit)
        )"""
    return """runs AS (
            SELECT c, t, s, el, hit,
                   CASE WHEN el IS DISTINCT FROM lag(el) OVER w THEN 1 ELSE 0 END AS fresh
            FROM ev WHERE c IN (SELECT c FROM ev WHERE hit)
            WINDOW w AS (PARTITION BY c ORDER BY t, s)
        ), pos AS (
            SELECT c, el, hit,
                   sum(fresh) OVER (PARTITION BY c ORDER BY t, s ROWS UNBOUNDED PRECEDING) AS p
            FROM runs
        )"""


def build_paths(
    query: PathsQuery,
    anchor_sql: str,
    touchpoints: list[MappedTouchpoint] | None = None,
    relation: str = EVENTS,
) -> str:
    """The one statement of the analysis (see the module docstring for its rows)."""
    step = query.start or query.end
    assert step is not None
    forward = query.start is not None
    reach = query.length - 1
    window = f"BETWEEN 0 AND {reach}" if forward else f"BETWEEN -{reach} AND 0"
    return f"""
        WITH {events_cte(anchor_sql, step.text(), touchpoints, relation)},
        {positions_cte(query.collapse_repeats)},
        anchor AS (SELECT c, min(p) AS a FROM pos WHERE hit GROUP BY c),
        cut AS (
            SELECT pos.c, pos.p - anchor.a AS k, min(pos.el) AS el
            FROM pos JOIN anchor ON pos.c = anchor.c
            WHERE pos.p - anchor.a {window}
            GROUP BY ALL
        ),
        paths AS (SELECT c, list(el ORDER BY k) AS path FROM cut GROUP BY c),
        counted AS (SELECT path, count(*) AS customers FROM paths GROUP BY path)
        SELECT 'path' AS part, path, customers FROM (
            SELECT * FROM counted ORDER BY customers DESC, path LIMIT {query.top}
        )
        UNION ALL BY NAME
        SELECT 'total' AS part, (SELECT count(*) FROM anchor) AS customers,
               (SELECT count(*) FROM counted) AS distinct_paths
        UNION ALL BY NAME
        SELECT 'next' AS part, coalesce(n.el, {literal(END)}) AS step, count(*) AS customers
        FROM anchor LEFT JOIN cut n ON n.c = anchor.c AND n.k = {1 if forward else -1}
        GROUP BY ALL
    """
