"""Validation rules for retention and churn queries, each with a stable code.

Every rule raises InvalidInput with ``details={"code": …, "field": …}``; ``field`` is the name
the user typed (the CLI option and the API parameter: ``start``, ``return``, ``period``,
``periods``, ``from``, ``to``, ``mode``, ``inactive``, ``as_of``, ``limit``, ``offset``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from journeys.analytics.common import Step, check_date_order, fail, parse_date, parse_duration
from journeys.analytics.retention.periods import PERIODS, Period
from journeys.analytics.retention.query import (
    MAX_COHORTS,
    MAX_OFFSET,
    MAX_PAGE,
    MAX_PERIODS,
    MODES,
    ChurnQuery,
    Mode,
    RetentionQuery,
)
from journeys.errors import InvalidInput
from journeys.maps.model import Journey


def parse_step(text: str, field: str) -> Step:
    """A step in its text form (``invalid_step``)."""
    try:
        return Step.parse(text)
    except InvalidInput as exc:
        fail("invalid_step", field, f"{field}: {exc.message}", text)


def step_condition(step: Step, journeys: dict[str, Journey], field: str) -> str:
    """The step's SQL condition; its touchpoint must exist and have a matcher (``invalid_step``)."""
    try:
        return step.sql(journeys, "e")
    except InvalidInput as exc:
        fail("invalid_step", field, f"{field}: {exc.message}", step.text())


def parse_period(text: str) -> Period:
    """``day``, ``week`` or ``month`` (``unknown_period``)."""
    for period in PERIODS:
        if text.strip().lower() == period:
            return period
    fail("unknown_period", "period", f"period {text!r}: write day, week or month", text)


def check_periods(periods: int) -> int:
    """Between 1 and MAX_PERIODS periods after the cohort's own (``periods_out_of_range``)."""
    if not 1 <= periods <= MAX_PERIODS:
        fail(
            "periods_out_of_range",
            "periods",
            f"periods must be between 1 and {MAX_PERIODS}, not {periods}",
            periods,
        )
    return periods


def parse_mode(text: str) -> Mode:
    """``on`` or ``on_or_after`` (also written ``on-or-after``) (``unknown_mode``)."""
    wanted = text.strip().lower().replace("-", "_")
    for mode in MODES:
        if wanted == mode:
            return mode
    fail("unknown_mode", "mode", f"mode {text!r}: write on or on_or_after", text)


def check_cohort_count(count: int) -> None:
    """At most MAX_COHORTS cohorts in one table (``too_many_cohorts``)."""
    if count > MAX_COHORTS:
        fail(
            "too_many_cohorts",
            "from",
            f"from … to spans {count} cohorts; at most {MAX_COHORTS}: shorten it or use a "
            "longer period",
            count,
        )


def parse_inactive(text: str) -> timedelta:
    """How long a silence makes a customer churned, e.g. ``30d`` (``invalid_duration``)."""
    try:
        return parse_duration(text, what="inactive")
    except InvalidInput as exc:
        fail("invalid_duration", "inactive", exc.message, text)


def check_inactive(inactive: timedelta) -> timedelta:
    """A positive duration (``invalid_duration``)."""
    if inactive <= timedelta(0):
        fail("invalid_duration", "inactive", f"inactive must be positive, not {inactive}")
    return inactive


def parse_as_of(text: str | None) -> datetime | None:
    """A day (meaning the end of it) or an ISO instant, as naive UTC (``invalid_as_of``)."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), datetime.min.time()) + timedelta(1)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        fail(
            "invalid_as_of",
            "as_of",
            f"as_of: cannot read {text!r}: write a day (YYYY-MM-DD) or an ISO date and time",
            text,
        )
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def check_page(limit: int, offset: int) -> None:
    """1 ≤ limit ≤ MAX_PAGE and 0 ≤ offset ≤ MAX_OFFSET (``limit_out_of_range``,
    ``offset_out_of_range``)."""
    if not 1 <= limit <= MAX_PAGE:
        fail("limit_out_of_range", "limit", f"limit must be between 1 and {MAX_PAGE}", limit)
    if not 0 <= offset <= MAX_OFFSET:
        message = f"offset must be between 0 and {MAX_OFFSET:,}, not {offset}"
        fail("offset_out_of_range", "offset", message, offset)


def check_retention(query: RetentionQuery) -> RetentionQuery:
    """Every rule a retention query built in Python must pass too."""
    check_periods(query.periods)
    check_date_order(query.date_from, query.date_to)
    return query


def check_churn(query: ChurnQuery) -> ChurnQuery:
    """Every rule a churn query built in Python must pass too."""
    check_inactive(query.inactive)
    check_page(query.limit, query.offset)
    return query


def retention_query(
    start: str,
    returning: str | None = None,
    period: str = "week",
    periods: int = 8,
    date_from: str | None = None,
    date_to: str | None = None,
    mode: str = "on",
) -> RetentionQuery:
    """A retention query from its text form (the CLI's options, the API's parameters)."""
    query = RetentionQuery(
        start=parse_step(start, "start"),
        returning=parse_step(returning, "return") if returning and returning.strip() else None,
        period=parse_period(period),
        periods=check_periods(periods),
        date_from=parse_date(date_from, "from"),
        date_to=parse_date(date_to, "to"),
        mode=parse_mode(mode),
    )
    return check_retention(query)


def churn_query(
    inactive: str = "30d", as_of: str | None = None, limit: int = 50, offset: int = 0
) -> ChurnQuery:
    """A churn query from its text form (the CLI's options, the API's parameters)."""
    check_page(limit, offset)
    return ChurnQuery(
        inactive=parse_inactive(inactive), as_of=parse_as_of(as_of), limit=limit, offset=offset
    )
