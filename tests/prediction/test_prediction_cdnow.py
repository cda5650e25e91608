"""On real purchase histories (CDNOW): who buys again in the next six months.

The file is in the shared data folder next to the project (see ../shared/data/README.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from journeys.prediction import rules, service
from journeys.prediction.cdnow import load_cdnow
from journeys.prediction.query import FeatureSpec
from journeys.workspace import Workspace

CDNOW = Path(__file__).resolve().parents[3] / "shared" / "data" / "purchases" / "CDNOW_master.txt"


@pytest.mark.slow
def test_repeat_buyers_of_cdnow_are_found_better_than_by_recency_alone(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "cdnow", examples=False) as ws:
        assert load_cdnow(ws.events, CDNOW) == 69_659
        assert load_cdnow(ws.events, CDNOW) == 0  # the same rows again store nothing
        spec = rules.model_spec(
            "buys-again",
            rules.target("propensity", 181, "purchase"),
            FeatureSpec(),
            train_date=datetime(1997, 7, 1),
            test_date=datetime(1998, 1, 1),
        )
        e = service.evaluate(ws, spec)
    assert e.test_customers == 23_570  # the whole 1997 Q1 cohort
    assert e.test_positive_rate == pytest.approx(0.228, abs=0.001)
    assert e.model.roc_auc is not None and e.recency.roc_auc is not None
    assert e.model.roc_auc > 0.78 and e.model.roc_auc >= e.recency.roc_auc
    assert e.model.precision_top_decile is not None and e.recency.precision_top_decile is not None
    assert e.model.precision_top_decile > e.recency.precision_top_decile
    assert e.model.brier is not None and e.majority.brier is not None
    assert e.model.brier < e.majority.brier
