"""Segments evaluated against the event log: sizes, members, and the filter analyses use."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime

import duckdb
from pydantic import BaseModel

from journeys.analytics.common import EVENTS, run_query
from journeys.analytics.segments import store
from journeys.analytics.segments.builder import members_sql
from journeys.analytics.segments.query import SegmentDefinition
from journeys.workspace import Workspace


class SegmentMembers(BaseModel):
    """A segment evaluated: how many customers, and one page of them."""

    segment: SegmentDefinition
    conditions: list[str]  # the text forms
    as_of: datetime | None
    size: int
    customers: list[str]
    limit: int
    offset: int


def as_of_default(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest event's timestamp: windows end there, so an imported history still fits."""
    row = con.execute("SELECT max(timestamp) FROM events").fetchone()
    return row[0] if row else None


def evaluate(
    workspace: Workspace,
    segment: SegmentDefinition,
    *,
    as_of: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> SegmentMembers:
    """The segment's size and a page of its customers (sorted by id)."""
    with closing(workspace.events.fresh_reader()) as con:
        when = as_of or as_of_default(con)
        if when is None:  # an empty log: nobody is in any segment
            return _result(segment, None, 0, [], limit, offset)
        sql = members_sql(segment, {j.id: j for j in workspace.journeys()}, when)
        # One pass: the members are found once, then counted and paged.
        row = run_query(
            con,
            f"""WITH m AS MATERIALIZED ({sql})
            SELECT (SELECT count(*) FROM m) AS n,
                   coalesce((SELECT list(customer_id ORDER BY customer_id) FROM (
                       SELECT customer_id FROM m ORDER BY customer_id
                       LIMIT {limit} OFFSET {offset})), []) AS page""",
            what="the segment",
        ).to_pylist()[0]
    return _result(segment, when, int(row["n"]), list(row["page"]), limit, offset)


def _result(
    segment: SegmentDefinition,
    when: datetime | None,
    size: int,
    customers: list[str],
    limit: int,
    offset: int,
) -> SegmentMembers:
    texts = [c.text() for c in segment.conditions]
    return SegmentMembers(
        segment=segment,
        conditions=texts,
        as_of=when,
        size=size,
        customers=customers,
        limit=limit,
        offset=offset,
    )


def segment_filter(
    workspace: Workspace, con: duckdb.DuckDBPyConnection, name: str | None, alias: str = "e"
) -> str:
    """A SQL condition on an events alias keeping the customers of segment ``name``.

    Every analysis accepts ``segment``; without one the condition is ``true``.
    """
    if not name:
        return "true"
    segment = store.get(workspace.operational, name)
    when = as_of_default(con)
    if when is None:
        return "false"
    sql = members_sql(segment, {j.id: j for j in workspace.journeys()}, when)
    return f"{alias}.customer_id IN ({sql})"


def segment_relation(workspace: Workspace, con: duckdb.DuckDBPyConnection, name: str | None) -> str:
    """``stitched_events``, or its rows of segment ``name``'s customers, as a relation."""
    if not name:
        return EVENTS
    return f"(SELECT * FROM {EVENTS} e WHERE {segment_filter(workspace, con, name)})"
