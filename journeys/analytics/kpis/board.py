"""The KPI board: the three levels of KPIs of one range on one page.

- governance: satisfaction (CSAT) and loyalty (NPS, retention);
- management: NPS, retention and the conversion of every measured stage (from the measured
  journey map, with the NPS given at each stage);
- operations: response time, first-contact resolution, SLA attainment and ticket volume,
  overall and per touchpoint.
"""

from __future__ import annotations

from contextlib import closing
from datetime import date, datetime, timedelta

from journeys.analytics.common import Connection, analytics_reader
from journeys.analytics.kpis.builder import TICKET_EVENTS
from journeys.analytics.kpis.query import BoardQuery, KpiQuery
from journeys.analytics.kpis.result import (
    Governance,
    KpiBoard,
    Management,
    Operations,
    RetentionFigure,
    StageConversion,
)
from journeys.analytics.kpis.rules import check_board
from journeys.analytics.kpis.runner import run_kpis
from journeys.analytics.retention import ChurnQuery, run_churn
from journeys.analytics.segments import segment_relation
from journeys.errors import InvalidInput
from journeys.store.duck import literal
from journeys.workspace import Workspace


def kpi_board(workspace: Workspace, query: BoardQuery) -> KpiBoard:
    """Governance, management and operations KPIs of the range, as one model."""
    check_board(query)
    if query.journey is not None:
        workspace.journey(query.journey)  # an unknown journey is a 404
    journeys = {j.id: j for j in workspace.journeys()}
    by_touchpoint = KpiQuery(
        by="touchpoint",
        date_from=query.date_from,
        date_to=query.date_to,
        segment=query.segment,
        journey=query.journey,
    )
    with closing(analytics_reader(workspace)) as con:
        relation = segment_relation(workspace, con, query.segment)
        found = run_kpis(con, by_touchpoint, journeys, relation)
        retention = retention_figure(con, query.inactive, _end_of(query.date_to), relation)
    stages, unmeasured = stage_conversions(workspace, query)
    feedback = found.overall.feedback
    ticketed = [g for g in found.groups if g.tickets.tickets]
    return KpiBoard(
        query=query,
        as_of=found.as_of,
        answers=feedback.answers,
        governance=Governance(
            satisfaction=feedback.csat, loyalty=feedback.nps, retention=retention
        ),
        management=Management(
            nps=feedback.nps, retention=retention, stages=stages, unmeasured_journeys=unmeasured
        ),
        operations=Operations(
            tickets=found.overall.tickets,
            touchpoints=sorted(ticketed, key=lambda g: -g.tickets.tickets),
        ),
    )


def retention_figure(
    con: Connection, inactive: timedelta, as_of: datetime | None, relation: str
) -> RetentionFigure:
    """Of the customers active in the window before the last, the share active in the last.

    The churn analysis's figures read the other way round: retention = 1 − churn rate. Ticket
    steps are left out: they are what the team did, not the customer.
    """
    tickets = ", ".join(literal(e) for e in TICKET_EVENTS)
    activity = f"(SELECT * FROM {relation} e WHERE e.event NOT IN ({tickets}))"
    churn = run_churn(con, ChurnQuery(inactive=inactive, as_of=as_of, limit=1), activity)
    retained = churn.active_before - churn.churned_from_active
    rate = retained / churn.active_before if churn.active_before else None
    return RetentionFigure(
        as_of=churn.as_of,
        window_days=inactive.total_seconds() / 86400,
        active_before=churn.active_before,
        retained=retained,
        rate=rate,
        churn_rate=churn.churn_rate,
    )


def stage_conversions(
    workspace: Workspace, query: BoardQuery
) -> tuple[list[StageConversion], list[str]]:
    """Every measured stage of the journeys (or the one asked), and the unmeasured journeys."""
    # Imported here: the measured map asks this package for its feedback figures.
    from journeys.analytics.overlay import OverlayQuery, measured_map

    chosen = [workspace.journey(query.journey)] if query.journey else workspace.journeys()
    stages: list[StageConversion] = []
    unmeasured: list[str] = []
    for journey in chosen:
        ask = OverlayQuery(
            journey=journey.id,
            from_date=query.date_from,
            to_date=query.date_to,
            segment=query.segment,
        )
        try:
            measured = measured_map(workspace, ask)
        except InvalidInput as exc:
            if (exc.details or {}).get("code") != "journey_not_measurable":
                raise
            unmeasured.append(journey.id)
            continue
        if not measured.customers and not measured.feedback.answers:
            continue  # a journey nobody has lived yet would fill the board with zeros
        last = len(measured.stages) - 1
        stages += [
            StageConversion(
                journey=journey.id,
                journey_name=journey.name,
                stage=s.stage,
                name=s.name,
                reached=s.reached,
                continued=s.continued,
                conversion=s.conversion,
                last=i == last,
                nps=s.feedback.nps,
                nps_responses=s.feedback.nps_responses,
            )
            for i, s in enumerate(measured.stages)
        ]
    return stages, unmeasured


def _end_of(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) + timedelta(days=1) if day else None
