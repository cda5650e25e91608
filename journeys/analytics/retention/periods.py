"""Calendar periods in UTC: days from 00:00, ISO weeks from Monday 00:00, calendar months.

The same boundaries as DuckDB's ``date_trunc('day' | 'week' | 'month', …)`` on naive UTC
timestamps, so the cohorts computed in SQL and the labels and spans computed here agree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")


def start_of(moment: datetime | date, period: Period) -> datetime:
    """The start of the period that holds ``moment`` (a naive UTC datetime or a date)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    if period == "week":
        day -= timedelta(days=day.weekday())
    elif period == "month":
        day = day.replace(day=1)
    return datetime(day.year, day.month, day.day)


def shift(start: datetime, period: Period, n: int) -> datetime:
    """The start of the period ``n`` periods after the one starting at ``start``."""
    if period == "day":
        return start + timedelta(days=n)
    if period == "week":
        return start + timedelta(weeks=n)
    months = start.year * 12 + start.month - 1 + n
    return start.replace(year=months // 12, month=months % 12 + 1, day=1)


def between(first: datetime, last: datetime, period: Period) -> int:
    """How many periods the period starting at ``last`` comes after the one at ``first``."""
    if period == "month":
        return (last.year - first.year) * 12 + last.month - first.month
    days = (last - first).days
    return days // 7 if period == "week" else days


def label(start: datetime, period: Period) -> str:
    """How a period is named: ``2026-03-02``, ``2026-W10`` (ISO week) or ``2026-03``."""
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}"


def sql_index(period: Period, cohort: str, other: str) -> str:
    """SQL for ``between`` on two period starts (columns or expressions)."""
    if period == "month":
        return f"date_diff('month', {cohort}, {other})"
    days = f"date_diff('day', {cohort}, {other})"
    return f"({days} // 7)" if period == "week" else days
