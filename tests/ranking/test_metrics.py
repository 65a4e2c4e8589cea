"""Simulation metrics against hand-computed cases and against ../shared/bench/metrics.py."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from screener.ranking.metrics import (
    average_time_to_discovery,
    post_prior_labels,
    recall_at,
    records_to_recall,
    screening_metrics,
    wss,
)

# post-prior order of 10 records, 3 included, found at positions 1, 3 and 6
TINY = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]


def test_tiny_case_by_hand():
    m = screening_metrics(TINY)
    assert m.n_records == 10 and m.n_included == 3
    # ceil(0.95 * 3) = 3 includes -> the third one, at position 6
    assert m.records_to_95 == 6
    assert m.records_to_100 == 6
    assert m.wss95 == pytest.approx((10 - 6) / 10 - 0.05)  # 0.35
    assert m.wss100 == pytest.approx(0.4)
    # floor(0.10 * 10) = 1 position holds 1 of 3 includes; floor(0.25 * 10) = 2 positions, still 1
    assert m.recall_at_10pct == pytest.approx(1 / 3)
    assert m.recall_at_25pct == pytest.approx(1 / 3)
    assert m.atd == pytest.approx((1 + 3 + 6) / 3)


def test_ceil_not_floor_for_95_percent():
    # 20 includes: ceil(0.95 * 20) = 19 exactly (no float drift to 20)
    y = [1] * 19 + [0] * 30 + [1] + [0] * 50
    assert records_to_recall(y, 95) == 19
    assert records_to_recall(y, 100) == 50
    # 21 includes: ceil(19.95) = 20
    y = [1] * 19 + [0, 1] + [0] * 29 + [1] + [0] * 50
    assert records_to_recall(y, 95) == 21


def test_recall_cutoff_is_floor_of_ten_percent():
    # N' = 39: floor(3.9) = 3 positions count, the include at position 4 does not
    y = [0, 0, 0, 1] + [0] * 34 + [1]
    assert recall_at(y, 10) == 0.0
    y = [0, 0, 1, 0] + [0] * 34 + [1]
    assert recall_at(y, 10) == 0.5


def test_perfect_and_worst_orders():
    best = [1] * 5 + [0] * 95
    worst = [0] * 95 + [1] * 5
    assert wss(best, 95) == pytest.approx(0.95 - 0.05)
    assert wss(worst, 100) == pytest.approx(0.0)
    assert average_time_to_discovery(best) == 3.0
    assert recall_at(best, 10) == 1.0


def test_no_includes_gives_none():
    m = screening_metrics([0, 0, 0])
    assert m.wss95 is None and m.atd is None and m.records_to_100 is None and m.recall_at_10pct is None


def test_labels_must_be_binary():
    with pytest.raises(ValueError):
        screening_metrics([0, 2, 1])


def test_priors_are_removed_and_the_rest_evaluated():
    gold = [0, 1, 0, 0, 1, 0, 1, 0]
    # priors: rows 1 (include) and 0 (exclude); then the model's order
    order = [1, 0, 4, 2, 6, 3, 5, 7]
    y = post_prior_labels(order, gold, prior_rows=[1, 0])
    assert y.tolist() == [1, 0, 1, 0, 0, 0]  # N' = 6, n' = 2
    m = screening_metrics(y)
    assert (m.n_records, m.n_included) == (6, 2)
    assert m.records_to_95 == 3  # ceil(1.9) = 2 includes
    assert m.wss95 == pytest.approx((6 - 3) / 6 - 0.05)


def test_priors_anywhere_and_partial_order_padded():
    gold = [0, 1, 0, 0, 1, 0]
    # the order stops after the last include; priors are dropped wherever they stand
    y = post_prior_labels([4, 1, 0], gold, prior_rows=[1, 0])
    assert y.tolist() == [1, 0, 0, 0]
    with pytest.raises(ValueError):
        post_prior_labels([4, 4], gold, prior_rows=[])
    with pytest.raises(ValueError):
        post_prior_labels([9], gold, prior_rows=[])


@pytest.fixture(scope="module")
def bench_metrics(shared_data):
    path = shared_data.parent / "bench" / "metrics.py"
    spec = importlib.util.spec_from_file_location("bench_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_same_numbers_as_the_shared_bench_script(bench_metrics):
    rng = np.random.default_rng(7)
    for n_docs in list(range(2, 60)) + [100, 310, 327, 1993, 2000, 2544, 6189]:
        for _ in range(3):
            n_pos = int(rng.integers(1, max(2, n_docs // 3)))
            y = np.zeros(n_docs, dtype=int)
            y[rng.choice(n_docs, n_pos, replace=False)] = 1
            m = screening_metrics(y)
            assert m.wss95 == pytest.approx(bench_metrics.wss_cohen(y, 0.95), abs=1e-12)
            assert m.wss100 == pytest.approx(bench_metrics.wss_cohen(y, 1.0), abs=1e-12)
            assert m.records_to_95 == bench_metrics.n_screened_for(y, 0.95)
            assert m.records_to_100 == bench_metrics.n_screened_for(y, 1.0)
            assert m.recall_at_10pct == pytest.approx(bench_metrics.recall_at(y, 0.10), abs=1e-12)
            assert m.recall_at_25pct == pytest.approx(bench_metrics.recall_at(y, 0.25), abs=1e-12)
            assert m.atd == pytest.approx(bench_metrics.atd(y), abs=1e-12)


def test_records_to_95_is_exact_ceiling():
    for n_pos in range(1, 300):
        y = np.ones(n_pos, dtype=int)
        assert records_to_recall(y, 95) == math.ceil(round(0.95 * n_pos, 9))
