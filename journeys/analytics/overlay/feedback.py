"""The feedback figures of the measured map: NPS, CSAT, CES, sentiment and tickets per stage
and touchpoint, read by the KPI analysis from the events that name the place."""

from __future__ import annotations

from dataclasses import dataclass

from journeys.analytics.common import Connection
from journeys.analytics.kpis import KpiGroup, KpiQuery, run_kpis
from journeys.analytics.overlay.query import OverlayQuery
from journeys.analytics.overlay.result import FeedbackMeasure
from journeys.maps.model import Journey


@dataclass(frozen=True)
class PlaceFeedback:
    """The journey's feedback overall, per stage id and per touchpoint id."""

    journey: FeedbackMeasure
    stages: dict[str, FeedbackMeasure]
    touchpoints: dict[str, FeedbackMeasure]


def place_feedback(
    con: Connection, journey: Journey, query: OverlayQuery, relation: str
) -> PlaceFeedback:
    """Feedback and tickets about the journey's places in the query's range.

    ``relation``: the events the map reads, without the date cut (a ticket opened in the
    range counts with its later steps).
    """
    journeys = {journey.id: journey}
    asked = KpiQuery(journey=journey.id, date_from=query.from_date, date_to=query.to_date)
    by_touchpoint = run_kpis(con, asked.model_copy(update={"by": "touchpoint"}), journeys, relation)
    by_stage = run_kpis(con, asked.model_copy(update={"by": "stage"}), journeys, relation)
    return PlaceFeedback(
        journey=measure(by_touchpoint.overall),
        stages=_by_id(journey.id, by_stage.groups),
        touchpoints=_by_id(journey.id, by_touchpoint.groups),
    )


def measure(group: KpiGroup) -> FeedbackMeasure:
    """A KPI group's figures in the flat form the map shows."""
    f, t = group.feedback, group.tickets
    return FeedbackMeasure(
        answers=f.answers,
        nps=f.nps.score,
        nps_margin_of_error=f.nps.margin_of_error,
        nps_responses=f.nps.responses,
        csat=f.csat.score,
        csat_responses=f.csat.responses,
        ces=f.ces.mean,
        ces_responses=f.ces.responses,
        sentiment=f.sentiment.mean,
        comments=f.sentiment.comments,
        negative_comments=f.sentiment.negative,
        tickets=t.tickets,
        escalated=t.escalated,
    )


def _by_id(journey_id: str, groups: list[KpiGroup]) -> dict[str, FeedbackMeasure]:
    prefix = journey_id + "/"
    return {
        g.key.removeprefix(prefix): measure(g)
        for g in groups
        if g.key is not None and g.key.startswith(prefix)
    }
