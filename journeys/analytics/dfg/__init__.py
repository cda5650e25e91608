"""Process discovery: the directly-follows graph of events or of a journey's touchpoints.

from journeys.analytics.dfg import DfgQuery, dfg

result = dfg(workspace, DfgQuery(journey="fashion", min_count=5))
result.to_arrow().to_pandas()
"""

from journeys.analytics.dfg.query import DfgQuery
from journeys.analytics.dfg.result import DfgEdge, DfgNode, DfgResult
from journeys.analytics.dfg.runner import dfg, run_dfg

__all__ = ["DfgEdge", "DfgNode", "DfgQuery", "DfgResult", "dfg", "run_dfg"]
