"""KPIs: NPS (with its margin of error), CSAT, CES and sentiment from the survey answers, and
response time, first-contact resolution, SLA attainment and ticket volume from the ticket
events; overall or per touchpoint, stage, journey, persona or segment, with trends per day,
week or month; and the board of the three levels (governance, management, operations).
Computed from the event log only (docs/feedback/events.md). See docs/analytics/kpis.md.

    from journeys.analytics.kpis import KpiQuery, kpis, kpi_board, BoardQuery
    result = kpis(workspace, KpiQuery(by="touchpoint", grain="week"))
    result.to_arrow().to_pandas()
    kpi_board(workspace, BoardQuery()).operations.tickets.sla_attainment
"""

from __future__ import annotations

from journeys.analytics.kpis.board import kpi_board
from journeys.analytics.kpis.query import BoardQuery, KpiQuery
from journeys.analytics.kpis.result import (
    CesScore,
    CsatScore,
    FeedbackKpis,
    Governance,
    KpiBoard,
    KpiGroup,
    KpiPoint,
    KpiResult,
    KpiSeries,
    Management,
    NpsScore,
    Operations,
    RetentionFigure,
    SentimentFigure,
    StageConversion,
    TicketKpis,
)
from journeys.analytics.kpis.rules import board_query, kpi_query
from journeys.analytics.kpis.runner import kpis, run_kpis

__all__ = [
    "BoardQuery",
    "CesScore",
    "CsatScore",
    "FeedbackKpis",
    "Governance",
    "KpiBoard",
    "KpiGroup",
    "KpiPoint",
    "KpiQuery",
    "KpiResult",
    "KpiSeries",
    "Management",
    "NpsScore",
    "Operations",
    "RetentionFigure",
    "SentimentFigure",
    "StageConversion",
    "TicketKpis",
    "board_query",
    "kpi_board",
    "kpi_query",
    "kpis",
    "run_kpis",
]
