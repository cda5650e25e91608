"""Funnels: how many customers go from one step to the next within a window, and who drops.

    from journeys.analytics.funnels import FunnelQuery, funnel
    result = funnel(workspace, FunnelQuery(steps=["view", "purchase"], window="7d"))
    result.to_arrow().to_pandas()

The semantics (order modes, exclusions, breakdown, time to convert) are in
docs/analytics/funnels.md.
"""

from journeys.analytics.funnels.query import Exclusion, FunnelQuery
from journeys.analytics.funnels.result import (
    BreakdownResult,
    DroppedCustomer,
    DroppedPage,
    FunnelResult,
    StepResult,
)
from journeys.analytics.funnels.runner import funnel, run

__all__ = [
    "BreakdownResult",
    "DroppedCustomer",
    "DroppedPage",
    "Exclusion",
    "FunnelQuery",
    "FunnelResult",
    "StepResult",
    "funnel",
    "run",
]
