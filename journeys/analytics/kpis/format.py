"""Pure shaping of KPI results: table rows for the CLI and the web page, the ECharts series of
the trend charts, and the board as lines. No I/O, no queries."""

from __future__ import annotations

from typing import Any

from journeys.analytics.common import elapsed_text
from journeys.analytics.kpis.result import (
    CesScore,
    CsatScore,
    KpiBoard,
    KpiGroup,
    KpiResult,
    NpsScore,
    RetentionFigure,
    SentimentFigure,
    StageConversion,
    TicketKpis,
)

FEEDBACK_HEADS = ["group", "answers", "NPS", "± (95 %)", "n", "CSAT", "n", "CES", "n", "sentiment"]
TICKET_HEADS = ["group", "tickets", "contacted", "median response", "mean response", "FCR", "SLA"]
TREND_HEADS = ["period", "answers", "NPS", "CSAT", "CES", "tickets", "SLA"]
CHART_SERIES = 6  # lines per chart besides the overall one: more is unreadable
DASH = "—"


def signed(value: float | None, digits: int = 1) -> str:
    """``+25.0``, ``−16.7``; a dash without a value."""
    if value is None:
        return DASH
    return f"{value:+.{digits}f}".replace("-", "−")


def percent(value: float | None, *, ratio: bool = False) -> str:
    """``50.0%`` from a percentage (or from a 0–1 ratio); a dash without a value."""
    if value is None:
        return DASH
    return f"{value * 100 if ratio else value:.1f}%"


def nps_text(s: NpsScore) -> str:
    """``+25.0 ±81.3``."""
    if s.score is None or s.margin_of_error is None:
        return DASH
    return f"{signed(s.score)} ±{s.margin_of_error:.1f}"


def csat_text(s: CsatScore) -> str:
    """``66.7%``."""
    return percent(s.score)


def ces_text(s: CesScore) -> str:
    """``4.33``."""
    return DASH if s.mean is None else f"{s.mean:.2f}"


def sentiment_text(s: SentimentFigure) -> str:
    """``−0.15 (2 of 4 negative)``."""
    if s.mean is None:
        return DASH
    return f"{signed(s.mean, 2)} ({s.negative:,} of {s.comments:,} negative)"


def duration(seconds: float | None) -> str:
    """A response time as people read it."""
    return elapsed_text(seconds) or DASH


def feedback_rows(result: KpiResult) -> list[list[str]]:
    """One row per group (overall first) under FEEDBACK_HEADS."""
    return [_feedback_row(g) for g in [result.overall, *result.groups]]


def _feedback_row(g: KpiGroup) -> list[str]:
    f = g.feedback
    margin = f.nps.margin_of_error
    return [
        g.label,
        f"{f.answers:,}",
        signed(f.nps.score),
        DASH if margin is None else f"{margin:.1f}",
        f"{f.nps.responses:,}",
        csat_text(f.csat),
        f"{f.csat.responses:,}",
        ces_text(f.ces),
        f"{f.ces.responses:,}",
        sentiment_text(f.sentiment),
    ]


def ticket_cells(t: TicketKpis) -> list[str]:
    """tickets, contacted, median and mean response, FCR, SLA attainment."""
    return [
        f"{t.tickets:,}",
        f"{t.contacted:,}",
        duration(t.response_median_seconds),
        duration(t.response_mean_seconds),
        percent(t.first_contact_resolution_rate, ratio=True),
        percent(t.sla_attainment, ratio=True),
    ]


def ticket_rows(result: KpiResult) -> list[list[str]]:
    """One row per group (overall first) under TICKET_HEADS."""
    return [[g.label, *ticket_cells(g.tickets)] for g in [result.overall, *result.groups]]


def trend_rows(result: KpiResult) -> list[list[str]]:
    """The overall trend, one row per period, under TREND_HEADS."""
    if not result.trend:
        return []
    return [
        [
            p.label,
            f"{p.feedback.answers:,}",
            signed(p.feedback.nps.score),
            csat_text(p.feedback.csat),
            ces_text(p.feedback.ces),
            f"{p.tickets.tickets:,}",
            percent(p.tickets.sla_attainment, ratio=True),
        ]
        for p in result.trend[0].points
    ]


def trend_chart(result: KpiResult) -> dict[str, Any]:
    """The data of the NPS, CSAT and CES line charts: overall and the busiest groups.

    ``{"periods": [...], "nps": [{"name", "data"}...], "csat": [...], "ces": [...]}``, a value
    None where a period has no answers (the line breaks instead of dropping to 0).
    """
    overall, *groups = result.trend
    busiest = sorted(groups, key=lambda s: -sum(p.feedback.answers for p in s.points))
    series = [overall, *busiest[:CHART_SERIES]]

    def lines(pick: Any) -> list[dict[str, Any]]:
        return [{"name": s.label, "data": [pick(p.feedback) for p in s.points]} for s in series]

    return {
        "periods": result.periods,
        "nps": lines(lambda f: _round(f.nps.score, 1)),
        "csat": lines(lambda f: _round(f.csat.score, 1)),
        "ces": lines(lambda f: _round(f.ces.mean, 2)),
        "answers": [p.feedback.answers for p in overall.points],
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def retention_text(r: RetentionFigure) -> str:
    """``80.0% (4 of 5 active in the 30 days before came back)``."""
    if r.rate is None:
        return DASH
    share = percent(r.rate, ratio=True)
    return f"{share} ({r.retained:,} of {r.active_before:,} active in the window before)"


def board_rows(board: KpiBoard) -> list[list[str]]:
    """level, KPI, value, basis: the board as one table."""
    g, m, o = board.governance, board.management, board.operations
    t = o.tickets
    rows = [
        [
            "governance",
            "satisfaction (CSAT)",
            csat_text(g.satisfaction),
            _n(g.satisfaction.responses),
        ],
        ["governance", "loyalty (NPS)", nps_text(g.loyalty), _n(g.loyalty.responses)],
        ["governance", "retention", retention_text(g.retention), ""],
        ["management", "NPS", nps_text(m.nps), _n(m.nps.responses)],
        ["management", "retention", retention_text(m.retention), ""],
    ]
    rows += [
        [
            "management",
            f"conversion {s.journey_name} › {s.name}",
            "(last stage)" if s.last else percent(s.conversion, ratio=True),
            f"{s.continued:,} of {s.reached:,}; NPS {signed(s.nps)}",
        ]
        for s in m.stages
    ]
    rows += [
        ["operations", "ticket volume", f"{t.tickets:,}", ""],
        [
            "operations",
            "median response time",
            duration(t.response_median_seconds),
            _n(t.contacted, "contacted ticket"),
        ],
        [
            "operations",
            "mean response time",
            duration(t.response_mean_seconds),
            _n(t.contacted, "contacted ticket"),
        ],
        [
            "operations",
            "first-contact resolution",
            percent(t.first_contact_resolution_rate, ratio=True),
            f"{t.first_contact_resolved:,} of {t.resolved:,} resolved",
        ],
        [
            "operations",
            "SLA attainment",
            percent(t.sla_attainment, ratio=True),
            f"{t.sla_met:,} of {t.sla_due:,} due",
        ],
    ]
    return rows


def _n(count: int, noun: str = "answer") -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def by_journey(stages: list[StageConversion]) -> list[tuple[str, list[StageConversion]]]:
    """The stage conversions per journey, in the board's order."""
    grouped: dict[str, list[StageConversion]] = {}
    for s in stages:
        grouped.setdefault(s.journey, []).append(s)
    return list(grouped.items())
