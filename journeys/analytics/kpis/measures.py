"""The KPI formulas, pure: counts in, scores out (no SQL, no I/O).

NPS and its margin of error. With n answers, p = promoters / n and d = detractors / n:

    NPS = 100 · (p − d)
    var = p + d − (p − d)²          the variance of one answer scored +1 / 0 / −1
    MoE = 100 · 1.96 · sqrt(var / n)  (95 %, the normal approximation)

CSAT = 100 · satisfied (4–5) / answers; CES = mean score. See docs/analytics/kpis.md.
"""

from __future__ import annotations

import math
from typing import Any

from journeys.analytics.kpis.result import (
    CesScore,
    CsatScore,
    FeedbackKpis,
    NpsScore,
    SentimentFigure,
    TicketKpis,
)

Z95 = 1.96  # the two-sided 95 % quantile of the normal distribution


def share(part: int, whole: int) -> float | None:
    """part / whole, or None without a whole."""
    return part / whole if whole else None


def nps(promoters: int, passives: int, detractors: int) -> NpsScore:
    """The NPS of the answers with its 95 % margin of error (see the module docstring)."""
    n = promoters + passives + detractors
    if n == 0:
        return NpsScore(promoters=0, passives=0, detractors=0)
    p, d = promoters / n, detractors / n
    score = 100 * (p - d)
    variance = max(p + d - (p - d) ** 2, 0.0)  # max: rounding must not make it negative
    margin = 100 * Z95 * math.sqrt(variance / n)
    return NpsScore(
        responses=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        score=score,
        margin_of_error=margin,
        low=max(-100.0, score - margin),
        high=min(100.0, score + margin),
    )


def csat(satisfied: int, responses: int) -> CsatScore:
    """The percentage of satisfied answers (4 or 5 of 5)."""
    score = share(satisfied, responses)
    return CsatScore(
        responses=responses,
        satisfied=satisfied,
        score=None if score is None else 100 * score,
    )


def ces(total: float | None, responses: int) -> CesScore:
    """The mean effort score."""
    return CesScore(responses=responses, mean=(total or 0.0) / responses if responses else None)


def sentiment(total: float | None, comments: int, negative: int) -> SentimentFigure:
    """Mean sentiment and the share of negative comments."""
    return SentimentFigure(
        comments=comments,
        mean=(total or 0.0) / comments if comments else None,
        negative=negative,
        negative_share=share(negative, comments),
    )


def feedback_of(row: dict[str, Any] | None) -> FeedbackKpis:
    """The survey KPIs from one row of the feedback query (None: no answers)."""
    if row is None:
        return FeedbackKpis()
    promoters, detractors = int(row["promoters"]), int(row["detractors"])
    return FeedbackKpis(
        answers=int(row["answers"]),
        nps=nps(promoters, int(row["nps_n"]) - promoters - detractors, detractors),
        csat=csat(int(row["satisfied"]), int(row["csat_n"])),
        ces=ces(row["ces_sum"], int(row["ces_n"])),
        sentiment=sentiment(row["sentiment_sum"], int(row["comments"]), int(row["negative"])),
    )


def tickets_of(row: dict[str, Any] | None) -> TicketKpis:
    """The ticket KPIs from one row of the ticket query (None: no tickets)."""
    if row is None:
        return TicketKpis()
    resolved, fcr = int(row["resolved"]), int(row["fcr"])
    due, met = int(row["sla_due"]), int(row["sla_met"])
    return TicketKpis(
        tickets=int(row["tickets"]),
        contacted=int(row["contacted"]),
        response_median_seconds=_float(row["response_median"]),
        response_mean_seconds=_float(row["response_mean"]),
        resolved=resolved,
        first_contact_resolved=fcr,
        first_contact_resolution_rate=share(fcr, resolved),
        sla_due=due,
        sla_met=met,
        sla_attainment=share(met, due),
        escalated=int(row["escalated"]),
        closed=int(row["closed"]),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
