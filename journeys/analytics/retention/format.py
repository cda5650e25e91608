"""Pure shaping of retention and churn results: table rows for the CLI and the web page,
the ECharts heat-map data, and short texts. No I/O, no queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from journeys.analytics.retention.query import (
    ChurnResult,
    Cohort,
    CohortPeriod,
    RetentionQuery,
    RetentionResult,
)

AVERAGE_LABEL = "all cohorts"


def percent(share: float | None) -> str:
    """``45.4%``, or ``—`` when there is no share."""
    return "—" if share is None else f"{share * 100:.1f}%"


def period_names(query: RetentionQuery) -> list[str]:
    """``week 0``, ``week 1``, … one per column."""
    return [f"{query.period} {k}" for k in range(query.periods + 1)]


def describe(query: RetentionQuery) -> str:
    """One line: who is in the cohorts and what counts as returning."""
    back = f"“{query.returning.text()}”" if query.returning else "anything"
    mode = "in that very" if query.mode == "on" else "in that or any later"
    return (
        f"Cohorts by {query.period} of the first “{query.start.text()}”; retained in "
        f"{query.period} k: did {back} {mode} {query.period}."
    )


def cell_text(cell: CohortPeriod) -> str:
    """A table cell: ``16 (38.1%)``; empty when the log does not reach the period yet."""
    if cell.retained is None:
        return ""
    return f"{cell.retained:,} ({percent(cell.share)})"


def retention_rows(result: RetentionResult) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the cohort table, the weighted average last."""
    headers = ["cohort", "customers", *period_names(result.query)]
    rows = [[c.label, f"{c.size:,}", *(cell_text(p) for p in c.periods)] for c in result.cohorts]
    average = [percent(a.share) for a in result.average]
    rows.append([AVERAGE_LABEL, f"{result.customers:,}", *average])
    return headers, rows


def heatmap(result: RetentionResult) -> dict[str, Any]:
    """Data for the ECharts heat-map: x = period, y = cohort (average last), value = % retained.

    A point is ``[x, y, percent, retained, size]``; cells the log does not reach are left out,
    so they stay blank instead of looking like 0 %.
    """
    points: list[list[Any]] = []
    for y, cohort in enumerate(result.cohorts):
        points += [_point(k, y, p.share, p.retained, cohort.size) for k, p in _shown(cohort)]
    y_avg = len(result.cohorts)
    points += [
        _point(a.period, y_avg, a.share, a.retained, a.customers)
        for a in result.average
        if a.share is not None
    ]
    return {
        "periods": period_names(result.query),
        "cohorts": [f"{c.label} ({c.size:,})" for c in result.cohorts]
        + [f"{AVERAGE_LABEL} ({result.customers:,})"],
        "points": points,
    }


def _shown(cohort: Cohort) -> list[tuple[int, CohortPeriod]]:
    return [(k, p) for k, p in enumerate(cohort.periods) if p.share is not None]


def _point(x: int, y: int, share: float | None, retained: int | None, size: int) -> list[Any]:
    return [x, y, round((share or 0.0) * 100, 1), retained, size]


def duration_text(duration: timedelta) -> str:
    """``30 days``, ``36 hours``, ``90 minutes``: the largest unit that divides it."""
    seconds = int(duration.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}{'s' if seconds != size else ''}"
    return f"{seconds} seconds"


def churn_summary(result: ChurnResult) -> str:
    """One sentence: the churn rate and what it is the share of."""
    if result.as_of is None or result.cutoff is None or result.window_start is None:
        return "No activity in the log yet, so nobody has churned."
    silent = duration_text(result.query.inactive)
    rate = percent(result.churn_rate)
    return (
        f"As of {result.as_of:%Y-%m-%d %H:%M}, {result.churned:,} of {result.customers:,} "
        f"customers have been silent for {silent} or more. Of the {result.active_before:,} "
        f"active between {result.window_start:%Y-%m-%d %H:%M} and {result.cutoff:%Y-%m-%d %H:%M}, "
        f"{result.churned_from_active:,} have not been seen since: churn rate {rate}."
    )


def churn_rows(result: ChurnResult) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the page of churned customers."""
    headers = ["customer", "known", "last seen", "days inactive", "events", "first seen"]
    rows = [
        [
            c.customer_id,
            "yes" if c.known else "no",
            f"{c.last_seen:%Y-%m-%d %H:%M}",
            str(c.days_inactive),
            f"{c.events:,}",
            f"{c.first_seen:%Y-%m-%d %H:%M}",
        ]
        for c in result.churned_customers
    ]
    return headers, rows
