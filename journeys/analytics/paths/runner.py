"""Run a paths analysis: validate, build, execute, shape the result."""

from __future__ import annotations

from contextlib import closing
from typing import Any, Literal

from journeys.analytics.common import EVENTS, Connection, analytics_reader, run_query
from journeys.analytics.paths.builder import build_paths
from journeys.analytics.paths.query import PathsQuery
from journeys.analytics.paths.result import NextStep, PathRow, PathsResult
from journeys.analytics.paths.rules import validate
from journeys.analytics.segments import segment_relation
from journeys.analytics.touchpoints import measurable
from journeys.errors import InvalidInput
from journeys.maps.model import Journey
from journeys.workspace import Workspace


def paths(workspace: Workspace, query: PathsQuery) -> PathsResult:
    """The most common paths from (or to) a step, per customer from its first occurrence."""
    validate(query)
    journeys = {j.id: j for j in workspace.journeys()}
    journey = workspace.journey(query.journey) if query.journey else None
    with closing(analytics_reader(workspace)) as con:
        events = segment_relation(workspace, con, query.segment)
        return run_paths(con, query, journeys, journey, events)


def run_paths(
    con: Connection,
    query: PathsQuery,
    journeys: dict[str, Journey],
    journey: Journey | None = None,
    relation: str = EVENTS,
) -> PathsResult:
    """The analysis on an open connection; ``relation`` has the columns of stitched_events."""
    validate(query)
    step = query.start or query.end
    assert step is not None
    field: Literal["start", "end"] = "start" if query.start is not None else "end"
    try:
        anchor_sql = step.sql(journeys, "e")
    except InvalidInput as exc:  # the same error, about the field the user filled in
        raise InvalidInput(exc.message, details={"code": "invalid_step", "field": field}) from exc
    touchpoints = measurable(journey) if journey is not None else None
    sql = build_paths(query, anchor_sql, touchpoints, relation)
    rows: list[dict[str, Any]] = run_query(con, sql, what="the paths").to_pylist()
    total = next(r for r in rows if r["part"] == "total")
    customers = int(total["customers"])
    return PathsResult(
        query=query,
        direction=field,
        anchor=step.text(),
        level="event" if journey is None else "touchpoint",
        customers=customers,
        distinct_paths=int(total["distinct_paths"]),
        paths=[
            PathRow(
                steps=r["path"], customers=r["customers"], share=_share(r["customers"], customers)
            )
            for r in rows
            if r["part"] == "path"
        ],
        next_steps=sorted(
            (
                NextStep(
                    step=r["step"],
                    customers=r["customers"],
                    share=_share(r["customers"], customers),
                )
                for r in rows
                if r["part"] == "next"
            ),
            key=lambda n: (-n.customers, n.step),
        ),
    )


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def step_suggestions(workspace: Workspace, limit: int = 40) -> list[str]:
    """Steps worth offering in a form: the most frequent event names, then every touchpoint."""
    with closing(analytics_reader(workspace)) as con:
        names = run_query(
            con,
            f"SELECT event FROM {EVENTS} GROUP BY event ORDER BY count(*) DESC, event LIMIT ?",
            [limit],
            what="the event names",
        ).column(0)
    touchpoints = [
        f"touchpoint {j.id}/{tp.id}"
        for j in workspace.journeys()
        for _, tp in j.touchpoints()
        if tp.match is not None
    ]
    return [str(n) for n in names.to_pylist()] + touchpoints
