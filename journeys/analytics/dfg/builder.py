"""SQL of the directly-follows graph; builds text and parameters, never executes.

Per customer, activities are ordered by timestamp, then ``seq`` (arrival order, which for an
imported file is file order), so ties keep the order the events were written in: the order
pm4py's ``discover_dfg`` gives a log (a stable sort by case and time).

Two forms of the same statement (``exact``):

- **exact**: partitions by the customer id and orders by (timestamp, seq), on the event names;
- **fast** (a DuckDB fast path, measured in ``bench/bench_analytics_dfg.py``: 2–3× faster):
  partitions by a 64-bit hash of the customer id, orders by the timestamp alone and carries
  64-bit hashes of the event names (names are joined back at the end). DuckDB's window sorts
  fixed-size keys and one order key much faster than strings and two keys. It is the exact
  answer unless (a) two events of a customer share a timestamp (``ties``), (b) two customers
  share a partition, found with a second, independent hash of the customer id (``clashes``),
  or (c) two event names share a hash (a code with two names). The runner checks the three
  and asks the exact form when one happens.

The compiled engine (``kernel.py``) does not sort in SQL: :func:`build_rows` only reads the
events of the period, unsorted, and :func:`count_sql` tells the runner whether there are
enough of them to be worth it.
"""

from __future__ import annotations

from typing import Any

from journeys.analytics.common import EVENTS
from journeys.analytics.dfg.query import DfgQuery
from journeys.analytics.touchpoints import (
    MappedTouchpoint,
    candidate_sql,
    touchpoint_index_sql,
)


def activity_sql(touchpoints: list[MappedTouchpoint] | None, exact: bool) -> str:
    """An event row ``e``'s activity: its name (exact) or the name's hash (fast), or the
    index of its touchpoint (NULL: none)."""
    if touchpoints is None:
        return "e.event" if exact else "hash(e.event)"
    # The matchers' JSON is read only for the rows whose name some matcher asks for.
    return f"CASE WHEN {candidate_sql(touchpoints)} THEN {touchpoint_index_sql(touchpoints)} END"


def range_sql(query: DfgQuery) -> tuple[list[str], list[Any]]:
    """Conditions and parameters of the date range (whole UTC days, both ends included)."""
    conditions, params = ["e.customer_id IS NOT NULL"], []
    start, end = query.start_bound(), query.end_bound()
    if start is not None:
        conditions.append("e.timestamp >= ?")
        params.append(start)
    if end is not None:
        conditions.append("e.timestamp < ?")
        params.append(end)
    return conditions, params


def build_dfg(
    query: DfgQuery,
    touchpoints: list[MappedTouchpoint] | None = None,
    relation: str = EVENTS,
    *,
    exact: bool = True,
) -> tuple[str, list[Any]]:
    """The graph in one statement: rows with ``part`` = ``edge``, ``name`` or ``unmapped``.

    ``edge`` rows: one per (activity ``a``, next activity ``b``, NULL at a customer's end),
    with ``n`` (times), ``median_seconds``, ``ties`` (pairs at the very same moment) and
    ``clashes`` (pairs of two customers). Activities are event names (exact), name hashes
    (fast: the ``name`` rows give each hash ``a`` its ``name``), or touchpoint indexes. A
    customer's start activity is the one event of theirs no edge leads into.

    The ``unmapped`` row (touchpoints only) counts in ``n`` the events that match no
    touchpoint, of the customers who have at least one that does.
    """
    conditions, params = range_sql(query)
    where = " AND ".join(conditions)
    customer, check, order = (
        ("e.customer_id", "NULL::UBIGINT", "t, s")
        if exact
        else ("hash(e.customer_id)", "hash('~' || e.customer_id)", "t")
    )
    events = f"""
        SELECT {customer} AS c, {check} AS k, e.customer_id AS cid,
               {activity_sql(touchpoints, exact)} AS a, epoch_us(e.timestamp) AS t, e.seq AS s
        FROM {relation} e
        WHERE {where}
    """
    # CTE names are prefixed: `relation` may be any table name (tests, the benchmark).
    # The filter on `a` drops the events that match no touchpoint before the window, so
    # touchpoints follow each other across them.
    sql = f"""
        WITH dfg_ev AS {"MATERIALIZED" if touchpoints is not None else ""} ({events}),
        dfg_steps AS (
            SELECT a, lead(a) OVER w AS b, lead(t) OVER w - t AS gap, lead(k) OVER w <> k AS clash
            FROM dfg_ev
            WHERE a IS NOT NULL
            WINDOW w AS (PARTITION BY c ORDER BY {order})
        )
        SELECT 'edge' AS part, a, b, count(*) AS n, median(gap) / 1e6 AS median_seconds,
               count_if(gap = 0) AS ties, count_if(clash) AS clashes
        FROM dfg_steps
        GROUP BY a, b
    """
    if touchpoints is None and not exact:
        sql += f"""
            UNION ALL BY NAME
            SELECT 'name' AS part, hash(name) AS a, name
            FROM (SELECT DISTINCT e.event AS name FROM {relation} e WHERE {where})
        """
        params = params * 2
    if touchpoints is not None:
        sql += """
            UNION ALL BY NAME
            SELECT 'unmapped' AS part, coalesce(sum(total - mapped), 0) AS n FROM (
                SELECT count(*) AS total, count(a) AS mapped FROM dfg_ev GROUP BY cid
            ) WHERE mapped > 0
        """
    return sql, params


def build_rows(
    query: DfgQuery, touchpoints: list[MappedTouchpoint] | None = None, relation: str = EVENTS
) -> tuple[str, list[Any]]:
    """The rows the compiled form reads, unsorted: ``c`` (hash of the customer id), ``t``
    (the timestamp, as stored: reading it is cheaper than ``epoch_us``), ``s`` (seq) and ``a``
    (the event name, or the touchpoint index; NULL: none)."""
    conditions, params = range_sql(query)
    return (
        f"""
        SELECT hash(e.customer_id) AS c, e.timestamp AS t, e.seq AS s,
               {activity_sql(touchpoints, exact=True)} AS a
        FROM {relation} e
        WHERE {" AND ".join(conditions)}
        """,
        params,
    )


def build_raw_rows(
    query: DfgQuery, touchpoints: list[MappedTouchpoint] | None = None
) -> tuple[str, list[Any]]:
    """:func:`build_rows` over the unstitched ``events``: instead of ``c``, the hashes of the
    user id ``hu`` and anonymous id ``ha`` and ``no_user``; the kernel stitches them
    (``kernels.stitched_hashes``), cheaper than the view's joins."""
    conditions, params = range_sql(query)
    conditions[0] = "coalesce(e.user_id, e.anonymous_id) IS NOT NULL"  # a customer id
    return (
        f"""
        SELECT hash(e.user_id) AS hu, hash(e.anonymous_id) AS ha, e.user_id IS NULL AS no_user,
               e.timestamp AS t, e.seq AS s, {activity_sql(touchpoints, exact=True)} AS a
        FROM events e
        WHERE {" AND ".join(conditions)}
        """,
        params,
    )


def count_sql(query: DfgQuery, relation: str, limit: int) -> tuple[str, list[Any]]:
    """How many events the graph reads, counted up to ``limit`` (the scan stops there)."""
    conditions, params = range_sql(query)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {relation} e WHERE {' AND '.join(conditions)} "
    return sql + f"LIMIT {int(limit)})", params
