"""Paths: the most common paths from or to an event or touchpoint.

from journeys.analytics.common import Step
from journeys.analytics.paths import PathsQuery, paths

result = paths(workspace, PathsQuery(start=Step.parse("product_viewed"), length=4))
result.to_arrow().to_pandas()
"""

from journeys.analytics.paths.query import PathsQuery
from journeys.analytics.paths.result import END, NextStep, PathRow, PathsResult
from journeys.analytics.paths.runner import paths, run_paths

__all__ = ["END", "NextStep", "PathRow", "PathsQuery", "PathsResult", "paths", "run_paths"]
