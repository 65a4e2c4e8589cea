"""The stopping rule's arithmetic against hand-computed hypergeometric examples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom

from screener.ranking.stopping import (
    heuristic_stop,
    hypergeom_cdf,
    missed_for_target,
    stopping_test,
    window_p_values,
)


def test_missed_includes_that_break_the_target():
    # recall r/(r+m) < 0.95: with 19 found, m = 1 gives exactly 0.95 (not below), m = 2 does
    assert missed_for_target(19, 0.95) == 2
    assert missed_for_target(20, 0.95) == 2  # 20/21 = 0.952 >= 0.95, 20/22 < 0.95
    assert missed_for_target(1, 0.95) == 1
    assert missed_for_target(100, 0.9) == 12  # 100/111 = 0.9009, 100/112 = 0.893
    with pytest.raises(ValueError):
        missed_for_target(3, 0.0)


def test_random_sample_window_by_hand():
    # 100 records; 60 screened, 19 includes among the first 40, the last 20 a random sample
    # of the 60 then left, all excluded. H0 "recall < 95%" means >= 2 includes left, so the
    # urn of 60 held >= 2 includes; P(0 of them in 20 draws) = C(58,20)/C(60,20) = 40*39/(60*59).
    labels = [1] * 19 + [0] * 41
    est = stopping_test(labels, 100, recall_target=0.95, confidence=0.95, sample_size=20)
    assert est.p_value == pytest.approx(40 * 39 / (60 * 59), rel=1e-9)
    assert not est.safe_to_stop
    assert est.n_included == 19 and est.n_screened == 60 and est.consecutive_excluded == 41


def test_ranked_order_takes_the_best_window_by_hand():
    # 1000 records, 950 screened: 19 includes, then 931 excluded, 50 left. The longest
    # all-excluded window (931 draws from an urn of 981 holding 2 includes) gives the smallest
    # p: P(X = 0) = C(979, 931)/C(981, 931) = 50*49/(981*980) = 0.00255 < 0.05: safe to stop.
    labels = [1] * 19 + [0] * 931
    est = stopping_test(labels, 1000)
    assert est.p_value == pytest.approx(50 * 49 / (981 * 980), rel=1e-9)
    assert est.safe_to_stop
    # one missed include: P = 50/981 = 0.051 is not rejected at 95 %, two are -> recall >= 19/20
    assert est.recall_lower_bound == pytest.approx(19 / 20)
    # at 50 % even one missed include is rejected
    assert est.estimated_recall == 1.0
    full = window_p_values(labels, 1000, 2)
    assert full.min() == pytest.approx(est.p_value, rel=1e-9)
    assert int(full.argmin()) == 930


def test_not_safe_early_and_safe_when_everything_is_screened():
    assert not stopping_test([1, 0, 0], 1000).safe_to_stop
    nothing = stopping_test([0, 0, 0], 1000)
    assert nothing.p_value == 1.0 and not nothing.safe_to_stop
    done = stopping_test([1, 0, 1, 0], 4)
    assert done.safe_to_stop and done.recall_lower_bound == 1.0


def test_more_evidence_lowers_the_p_value():
    base = [1] * 10 + [0] * 100
    ps = [stopping_test(base + [0] * extra, 2000).p_value for extra in (0, 200, 800)]
    assert ps[0] > ps[1] > ps[2]


def test_hypergeom_cdf_matches_scipy():
    rng = np.random.default_rng(3)
    total = rng.integers(1, 5000, 3000)
    good = (rng.random(3000) * (total + 1)).astype(int)
    draws = (rng.random(3000) * (total + 1)).astype(int)
    k = (rng.random(3000) * (np.minimum(good, draws) + 2)).astype(int) - 1
    np.testing.assert_allclose(hypergeom_cdf(k, total, good, draws), hypergeom.cdf(k, total, good, draws), atol=1e-9)


def test_heuristic():
    assert heuristic_stop([1, 0, 0, 0], 3)
    assert not heuristic_stop([1, 0, 0, 1, 0], 3)
    with pytest.raises(ValueError):
        heuristic_stop([0], 0)


def test_arguments_checked():
    with pytest.raises(ValueError):
        stopping_test([1, 0], 1)
    with pytest.raises(ValueError):
        stopping_test([1, 0], 10, confidence=1.0)
    with pytest.raises(ValueError):
        stopping_test([1, 0], 10, sample_size=5)
