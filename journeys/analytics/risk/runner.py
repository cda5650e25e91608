"""The churn-risk chart computed: scored customers per journey stage (or touchpoint) and band."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from journeys.analytics.common import Connection, analytics_reader, run_query
from journeys.analytics.risk import builder, rules
from journeys.analytics.risk.query import RiskByStage, RiskQuery, RiskRow
from journeys.analytics.segments import segment_filter
from journeys.analytics.segments.runner import has_scores_table
from journeys.analytics.touchpoints import MappedTouchpoint
from journeys.workspace import Workspace


def risk_by_stage(workspace: Workspace, query: RiskQuery) -> RiskByStage:
    """Each stage's (or touchpoint's) scored customers, split into low, medium and high risk."""
    rules.check_bands(query)
    journey = workspace.journey(query.journey)
    touchpoints = rules.measured_touchpoints(journey)
    with closing(analytics_reader(workspace)) as con:
        rules.check_model(query, models_with_scores(con))
        segment = segment_filter(workspace, con, query.segment)
        sql = builder.risk_sql(query, touchpoints, segment)
        found = {r["k"]: r for r in run_query(con, sql, what="the churn risk").to_pylist()}
    rows = [_row(place, found.get(key)) for key, place in _places(query, touchpoints)]
    outside = _row((None, "No event of the journey", None), found.get(None))
    scored = sum(r.customers for r in rows) + outside.customers
    return RiskByStage(query=query, scored=scored, rows=rows, outside=outside)


def models_with_scores(con: Connection) -> set[str]:
    """The models with stored scores in the event log."""
    if not has_scores_table(con):
        return set()
    rows = con.execute(f"SELECT DISTINCT model FROM {builder.SCORES}").fetchall()
    return {str(r[0]) for r in rows}


Place = tuple[str | None, str, str | None]  # id, name, stage id


def _places(query: RiskQuery, touchpoints: list[MappedTouchpoint]) -> list[tuple[int, Place]]:
    """The chart's rows in journey order, keyed as the SQL keys them."""
    if query.by == "touchpoint":
        return [(tp.index, (tp.touchpoint, tp.name, tp.stage)) for tp in touchpoints]
    stages: dict[int, Place] = {}
    for tp in touchpoints:
        stages.setdefault(tp.stage_index, (tp.stage, tp.stage_name, None))
    return sorted(stages.items())


def _row(place: Place, found: dict[str, Any] | None) -> RiskRow:
    id_, name, stage = place
    f = found or {}
    return RiskRow(
        id=id_,
        name=name,
        stage=stage,
        customers=int(f.get("customers") or 0),
        low=int(f.get("low") or 0),
        medium=int(f.get("medium") or 0),
        high=int(f.get("high") or 0),
        mean_score=f.get("mean_score"),
    )


def default_query(workspace: Workspace, journey: str | None = None) -> RiskQuery | None:
    """The overview's chart: the first churn model with scores, on its journey; None if none.

    The journey is the one the model's features used, else the first measurable journey.
    """
    from journeys.prediction.store import trained_models  # scikit-learn, only when asked

    with closing(analytics_reader(workspace)) as con:
        scored = models_with_scores(con)
    churn = [
        m
        for m in trained_models(workspace)
        if m.spec.target.kind == "churn" and m.spec.name in scored
    ]
    if not churn:
        return None
    measurable = [j.id for j in workspace.journeys() if any(rules.has_matchers(j))]
    chosen = journey or churn[0].spec.features.journey
    if chosen not in measurable:
        chosen = measurable[0] if measurable else None
    if chosen is None:
        return None
    return RiskQuery(model=churn[0].spec.name, journey=chosen)
