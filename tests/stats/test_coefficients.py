"""Agreement coefficients against published worked examples and reference implementations.

Worked examples:
* Gwet, K.L. (2014) Handbook of Inter-Rater Reliability, 4th ed.: the 4-raters/12-subjects data
  (p. 120), the 5-observers data and the Ben/Gerry data, with missing ratings. Expected values
  (3 decimals) as printed by Gwet's irrCAC package, whose test suite reproduces the book.
* Feinstein & Cicchetti (1990) "high agreement but low kappa" tables and Byrt, Bishop & Carlin
  (1993): both tables have p_o = 0.85, kappa 0.70 and 0.32, PABAK 0.70.
* The worked example of Fleiss' kappa (10 subjects, 14 raters, 5 categories): kappa = 0.210.
"""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from screener.stats import coefficients as co


def counts_from_raw(rows: list[list[object]], categories: list[object]) -> np.ndarray:
    """Items x categories counts from raw ratings (one list per item, None = missing)."""
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(rows), len(categories)))
    for u, row in enumerate(rows):
        for value in row:
            if value is not None:
                table[u, index[value]] += 1
    return table


# Gwet (2014), p. 120: 4 raters, 12 subjects, categories 1..5; columns are raters 1-4.
GWET_4RATERS = [
    [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, None, 3, None],
]
# Gwet (2014): 5 observers, 15 units, scores 0..3.
GWET_5OBSERVERS = [
    [1, 1, 2, None, 2], [1, 1, 0, 1, None], [2, 3, 3, 3, None], [None, 0, 0, None, 0],
    [0, 0, 0, None, 0], [0, 0, 0, None, 0], [1, 0, 2, None, 1], [1, None, 2, 0, None],
    [2, 2, 2, None, 2], [2, 1, 1, 1, None], [None, 1, 0, 0, None], [0, 0, 0, 0, None],
    [1, 2, 2, 2, None], [3, 3, 2, 2, 3], [1, 1, 1, None, 1],
]
# Gwet (2014): raters Ben and Gerry, 12 units, categories a..e (Gerry missed unit 10).
BEN = ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"]
GERRY = ["b", "a", "b", "b", "b", "c", "c", "c", "e", None, "d", "d"]


@pytest.mark.parametrize(
    ("rows", "categories", "pa", "ac1", "fleiss", "alpha"),
    [
        (GWET_4RATERS, [1, 2, 3, 4, 5], 0.818, 0.775, 0.761, 0.743),
        (GWET_5OBSERVERS, [0, 1, 2, 3], 0.616, 0.497, 0.458, 0.481),
        ([list(p) for p in zip(BEN, GERRY)], list("abcde"), 0.727, 0.661, 0.649, 0.665),
    ],
)
def test_gwet_handbook_examples(rows, categories, pa, ac1, fleiss, alpha):
    counts = counts_from_raw(rows, categories)
    assert round(co.percent_agreement(counts), 3) == pa
    assert round(co.gwet_ac1(counts), 3) == ac1
    assert round(co.fleiss_kappa(counts), 3) == fleiss
    assert round(co.krippendorff_alpha_nominal(counts), 3) == alpha


@pytest.mark.parametrize(
    ("table", "kappa", "pabak"),
    [([[40, 9], [6, 45]], 0.70, 0.70), ([[80, 10], [5, 5]], 0.32, 0.70)],
)
def test_kappa_paradox_tables(table, kappa, pabak):
    assert round(co.cohen_kappa(table), 2) == kappa
    p_o = np.trace(np.array(table)) / np.sum(table)
    assert co.pabak(p_o, 2) == pytest.approx(pabak)
    # AC1 of the second table by hand: pi_yes = (90 + 85) / 200, p_e = 2 * 0.875 * 0.125.
    if table[0][0] == 80:
        assert co.gwet_ac1([[2, 0]] * 80 + [[1, 1]] * 15 + [[0, 2]] * 5) == pytest.approx(
            (0.85 - 0.21875) / (1 - 0.21875)
        )


FLEISS_EXAMPLE = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def test_fleiss_worked_example():
    assert round(co.fleiss_kappa(FLEISS_EXAMPLE), 3) == 0.210
    assert co.fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(sm_fleiss_kappa(np.array(FLEISS_EXAMPLE)))


def test_fleiss_and_pabak_match_statsmodels_on_complete_data():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n_items, n_raters, q = rng.integers(2, 40), rng.integers(2, 7), rng.integers(2, 5)
        labels = rng.integers(0, q, size=(n_items, n_raters))
        counts = np.stack([(labels == k).sum(axis=1) for k in range(q)], axis=1)
        p_e = ((counts.sum(axis=0) / counts.sum()) ** 2).sum()
        if p_e < 1:
            assert co.fleiss_kappa(counts) == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
        else:
            assert co.fleiss_kappa(counts) is None
        # Randolph's free-marginal kappa is the multi-rater PABAK.
        assert co.pabak(co.percent_agreement(counts), q) == pytest.approx(
            sm_fleiss_kappa(counts, method="randolph"), abs=1e-12
        )


def test_kappa_interval_matches_statsmodels():
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(150):
        q = int(rng.integers(2, 4))
        table = rng.integers(0, 30, size=(q, q))
        table[np.diag_indices(q)] += rng.integers(0, 60, size=q)
        ref = sm_cohens_kappa(table)
        ours = co.cohen_kappa_ci95(table)
        if ours is None:
            continue
        assert co.cohen_kappa(table) == pytest.approx(ref.kappa, abs=1e-12)
        # statsmodels does not clip; compare where the interval lies inside [-1, 1].
        if -1 < ref.kappa_low and ref.kappa_upp < 1:
            assert ours == pytest.approx((ref.kappa_low, ref.kappa_upp), abs=1e-9)
            checked += 1
    assert checked > 100


def test_interval_of_perfect_agreement_is_a_point():
    assert co.cohen_kappa_ci95([[10, 0], [0, 5]]) == pytest.approx((1.0, 1.0))


def test_undefined_cases_are_none_not_nan():
    single = [[5, 0], [0, 0]]  # both raters always chose the first category
    assert co.cohen_kappa(single) is None
    assert co.cohen_kappa_ci95(single) is None
    assert co.cohen_kappa(np.zeros((2, 2))) is None
    only_first = [[2, 0]] * 5
    assert co.fleiss_kappa(only_first) is None
    assert co.krippendorff_alpha_nominal(only_first) is None
    assert co.gwet_ac1(only_first) == 1.0
    assert co.percent_agreement(only_first) == 1.0
    no_pairs = [[1, 0], [0, 1]]  # every item rated once
    assert co.percent_agreement(no_pairs) is None
    assert co.fleiss_kappa(no_pairs) is None
    assert co.gwet_ac1(no_pairs) is None
    assert co.krippendorff_alpha_nominal(no_pairs) is None
    assert co.pabak(None, 3) is None


def test_bad_tables_are_rejected():
    with pytest.raises(ValueError):
        co.cohen_kappa([1, 2, 3])
    with pytest.raises(ValueError):
        co.fleiss_kappa([[-1, 2]])
    with pytest.raises(ValueError):
        co.gwet_ac1([[2]], n_categories=1)
    with pytest.raises(ValueError):
        co.pabak(0.5, 1)
