"""Run a directly-follows graph: validate, build, execute, shape the result.

Two engines give the same result: the SQL (``builder``; one DuckDB statement with a window
per customer) and the compiled form (``kernel``; DuckDB reads the rows unsorted, numba orders
and counts them: about twice as fast on millions of events, see
``bench/bench_analytics_dfg.py``). ``engine="auto"`` takes the compiled form from
:data:`KERNEL_FROM` events on, so small workspaces and tests never load numba (loading it
takes a few hundred milliseconds, compiling it the first time on a machine ~15 s).
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

import duckdb

from journeys.analytics.common import (
    EVENTS,
    KERNEL_FROM,
    Connection,
    Engine,
    analytics_reader,
    event_count,
    run_query,
)
from journeys.analytics.dfg.builder import build_dfg, count_sql
from journeys.analytics.dfg.query import DfgQuery
from journeys.analytics.dfg.result import DfgEdge, DfgNode, DfgResult
from journeys.analytics.dfg.rules import validate
from journeys.analytics.segments import segment_relation
from journeys.analytics.touchpoints import MappedTouchpoint, measurable
from journeys.maps.model import Journey
from journeys.workspace import Workspace


def dfg(workspace: Workspace, query: DfgQuery | None = None) -> DfgResult:
    """The directly-follows graph of a workspace's events (or of a journey's touchpoints)."""
    query = query or DfgQuery()
    validate(query)
    journey = workspace.journey(query.journey) if query.journey else None
    with closing(analytics_reader(workspace)) as con:
        return run_dfg(con, query, journey, segment_relation(workspace, con, query.segment))


def run_dfg(
    con: Connection,
    query: DfgQuery,
    journey: Journey | None = None,
    relation: str = EVENTS,
    *,
    engine: Engine = "auto",
) -> DfgResult:
    """The graph on an open connection; ``relation`` has the columns of stitched_events."""
    validate(query)
    touchpoints = measurable(journey) if journey is not None else None
    found = None
    duck = isinstance(con, duckdb.DuckDBPyConnection)  # the kernel is DuckDB's fast path
    if duck and (engine == "kernel" or (engine == "auto" and _large(con, query, relation))):
        assert isinstance(con, duckdb.DuckDBPyConnection)
        from journeys.analytics.dfg.kernel import kernel_edges  # loads numba

        found = kernel_edges(con, query, touchpoints, relation)
    rows, unmapped = found or _sql_edges(con, query, touchpoints, relation)
    nodes = _nodes(rows, touchpoints)
    edges = [
        DfgEdge.model_validate(
            {"from": r["a"], "to": r["b"], "count": r["n"], "median_seconds": r["median_seconds"]}
        )
        for r in rows
        if r["b"] is not None and r["n"] >= query.min_count
    ]
    edges.sort(key=lambda e: (-e.count, e.from_, e.to))
    return DfgResult(
        query=query,
        level="event" if touchpoints is None else "touchpoint",
        customers=sum(n.starts for n in nodes),
        events=sum(n.events for n in nodes),
        unmapped=unmapped,
        nodes=nodes,
        edges=edges,
    )


def _large(con: Connection, query: DfgQuery, relation: str) -> bool:
    """Whether the graph reads at least KERNEL_FROM events: over the whole log, from the
    log's metadata (the compiled pass then reads the kept customer sequences, whatever the
    dates); over a segment, counted."""
    if relation == EVENTS and isinstance(con, duckdb.DuckDBPyConnection):
        return event_count(con) >= KERNEL_FROM
    sql, params = count_sql(query, relation, KERNEL_FROM)
    counted = run_query(con, sql, params, what="the directly-follows graph").column(0)
    return int(counted[0].as_py()) >= KERNEL_FROM


def _sql_edges(
    con: Connection,
    query: DfgQuery,
    touchpoints: list[MappedTouchpoint] | None,
    relation: str,
) -> tuple[list[dict[str, Any]], int | None]:
    """The edge rows with activity names, and the unmapped count, from the SQL."""
    found = _run(con, query, touchpoints, relation, exact=False)
    rows = _named(found, touchpoints, fast=True)
    if rows is None:  # the fast form is not the exact answer here: ask the exact one
        found = _run(con, query, touchpoints, relation, exact=True)
        rows = _named(found, touchpoints, fast=False)
    assert rows is not None
    unmapped = next((int(r["n"]) for r in found if r["part"] == "unmapped"), None)
    return rows, unmapped


def _run(
    con: Connection,
    query: DfgQuery,
    touchpoints: list[MappedTouchpoint] | None,
    relation: str,
    *,
    exact: bool,
) -> list[dict[str, Any]]:
    sql, params = build_dfg(query, touchpoints, relation, exact=exact)
    rows: list[dict[str, Any]] = run_query(
        con, sql, params, what="the directly-follows graph"
    ).to_pylist()
    return rows


def _named(
    found: list[dict[str, Any]], touchpoints: list[MappedTouchpoint] | None, *, fast: bool
) -> list[dict[str, Any]] | None:
    """The edge rows with activity names; None when a check of the fast form failed."""
    edges = [r for r in found if r["part"] == "edge"]
    if fast and any(r["ties"] or r["clashes"] for r in edges):
        return None
    names: dict[Any, str]
    if touchpoints is not None:
        names = {tp.index: tp.touchpoint for tp in touchpoints}
    elif not fast:  # the exact form's activities are the names
        return edges
    else:
        listed = [(r["a"], r["name"]) for r in found if r["part"] == "name"]
        names = dict(listed)
        if len(names) < len(listed):  # two event names share a hash
            return None
    return [
        {**r, "a": names[r["a"]], "b": None if r["b"] is None else names[r["b"]]} for r in edges
    ]


def _nodes(rows: list[dict[str, Any]], touchpoints: list[MappedTouchpoint] | None) -> list[DfgNode]:
    # [events, events with a predecessor, ends]: a customer's first activity is the one
    # event of theirs that no edge leads into, so starts = events - incoming.
    totals: dict[str, list[int]] = {}
    for r in rows:
        t = totals.setdefault(r["a"], [0, 0, 0])
        t[0] += r["n"]
        if r["b"] is None:
            t[2] += r["n"]
        else:
            totals.setdefault(r["b"], [0, 0, 0])[1] += r["n"]
    totals = {a: [e, e - incoming, x] for a, (e, incoming, x) in totals.items()}
    if touchpoints is None:
        order = sorted(totals, key=lambda a: (-totals[a][0], a))
        return [
            DfgNode(name=a, label=a, events=e, starts=s, ends=x)
            for a in order
            for e, s, x in [totals[a]]
        ]
    return [
        DfgNode(
            name=tp.touchpoint,
            label=tp.name,
            stage=tp.stage,
            channel=tp.channel,
            events=totals[tp.touchpoint][0],
            starts=totals[tp.touchpoint][1],
            ends=totals[tp.touchpoint][2],
        )
        for tp in touchpoints
        if tp.touchpoint in totals
    ]
