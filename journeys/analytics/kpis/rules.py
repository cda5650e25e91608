"""Validation of KPI queries, each rule with a stable code.

Every rule raises InvalidInput with ``details={"code": …, "field": …}``; ``field`` is the name
the user typed (the CLI option and the API parameter: ``by``, ``grain``, ``from``, ``to``,
``inactive``).
"""

from __future__ import annotations

from datetime import timedelta

from journeys.analytics.common import check_date_order, fail, parse_date, parse_duration
from journeys.analytics.kpis.query import (
    GRAINS,
    GROUPINGS,
    MAX_PERIODS,
    BoardQuery,
    Grain,
    Grouping,
    KpiQuery,
)
from journeys.errors import InvalidInput


def parse_grouping(text: str | None) -> Grouping:
    """One of the groupings (``unknown_grouping``); nothing means overall."""
    wanted = (text or "overall").strip().lower()
    for grouping in GROUPINGS:
        if wanted == grouping:
            return grouping
    fail(
        "unknown_grouping",
        "by",
        f"by {text!r}: write one of {', '.join(GROUPINGS)}",
        text,
    )


def parse_grain(text: str | None) -> Grain | None:
    """``day``, ``week`` or ``month``, or nothing for no trend (``unknown_grain``)."""
    if text is None or not text.strip():
        return None
    wanted = text.strip().lower()
    for grain in GRAINS:
        if wanted == grain:
            return grain
    fail("unknown_grain", "grain", f"grain {text!r}: write day, week or month", text)


def check_period_count(count: int, grain: Grain) -> None:
    """At most MAX_PERIODS points in a trend (``too_many_periods``)."""
    if count > MAX_PERIODS:
        fail(
            "too_many_periods",
            "grain",
            f"the trend spans {count} {grain}s; at most {MAX_PERIODS}: narrow from … to or use "
            "a longer grain",
            count,
        )


def parse_inactive(text: str) -> timedelta:
    """The retention window of the board, e.g. ``30d`` (``invalid_duration``)."""
    try:
        return parse_duration(text, what="inactive")
    except InvalidInput as exc:
        fail("invalid_duration", "inactive", exc.message, text)


def check_kpis(query: KpiQuery) -> KpiQuery:
    """Every rule a KPI query built in Python must pass too."""
    check_date_order(query.date_from, query.date_to)
    return query


def check_board(query: BoardQuery) -> BoardQuery:
    """Every rule a board query built in Python must pass too."""
    check_date_order(query.date_from, query.date_to)
    if query.inactive <= timedelta(0):
        fail("invalid_duration", "inactive", f"inactive must be positive, not {query.inactive}")
    return query


def kpi_query(
    by: str | None = None,
    grain: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    segment: str | None = None,
    journey: str | None = None,
) -> KpiQuery:
    """A KPI query from its text form (the CLI's options, the API's and the page's parameters)."""
    query = KpiQuery(
        by=parse_grouping(by),
        grain=parse_grain(grain),
        date_from=parse_date(date_from, "from"),
        date_to=parse_date(date_to, "to"),
        segment=segment or None,
        journey=journey or None,
    )
    return check_kpis(query)


def board_query(
    date_from: str | None = None,
    date_to: str | None = None,
    segment: str | None = None,
    journey: str | None = None,
    inactive: str = "30d",
) -> BoardQuery:
    """A board query from its text form."""
    query = BoardQuery(
        date_from=parse_date(date_from, "from"),
        date_to=parse_date(date_to, "to"),
        segment=segment or None,
        journey=journey or None,
        inactive=parse_inactive(inactive),
    )
    return check_board(query)
