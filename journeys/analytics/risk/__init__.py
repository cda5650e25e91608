"""Churn risk by journey stage: scored customers per stage (or touchpoint), in risk bands.

from journeys.analytics.risk import RiskQuery, risk_by_stage
risk_by_stage(ws, RiskQuery(model="churn", journey="fashion")).rows  # low, medium, high
"""

from __future__ import annotations

from journeys.analytics.risk.query import RiskByStage, RiskQuery, RiskRow
from journeys.analytics.risk.runner import default_query, models_with_scores, risk_by_stage

__all__ = [
    "RiskByStage",
    "RiskQuery",
    "RiskRow",
    "default_query",
    "models_with_scores",
    "risk_by_stage",
]
