"""Retention cohorts and churn.

Retention: customers fall in the cohort of the calendar period (UTC day, ISO week, calendar
month) of their first ``start`` step; they are retained in period k ≥ 1 when they do the
``returning`` step (default: any activity) in the k-th period after their cohort's. Churn:
customers with no activity for ``inactive`` as of a reference time (default: the latest
activity in the log). See docs/analytics/retention.md.

    from journeys.analytics.retention import RetentionQuery, retention
    from journeys.analytics.common import Step
    result = retention(workspace, RetentionQuery(start=Step.parse("signup"), period="week"))
    result.to_arrow().to_pandas()
"""

from journeys.analytics.retention.query import (
    AveragePeriod,
    ChurnedCustomer,
    ChurnQuery,
    ChurnResult,
    Cohort,
    CohortPeriod,
    RetentionQuery,
    RetentionResult,
)
from journeys.analytics.retention.rules import churn_query, retention_query
from journeys.analytics.retention.runner import churn, retention, run_churn, run_retention

__all__ = [
    "AveragePeriod",
    "ChurnQuery",
    "ChurnResult",
    "ChurnedCustomer",
    "Cohort",
    "CohortPeriod",
    "RetentionQuery",
    "RetentionResult",
    "churn",
    "churn_query",
    "retention",
    "retention_query",
    "run_churn",
    "run_retention",
]
