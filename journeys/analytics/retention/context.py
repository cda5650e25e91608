"""Fill a query's defaults from the log: which cohorts to show, and the churn reference time.

Defaults come from the latest activity in the log rather than the clock, so the same log
always gives the same answer (a demo built last month still shows its recent weeks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from journeys.analytics.retention import periods as cal
from journeys.analytics.retention.query import ChurnQuery, RetentionQuery
from journeys.analytics.retention.rules import check_cohort_count


@dataclass(frozen=True)
class RetentionContext:
    """A retention query with its cohorts decided."""

    query: RetentionQuery
    data_end: datetime | None  # the latest activity in the log
    cohorts: tuple[datetime, ...]  # the start of every cohort period, oldest first

    @property
    def cohorts_start(self) -> datetime:
        """Where the first cohort begins."""
        return self.cohorts[0]

    @property
    def cohorts_end(self) -> datetime:
        """Where the last cohort ends (exclusive)."""
        return cal.shift(self.cohorts[-1], self.query.period, 1)

    @property
    def returns_end(self) -> datetime | None:
        """Returns after this can count for no cell (None: in on_or_after mode, any can)."""
        if self.query.mode == "on_or_after":
            return None
        return cal.shift(self.cohorts[-1], self.query.period, self.query.periods + 1)


def retention_context(query: RetentionQuery, data_end: datetime | None) -> RetentionContext:
    """The cohorts: whole periods from ``date_from`` to ``date_to``.

    Without ``date_to``: the period of the latest activity. Without ``date_from``: ``periods``
    periods before ``date_to``'s, so the table is a full triangle of ``periods + 1`` cohorts.
    """
    period = query.period
    last_day = query.date_to or (data_end.date() if data_end else query.date_from)
    if last_day is None:
        return RetentionContext(query, data_end, ())
    last = cal.start_of(last_day, period)
    if query.date_from is None:
        first = cal.shift(last, period, -query.periods)
    else:
        first = cal.start_of(query.date_from, period)
    last = max(first, last)
    count = cal.between(first, last, period) + 1
    check_cohort_count(count)
    cohorts = tuple(cal.shift(first, period, i) for i in range(count))
    return RetentionContext(query, data_end, cohorts)


@dataclass(frozen=True)
class ChurnContext:
    """A churn query with its reference time decided."""

    query: ChurnQuery
    as_of: datetime | None  # None: the log holds no activity

    @property
    def cutoff(self) -> datetime | None:
        """Silent since this instant (inclusive) means churned."""
        return self.as_of - self.query.inactive if self.as_of else None

    @property
    def window_start(self) -> datetime | None:
        """The window before starts after this instant: (as_of − 2·inactive, cutoff]."""
        return self.as_of - 2 * self.query.inactive if self.as_of else None


def churn_context(query: ChurnQuery, data_end: datetime | None) -> ChurnContext:
    """``as_of`` as asked, else the latest activity in the log."""
    return ChurnContext(query, query.as_of or data_end)
