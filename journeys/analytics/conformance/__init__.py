"""Discovery and conformance: real stage sequences against a journey's designed stage order.

from journeys.analytics.conformance import ConformanceQuery, conformance

result = conformance(workspace, ConformanceQuery(journey="fashion", top=5))
result.conforming_share, result.to_arrow().to_pandas()
"""

from journeys.analytics.conformance.query import ConformanceQuery
from journeys.analytics.conformance.result import (
    ChannelSwitch,
    ConformanceResult,
    Deviation,
    GroupConformance,
    LoopBack,
    SkippedStage,
    UndesignedEvent,
    Variant,
)
from journeys.analytics.conformance.runner import conformance, run_conformance, stage_sequences
from journeys.analytics.conformance.variants import VariantFacts, classify

__all__ = [
    "ChannelSwitch",
    "ConformanceQuery",
    "ConformanceResult",
    "Deviation",
    "GroupConformance",
    "LoopBack",
    "SkippedStage",
    "UndesignedEvent",
    "Variant",
    "VariantFacts",
    "classify",
    "conformance",
    "run_conformance",
    "stage_sequences",
]
