"""Uplift metrics (lib.uplift.metrics) against a hand-worked Qini curve, scikit-uplift 0.5.1
(the test-only reference in requirements-reference.txt) and recomputations from the rows."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lib.uplift import metrics

sklift_metrics = pytest.importorskip("sklift.metrics")


def test_hand_worked_qini_curve():
    """Six customers ranked by score 0.9 … 0.1 (stayed = 1 - churned):

    ====  =====  =======  ======
    rank  score  treated  stayed
    ====  =====  =======  ======
    1     0.9    1        1
    2     0.7    0        0
    3     0.5    1        1
    4     0.3    1        0
    5     0.2    0        1
    6     0.1    0        1
    ====  =====  =======  ======

    Q(k) = S_T - S_C * N_T / N_C (the second term 0 while N_C = 0):
    k=1: 1 - 0 = 1; k=2: 1 - 0*1/1 = 1; k=3: 2 - 0 = 2; k=4: 2 - 0*3/1 = 2;
    k=5: 2 - 1*3/2 = 0.5; k=6: 2 - 2*3/3 = 0.

    Area (trapezoids of width 1): 0.5 + 1 + 1.5 + 2 + 1.25 + 0.25 = 6.5; the line to the end
    point (6, 0) has area 0. The perfect ranking scores treated stayers 1, control stayers -1,
    others 0: groups {1, 3}, {2, 4}, {5, 6} give points (2, 2), (4, 2 - 0*3/1 = 2), (6, 0),
    area 2 + 4 + 2 = 8. Qini coefficient 6.5 / 8 = 0.8125.
    """
    score = [0.9, 0.7, 0.5, 0.3, 0.2, 0.1]
    treated = [1, 0, 1, 1, 0, 0]
    churned = [0, 1, 0, 1, 0, 0]
    x, q = metrics.qini_curve(churned, treated, score)
    assert x.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert q.tolist() == pytest.approx([0, 1, 1, 2, 2, 0.5, 0])
    assert metrics.qini_coefficient(churned, treated, score) == pytest.approx(0.8125)
    # the same customers in another order give the same curve: only the score ranks
    order = [5, 2, 0, 4, 1, 3]
    assert metrics.qini_coefficient([churned[i] for i in order], [treated[i] for i in order],
                                    [score[i] for i in order]) == pytest.approx(0.8125)


def _campaign(n: int, seed: int, ties: bool):
    rng = np.random.default_rng(seed)
    treated = (rng.random(n) < 0.7).astype(int)
    score = rng.normal(0, 1, n)
    # churn less likely for treated customers with a high score: a ranking with some signal
    churned = (rng.random(n) < 0.3 - 0.2 * treated * (score > 0)).astype(int)
    if ties:
        score = np.round(score, 1)
    return churned, treated, score


@pytest.mark.parametrize("seed,ties", [(1, False), (2, True), (3, True)])
def test_curves_and_areas_match_scikit_uplift(seed, ties):
    churned, treated, score = _campaign(3000, seed, ties)
    stayed = 1 - churned  # scikit-uplift counts the positive outcome: staying
    x, q = metrics.qini_curve(churned, treated, score)
    x_ref, q_ref = sklift_metrics.qini_curve(stayed, score, treated)
    np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_allclose(q, q_ref, rtol=1e-12, atol=1e-9)
    x, u = metrics.uplift_curve(churned, treated, score)
    x_ref, u_ref = sklift_metrics.uplift_curve(stayed, score, treated)
    np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_allclose(u, u_ref, rtol=1e-12, atol=1e-9)
    assert metrics.qini_coefficient(churned, treated, score) == pytest.approx(
        sklift_metrics.qini_auc_score(stayed, score, treated), rel=1e-9)
    assert metrics.uplift_auc(churned, treated, score) == pytest.approx(
        sklift_metrics.uplift_auc_score(stayed, score, treated), rel=1e-9)


def test_a_random_ranking_scores_near_zero_and_the_true_effect_scores_higher():
    churned, treated, score = _campaign(20000, 4, False)
    shuffled = np.random.default_rng(5).permutation(score)
    # Qini coefficients are small (the perfect ranking puts every treated stayer first);
    # the ranking by the true effect scores several times a shuffled one
    signal = metrics.qini_coefficient(churned, treated, score)
    assert signal > 0.03 and signal > 5 * abs(metrics.qini_coefficient(churned, treated, shuffled))


def test_deciles_recomputed_from_the_rows():
    churned, treated, score = _campaign(1000, 6, False)
    table = metrics.uplift_deciles(churned, treated, score)
    frame = pd.DataFrame({"y": churned, "t": treated, "s": score}).sort_values("s", ascending=False)
    top = frame.iloc[:100]                                   # 1000 customers: decile 10 = top 100
    c, t = top[top.t == 0], top[top.t == 1]
    p_c, p_t = c.y.mean(), t.y.mean()
    se = math.sqrt(p_c * (1 - p_c) / len(c) + p_t * (1 - p_t) / len(t))
    row = table.row(0, named=True)
    assert row["decile"] == 10 and row["customers"] == 100 and row["control"] == len(c)
    assert row["uplift"] == pytest.approx(p_c - p_t)
    assert row["uplift_low"] == pytest.approx(p_c - p_t - 1.959964 * se, rel=1e-6)
    assert row["uplift_high"] == pytest.approx(p_c - p_t + 1.959964 * se, rel=1e-6)
    assert table["customers"].to_list() == [100] * 10 and table["decile"].to_list() == list(range(10, 0, -1))


def test_sleeping_dogs_and_their_significance():
    """40 predicted sleeping dogs (uplift < 0): 20 control with 2 churners (0.1), 20 treated with
    12 churners (0.6): observed uplift 0.1 - 0.6 = -0.5, standard error
    sqrt(0.1*0.9/20 + 0.6*0.4/20) = sqrt(0.0165) = 0.12845, interval -0.5 ± 0.2518: significant.
    The other 60 customers have predicted uplift > 0 and do not count."""
    predicted = np.r_[np.full(40, -0.1), np.full(60, 0.2)]
    treated = np.r_[np.zeros(20), np.ones(20), np.tile([0, 1], 30)].astype(int)
    churned = np.r_[np.r_[np.ones(2), np.zeros(18)], np.r_[np.ones(12), np.zeros(8)], np.zeros(60)].astype(int)
    dogs = metrics.sleeping_dogs(churned, treated, predicted)
    assert dogs.share == pytest.approx(0.4) and dogs.customers == 40
    assert dogs.observed == pytest.approx(-0.5)
    assert dogs.high == pytest.approx(-0.5 + 1.959964 * math.sqrt(0.0165), rel=1e-6)
    assert dogs.significant
    # the same counts halved to 10 + 10 customers: 1/10 vs 6/10, se sqrt(0.033) = 0.1817,
    # interval -0.5 ± 0.356, still below 0; with 2 + 2 customers it is not
    small = metrics.sleeping_dogs([1, 0, 1, 0], [0, 0, 1, 1], [-1, -1, -1, -1])
    assert small.observed == pytest.approx(0.0) and not small.significant


def test_permutation_p_value_separates_signal_from_noise():
    churned, treated, score = _campaign(4000, 7, False)
    assert metrics.permutation_p_value(churned, treated, score, 99, 0) == pytest.approx(0.01)
    noise = np.random.default_rng(8).random(4000)
    assert metrics.permutation_p_value(churned, treated, noise, 99, 0) > 0.05
