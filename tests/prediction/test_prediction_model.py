"""On a log with a planted signal the model beats the baselines; its reasons are readable."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from planted_log import TEST_DATE, TRAIN_DATE, churn_spec

from journeys.errors import InvalidInput
from journeys.prediction import service, store
from journeys.prediction.explain import phrase, reasons
from journeys.workspace import Workspace


def test_the_model_finds_the_planted_signal_on_a_later_held_out_date(planted: Workspace) -> None:
    e = service.evaluate(planted, churn_spec())
    assert (e.train_date, e.test_date) == (TRAIN_DATE, TEST_DATE)
    assert 0 < e.test_positive_rate < 1
    assert e.majority.roc_auc == 0.5
    assert e.model.roc_auc is not None and e.model.roc_auc > 0.85
    assert e.model.precision_top_decile is not None and e.majority.precision_top_decile is not None
    assert e.model.precision_top_decile > e.majority.precision_top_decile + 0.2
    assert e.model.brier is not None and e.majority.brier is not None
    assert e.model.brier < e.majority.brier
    assert sum(row.customers for row in e.lift) == e.test_customers
    assert sum(b.customers for b in e.calibration) == e.test_customers
    features = [name for name, _ in e.importance[:3]]
    assert "recency_days" in features


def test_train_saves_the_model_and_score_stores_a_score_per_customer(planted: Workspace) -> None:
    trained = service.train(planted, churn_spec("churn-saved"))
    assert trained.fitted_on == TEST_DATE
    assert (planted.root / "models" / "churn-saved" / "model.joblib").is_file()
    assert [m.spec.name for m in store.trained_models(planted)].count("churn-saved") == 1
    run = service.score(planted, "churn-saved")
    assert run.customers == 240 - _silent_from_the_start(planted)
    top = store.top_scores(planted, "churn-saved", 5)
    assert [s.score for s in top] == sorted((s.score for s in top), reverse=True)
    # The detractors and fading customers who went silent score above the loyal ones.
    scores = {s.customer_id: s.score for s in store.top_scores(planted, "churn-saved", 1000)}
    loyal = np.mean([v for k, v in scores.items() if int(k[1:]) % 3 == 0])
    others = np.mean([v for k, v in scores.items() if int(k[1:]) % 3 != 0])
    assert others > loyal + 0.3
    again = service.score(planted, "churn-saved")
    assert again.customers == run.customers  # replaced, not added
    assert len(store.top_scores(planted, "churn-saved", 1000)) == run.customers


def _silent_from_the_start(ws: Workspace) -> int:
    with ws.events.reader() as con:
        row = con.execute("SELECT count(DISTINCT customer_id) FROM stitched_events").fetchone()
    assert row is not None
    return 240 - int(row[0])


def test_a_silent_customers_reasons_say_so_in_plain_words(planted: Workspace) -> None:
    service.train(planted, churn_spec("churn-explained"))
    found = service.explain(planted, "churn-explained", "c001")  # fading: silent at the end
    assert found.score > 0.5
    raising = [r for r in found.reasons if r.effect > 0]
    assert raising, found.reasons
    assert any(r.text.startswith("no visit in ") for r in raising)
    assert found.explanation.startswith(raising[0].text)


@pytest.mark.parametrize(
    ("feature", "value", "text"),
    [
        ("recency_days", 45.2, "no visit in 45 days"),
        ("recency_days", 0.3, "active today"),
        ("last_nps", 3.0, "last NPS 3"),
        ("last_nps", math.nan, "no NPS answer"),
        ("open_tickets", 1.0, "1 open ticket"),
        ("tickets_breached", 2.0, "2 tickets past its SLA"),
        ("purchases", 0.0, "no purchase yet"),
        ("purchase_recency_days", None, "never purchased"),
        ("trend", -3.0, "activity falling over the last 30 days"),
        ("loyalty_balance", 1250.0, "loyalty balance 1,250 points"),
    ],
)
def test_features_are_phrased_as_people_say_them(
    feature: str, value: float | None, text: str
) -> None:
    assert phrase(feature, value) == text


def test_reasons_put_what_raises_the_score_first_and_drop_what_barely_counts() -> None:
    found = reasons(
        ["recency_days", "last_nps", "events", "channels"],
        np.array([45.0, 3.0, 10.0, 2.0]),
        np.array([-0.2, 0.1, 0.001, 0.15]),
        top=4,
    )
    assert [r.text for r in found] == ["uses 2 channels", "last NPS 3", "no visit in 45 days"]
    assert [r.effect for r in found] == [0.15, 0.1, -0.2]


def test_the_stage_feature_names_the_stage() -> None:
    assert phrase("furthest_stage", 1.0, ["Discover", "Buy"]) == "reached Buy"
    assert phrase("furthest_stage", None) == "no journey stage reached"


def test_training_without_both_outcomes_is_refused(planted: Workspace) -> None:
    # Nobody is active before the year 2000, so there is nothing to learn from.
    early = churn_spec("hopeless").model_copy(update={"train_date": TRAIN_DATE.replace(year=2000)})
    with pytest.raises(InvalidInput) as refused:
        service.evaluate(planted, early)
    assert refused.value.details["code"] == "labels_single_class"


def test_scores_are_summed_up_per_furthest_stage_in_journey_order() -> None:
    stages = pd.Series([0.0, 1.0, 1.0, np.nan])
    scores = np.array([0.2, 0.9, 0.5, 0.8])
    found = service.by_stage(stages, scores, ["Discover", "Buy", "Use"])
    assert [(s.stage, s.customers, s.high) for s in found] == [
        ("Discover", 1, 0),
        ("Buy", 2, 1),
        ("no stage reached", 1, 1),
    ]
    assert found[1].mean_score == pytest.approx(0.7)
    assert service.by_stage(stages, scores, []) == []
