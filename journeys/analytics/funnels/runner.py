"""Run a funnel: validate with the rules, build the SQL, run it, shape the result."""

from __future__ import annotations

import uuid
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

import duckdb

from journeys.analytics import sequences
from journeys.analytics.common import EVENTS, Connection, Engine, analytics_reader, run_query
from journeys.analytics.funnels import builder, kernel, rules
from journeys.analytics.funnels.query import FunnelQuery
from journeys.analytics.funnels.result import (
    BreakdownResult,
    DroppedCustomer,
    DroppedPage,
    FunnelResult,
    StepResult,
)
from journeys.analytics.segments import segment_relation
from journeys.maps.model import Journey
from journeys.workspace import Workspace

US = builder.US
EPOCH = datetime(1970, 1, 1)


def funnel(workspace: Workspace, query: FunnelQuery, engine: Engine = "auto") -> FunnelResult:
    """The funnel over a workspace's events (the Python API).

    ``engine``: ``sql`` (the SQL plan), ``kernel`` (the compiled pass, ``kernel.py``) or
    ``auto`` (the kernel from ``common.KERNEL_FROM`` events on); all give the same answer."""
    journeys = {j.id: j for j in workspace.journeys()}
    with closing(analytics_reader(workspace)) as con:
        relation = segment_relation(workspace, con, query.segment)
        return run(con, query, journeys, relation, engine=engine)


def run(
    con: Connection,
    query: FunnelQuery,
    journeys: dict[str, Journey],
    relation: str = EVENTS,
    *,
    engine: Engine = "auto",
) -> FunnelResult:
    """The funnel over ``relation`` on a connection (tests and benchmarks pass their own)."""
    rules.validate(query, journeys)
    # The kernel is DuckDB's fast path; Spark runs the SQL plan.
    if not isinstance(con, duckdb.DuckDBPyConnection) or not kernel.uses_kernel(
        con, engine, relation
    ):
        return _run(con, query, journeys, relation, None)
    assert isinstance(con, duckdb.DuckDBPyConnection)
    if relation == EVENTS and kernel.answerable_from_sequences(query, journeys):
        kept = sequences.current(con)
        if kept is not None:
            return _result(query, [kernel.summary(*kernel.walk_sequences(kept, query, journeys))])
    ids = query.dropped_at is not None
    walked = kernel.walk(con, query, journeys, relation, with_ids=ids)
    if query.breakdown is None and not ids:  # the figures straight from the arrays
        return _result(query, [kernel.summary(walked.level, walked.times)])
    name = f"funnel_flat_{uuid.uuid4().hex}"
    con.register(name, kernel.flat_table(walked, with_ids=ids))
    try:
        return _run(con, query, journeys, relation, name)
    finally:
        con.unregister(name)


def _run(
    con: Connection,
    query: FunnelQuery,
    journeys: dict[str, Journey],
    relation: str,
    flat: str | None,
) -> FunnelResult:
    built = builder.summary_sql(query, journeys, relation, flat)
    rows = run_query(con, built.sql, built.params, what="the funnel").to_pylist()
    result = _result(query, rows)
    if query.dropped_at is not None:
        result.dropped = dropped_page(con, query, journeys, result.steps, relation, flat)
    return result


def _result(query: FunnelQuery, rows: list[dict[str, Any]]) -> FunnelResult:
    """The result from the summary rows: the overall one and one per breakdown value."""
    labels = query.labels()
    overall = next(r for r in rows if r["overall"])
    result = FunnelResult(query=query, steps=steps_of(overall, labels))
    if query.breakdown is not None:
        parts = [r for r in rows if not r["overall"]]
        parts.sort(key=lambda r: (r["bucket"] == "other", -r["n1"], r["bucket"]))
        result.breakdown = [
            BreakdownResult(value=r["bucket"], steps=steps_of(r, labels)) for r in parts
        ]
    return result


def steps_of(row: dict[str, Any], labels: list[str]) -> list[StepResult]:
    """The per-step figures from one summary row (``n1…``, ``avg2…``, ``med2…``)."""
    first = row["n1"]
    out = []
    for k, label in enumerate(labels, start=1):
        n = row[f"n{k}"]
        prev = row[f"n{k - 1}"] if k > 1 else n
        out.append(
            StepResult(
                step=k,
                label=label,
                customers=n,
                conversion_from_previous=n / prev if prev else None,
                conversion_from_first=n / first if first else None,
                dropped=prev - n,
                avg_seconds_to_convert=_seconds(row.get(f"avg{k}")),
                median_seconds_to_convert=_seconds(row.get(f"med{k}")),
            )
        )
    return out


def dropped_page(
    con: Connection,
    query: FunnelQuery,
    journeys: dict[str, Journey],
    steps: list[StepResult],
    relation: str = EVENTS,
    flat: str | None = None,
) -> DroppedPage:
    """One page of the customers who dropped at ``query.dropped_at``."""
    assert query.dropped_at is not None
    built = builder.dropped_sql(query, journeys, relation, flat)
    rows = run_query(con, built.sql, built.params, what="the dropped customers").to_pylist()
    step = query.dropped_at
    return DroppedPage(
        step=step,
        total=steps[step - 1].dropped,
        limit=query.limit,
        offset=query.offset,
        customers=[
            DroppedCustomer(
                customer_id=r["customer_id"],
                reached_step=step - 1,
                reached_at=_time(r["reached_us"]),
            )
            for r in rows
        ],
    )


def _seconds(value: float | None) -> float | None:
    return None if value is None else float(value) / US


def _time(us: int) -> datetime:
    # Event times are naive UTC; keep them naive like the rest of the event log.
    return EPOCH + timedelta(microseconds=us)
