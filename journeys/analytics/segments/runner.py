"""Segments evaluated against the event log: sizes, members, and the filter analyses use."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime

from pydantic import BaseModel

from journeys.analytics.common import EVENTS, Connection, analytics_reader, is_spark, run_query
from journeys.analytics.segments import store
from journeys.analytics.segments.builder import SCORES, members_sql
from journeys.analytics.segments.query import ScoreCondition, SegmentDefinition
from journeys.analytics.segments.rules import check_models
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


def as_of_default(con: Connection) -> datetime | None:
    """The latest event's timestamp: windows end there, so an imported history still fits."""
    row = con.execute("SELECT max(timestamp) FROM events").fetchone()
    return row[0] if row else None


def has_scores_table(con: Connection) -> bool:
    """Whether the event log holds the prediction scores' table (some model was scored).
    On Spark the export's scores are always a view (empty before any scoring)."""
    if is_spark(con):
        return True
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [SCORES])
    found = row.fetchone()
    return bool(found and found[0])


def scored_models(workspace: Workspace, con: Connection) -> set[str]:
    """The prediction models a score condition may name: trained, or with stored scores."""
    # Imported here: the prediction package pulls in scikit-learn, which most segments never need.
    from journeys.prediction.store import trained_models

    known = {m.spec.name for m in trained_models(workspace)}
    if has_scores_table(con):
        known |= {str(r[0]) for r in con.execute(f"SELECT DISTINCT model FROM {SCORES}").fetchall()}
    return known


def check(workspace: Workspace, segment: SegmentDefinition) -> SegmentDefinition:
    """Refuse a segment that names what the workspace lacks (``score_model_unknown``)."""
    if any(isinstance(c, ScoreCondition) for c in segment.conditions):
        with closing(analytics_reader(workspace)) as con:
            check_models(segment, scored_models(workspace, con))
    return segment


def _members_sql(
    workspace: Workspace,
    con: Connection,
    segment: SegmentDefinition,
    when: datetime,
) -> str:
    scored = True
    if any(isinstance(c, ScoreCondition) for c in segment.conditions):
        check_models(segment, scored_models(workspace, con))
        scored = has_scores_table(con)
    return members_sql(segment, {j.id: j for j in workspace.journeys()}, when, scored=scored)


def evaluate(
    workspace: Workspace,
    segment: SegmentDefinition,
    *,
    as_of: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> SegmentMembers:
    """The segment's size and a page of its customers (sorted by id)."""
    with closing(analytics_reader(workspace)) as con:
        when = as_of or as_of_default(con)
        if when is None:  # an empty log: nobody is in any segment
            return _result(segment, None, 0, [], limit, offset)
        sql = _members_sql(workspace, con, segment, when)
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
    workspace: Workspace, con: Connection, name: str | None, alias: str = "e"
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
    sql = _members_sql(workspace, con, segment, when)
    return f"{alias}.customer_id IN ({sql})"


def segment_relation(workspace: Workspace, con: Connection, name: str | None) -> str:
    """``stitched_events``, or its rows of segment ``name``'s customers, as a relation."""
    if not name:
        return EVENTS
    return f"(SELECT * FROM {EVENTS} e WHERE {segment_filter(workspace, con, name)})"
