"""The validation figures on tiny examples checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from journeys.prediction import metrics

# Ten customers, best-scored first; positives at ranks 1, 2, 4 and 7.
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
LABELS = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0], dtype=bool)


def test_auc_counts_the_pairs_ranked_right() -> None:
    # 4 positives × 6 negatives = 24 pairs; wrongly ordered: the positive at rank 4 is below
    # one negative (rank 3), the one at rank 7 below three (3, 5, 6): 24 − 4 = 20.
    assert metrics.roc_auc(SCORES, LABELS) == pytest.approx(20 / 24)


def test_auc_counts_ties_as_half_and_needs_both_classes() -> None:
    assert metrics.roc_auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5
    assert metrics.roc_auc(np.array([0.1, 0.2]), np.array([True, True])) is None


def test_top_decile_precision_recall_lift_and_brier() -> None:
    m = metrics.rank_metrics("model", SCORES, LABELS)
    # The top tenth of ten is one customer, a positive.
    assert m.precision_top_decile == 1.0
    assert m.recall_top_decile == pytest.approx(1 / 4)
    assert m.lift_top_decile == pytest.approx(1 / 0.4)
    brier = np.mean((SCORES - LABELS) ** 2)
    assert m.brier == pytest.approx(brier)


def test_a_constant_score_gets_the_base_rate_in_its_top_decile() -> None:
    # Everyone tied: the top decile is drawn at random, so it expects the base rate.
    m = metrics.rank_metrics("majority", np.full(10, 0.4), LABELS)
    assert m.roc_auc == 0.5
    assert m.precision_top_decile == pytest.approx(0.4)
    assert m.lift_top_decile == pytest.approx(1.0)


def test_ties_straddling_the_cut_count_their_expected_share() -> None:
    scores = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    labels = np.array([False, True, True, False, False])
    # Top 2: the 0.9 (negative) and one of three tied, two of which are positive.
    assert metrics.positives_in_top(scores, labels, 2) == pytest.approx(2 / 3)


def test_the_lift_table_splits_customers_in_tenths() -> None:
    table = metrics.lift_table(SCORES, LABELS, recency=-np.arange(10.0))
    assert [row.customers for row in table] == [1] * 10
    assert [row.positives for row in table] == [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]
    assert table[0].lift == pytest.approx(2.5) and table[2].lift == 0.0
    # The same order (the recency scores fall with the rank), so the same lift.
    assert [row.recency_lift for row in table] == [row.lift for row in table]
    assert sum(row.positives for row in table) == LABELS.sum()


def test_calibration_bins_compare_predicted_and_observed() -> None:
    bins = metrics.calibration(SCORES, LABELS, bins=2)
    low, high = bins
    assert (low.customers, high.customers) == (5, 5)
    assert low.mean_predicted == pytest.approx(np.mean([0.4, 0.3, 0.2, 0.1, 0.05]))
    assert low.observed_rate == pytest.approx(1 / 5)
    assert high.observed_rate == pytest.approx(3 / 5)
