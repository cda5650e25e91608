"""Features are point-in-time correct and mean what they say; labels look only ahead."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeys.clock import FixedClock
from journeys.errors import InvalidInput
from journeys.loyalty import award_points
from journeys.prediction import rules
from journeys.prediction.query import FeatureSpec
from journeys.prediction.runner import feature_frame, label_vector
from journeys.workspace import Workspace

from scenarios import T0, D, H, journeys_for

AS_OF = T0 + 100 * D

SHOP = {
    "alice": [
        ("home", T0 + 10 * D, {}, "web"),
        ("purchase", T0 + 40 * D, {"revenue": 30.5}, "web"),
        ("purchase", T0 + 80 * D, {"price": 20}, "app"),
        ("home", T0 + 95 * D, {}, "app"),
        ("home", T0 + 99 * D, {}, "app"),
        ("survey_answered", T0 + 90 * D, {"survey_kind": "nps", "score": 3, "sentiment": -0.4}),
        ("survey_answered", T0 + 50 * D, {"survey_kind": "nps", "score": 9}),
        ("survey_answered", T0 + 60 * D, {"survey_kind": "csat", "score": 5}),
        ("ticket_opened", T0 + 91 * D, {"ticket_id": "t1"}),
        ("ticket_escalated", T0 + 92 * D, {"ticket_id": "t1"}),
        ("ticket_opened", T0 + 60 * D, {"ticket_id": "t0"}),
        ("ticket_resolved", T0 + 61 * D, {"ticket_id": "t0"}),
    ],
    "bob": [("home", T0 + 30 * D), ("home", T0 + 31 * D)],
    "carol": [("home", T0 + 120 * D)],  # only after the date
}


def frame_of(ws: Workspace, spec: FeatureSpec | None = None) -> pd.DataFrame:
    with closing(ws.events.fresh_reader()) as con:
        return feature_frame(con, spec or FeatureSpec(), None, AS_OF, ws.operational.engine)


def test_features_count_recency_frequency_money_feedback_and_tickets(ws: Workspace) -> None:
    frame = frame_of(journeys_for(ws, SHOP))
    assert list(frame.index) == ["alice", "bob"]  # carol is not active before the date
    alice = frame.loc["alice"]
    assert alice["recency_days"] == pytest.approx(1.0)  # last activity day 99, at 09:00
    assert alice["tenure_days"] == pytest.approx(90.0)
    assert alice["events"] == 8  # 3 homes, 2 purchases, 3 answers; the tickets are not hers
    assert alice["purchases"] == 2
    assert alice["monetary"] == pytest.approx(50.5)  # revenue of one, price of the other
    assert alice["purchase_recency_days"] == pytest.approx(20.0)
    assert alice["channels"] == 2
    assert alice["events_30d"] == 4  # days 80, 90 (the NPS), 95 and 99
    assert alice["trend"] == pytest.approx(4 - 4 / 2)  # 4 in the 60 days before: 10 … 60
    assert alice["last_nps"] == 3  # the latest NPS, not the highest
    assert alice["surveys"] == 3
    assert alice["satisfaction"] == pytest.approx((0.3 + 0.9 + 1.0) / 3)
    assert alice["tickets"] == 2
    assert alice["open_tickets"] == 1
    assert alice["tickets_breached"] == 1
    bob = frame.loc["bob"]
    assert bob["recency_days"] == pytest.approx(69.0)
    assert bob["purchases"] == 0 and np.isnan(bob["purchase_recency_days"])
    assert np.isnan(bob["last_nps"]) and np.isnan(bob["loyalty_balance"])


def test_an_event_after_the_prediction_date_changes_no_feature(ws: Workspace) -> None:
    journeys_for(ws, SHOP)
    before = frame_of(ws)
    journeys_for(
        ws,
        {
            "alice": [
                ("purchase", AS_OF, {"revenue": 1000}),  # at the date itself: after it
                ("survey_answered", AS_OF + H, {"survey_kind": "nps", "score": 0}),
            ],
            "bob": [("home", AS_OF + 5 * D)],
        },
    )
    pd.testing.assert_frame_equal(frame_of(ws), before)


def test_the_revenue_property_and_purchase_events_are_configurable(ws: Workspace) -> None:
    journeys_for(ws, {"dan": [("order_paid", T0 + 1 * D, {"total": 12, "revenue": 99})]})
    spec = FeatureSpec(purchase_events=("order_paid",), revenue_properties=("total",))
    dan = frame_of(ws, spec).loc["dan"]
    assert (dan["purchases"], dan["monetary"]) == (1, 12)


def test_labels_look_only_at_the_horizon_after_the_date(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "stays": [("home", AS_OF - 1 * D), ("home", AS_OF + 3 * D)],
            "leaves": [("home", AS_OF - 1 * D), ("home", AS_OF + 40 * D)],  # past the horizon
            "buys": [("home", AS_OF - 1 * D), ("purchase", AS_OF + 29 * D)],
            "bought_before": [("purchase", AS_OF - 1 * D)],
        },
    )
    customers = pd.Index(["stays", "leaves", "buys", "bought_before"])
    with closing(ws.events.fresh_reader()) as con:
        churn = label_vector(con, rules.target("churn", 30, None), {}, customers, AS_OF)
        buy = label_vector(con, rules.target("propensity", 30, "purchase"), {}, customers, AS_OF)
    assert churn.tolist() == [False, True, False, True]
    assert buy.tolist() == [False, False, True, False]


def test_a_stage_target_means_any_touchpoint_of_that_stage(ws: Workspace) -> None:
    journeys = {j.id: j for j in ws.journeys()}
    fashion = journeys["fashion"]
    stage = fashion.stages[-1]
    condition = rules.target_condition(
        rules.target("propensity", 7, f"stage fashion/{stage.id}"), journeys
    )
    assert all(tp.match.event in condition for tp in stage.touchpoints if tp.match)
    with pytest.raises(InvalidInput) as refused:
        rules.target_condition(rules.target("propensity", 7, "stage fashion/nowhere"), journeys)
    assert refused.value.details["code"] == "stage_unknown"


@pytest.mark.parametrize(
    ("kind", "horizon", "step", "code"),
    [
        ("upsell", 30, None, "target_kind_invalid"),
        ("churn", 0, None, "horizon_invalid"),
        ("propensity", 30, "  ", "target_step_missing"),
    ],
)
def test_targets_are_refused_by_named_rules(
    kind: str, horizon: int, step: str | None, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.target(kind, horizon, step)
    assert refused.value.details["code"] == code


def test_the_split_refuses_overlapping_or_incomplete_labels() -> None:
    spec = rules.model_spec(
        "m", rules.target("churn", 30, None), FeatureSpec(), train_date=T0, test_date=T0 + 20 * D
    )
    with pytest.raises(InvalidInput) as overlap:
        rules.split_dates(spec, T0 + 365 * D)
    assert overlap.value.details["code"] == "split_overlap"
    late = spec.model_copy(update={"test_date": T0 + 300 * D})
    with pytest.raises(InvalidInput) as beyond:
        rules.split_dates(late, T0 + 310 * D)
    assert beyond.value.details["code"] == "split_beyond_data"
    assert rules.split_dates(late, T0 + 400 * D) == (T0, T0 + 300 * D)


def test_the_loyalty_balance_counts_only_ledger_entries_before_the_date(tmp_path: Path) -> None:
    clock = FixedClock(AS_OF - 10 * D)
    with Workspace.init(tmp_path / "ws", clock=clock) as ws:
        journeys_for(ws, {"erin": [("home", AS_OF - 20 * D)]})
        award_points(ws, "erin", 120, "welcome", "erin-1")
        clock.advance(20 * D)  # now after the date
        award_points(ws, "erin", 500, "later", "erin-2")
        assert frame_of(ws).loc["erin", "loyalty_balance"] == 120
