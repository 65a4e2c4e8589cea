"""Agreement coefficients for nominal ratings, computed from count tables.

Two kinds of table are used:

* a *confusion table* for two raters: ``table[i][j]`` is the number of items that rater A put in
  category ``i`` and rater B in category ``j`` (Cohen's kappa and its confidence interval);
* a *count table* for any number of raters: ``counts[u][k]`` is the number of raters who put item
  ``u`` in category ``k``. Rows may sum to different numbers (each item rated by a different set of
  raters, as happens when relevance ranking shows each reviewer different records); rows with fewer
  than two ratings carry no agreement information but, as in Gwet (2014), still count for the
  category prevalences of Fleiss' kappa and AC1.

Every function returns ``None`` when the statistic is undefined (no items, or a chance term that
makes the ratio 0/0, e.g. everybody used a single category), never NaN: the caller shows
"undefined" and JSON gets ``null``.

References: Cohen (1960); Fleiss, Cohen & Everitt (1969) for the large-sample variance of kappa;
Fleiss (1971); Byrt, Bishop & Carlin (1993) for PABAK; Gwet (2008, 2014) for AC1 and the
multi-rater formulas with missing ratings; Krippendorff (2011) "Computing Krippendorff's alpha".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Two-sided 95 % normal quantile, Phi^-1(0.975); written out so stats needs no scipy.
Z_95 = 1.959963984540054

# A chance-agreement term this close to 1 makes a kappa-like ratio 0/0.
_EPS = 1e-12


def _as_table(table: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    array = np.asarray(table, dtype=float)
    if array.ndim != 2:
        raise ValueError("expected a two-dimensional table")
    if (array < 0).any():
        raise ValueError("counts must not be negative")
    return array


def cohen_kappa(table: Sequence[Sequence[float]] | np.ndarray) -> float | None:
    """Cohen's kappa of a square confusion table of two raters; None when undefined."""
    t = _as_table(table)
    n = t.sum()
    if n == 0:
        return None
    p_o = np.trace(t) / n
    p_e = float((t.sum(axis=1) * t.sum(axis=0)).sum()) / (n * n)
    if 1.0 - p_e <= _EPS:
        return None
    return float((p_o - p_e) / (1.0 - p_e))


def cohen_kappa_ci95(table: Sequence[Sequence[float]] | np.ndarray) -> tuple[float, float] | None:
    """95 % confidence interval of Cohen's kappa, clipped to [-1, 1]; None when undefined.

    Uses the large-sample (asymptotic, non-null) variance of Fleiss, Cohen & Everitt (1969), the
    formula behind the interval most statistics packages print (SAS PROC FREQ, statsmodels):
    kappa +/- 1.96 * SE.
    """
    kappa = cohen_kappa(table)
    if kappa is None:
        return None
    t = _as_table(table)
    n = t.sum()
    p = t / n
    rows = p.sum(axis=1)
    cols = p.sum(axis=0)
    p_e = float((rows * cols).sum())
    diag = np.diag(p)
    term_a = float((diag * (1.0 - (rows + cols) * (1.0 - kappa)) ** 2).sum())
    # Off-diagonal cells (i, j) weigh with (p_.i + p_j.)^2: column share of i plus row share of j.
    weights = (cols[:, None] + rows[None, :]) ** 2
    off = p * weights
    np.fill_diagonal(off, 0.0)
    term_b = (1.0 - kappa) ** 2 * float(off.sum())
    term_c = (kappa - p_e * (1.0 - kappa)) ** 2
    variance = (term_a + term_b - term_c) / (n * (1.0 - p_e) ** 2)
    # Rounding can push a zero variance (perfect agreement) slightly below zero.
    se = math.sqrt(max(variance, 0.0))
    low = max(-1.0, kappa - Z_95 * se)
    high = min(1.0, kappa + Z_95 * se)
    return (low, high)


def _pairable(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows with at least two ratings, and their number of ratings."""
    per_item = counts.sum(axis=1)
    keep = per_item >= 2
    return counts[keep], per_item[keep]


def percent_agreement(counts: Sequence[Sequence[float]] | np.ndarray) -> float | None:
    """Observed agreement: over items with two or more ratings, the mean share of agreeing rater pairs.

    For two raters this is the share of items on which they agree. None without such items.
    """
    c, r = _pairable(_as_table(counts))
    if len(r) == 0:
        return None
    per_item = (c * (c - 1.0)).sum(axis=1) / (r * (r - 1.0))
    return float(per_item.mean())


def _prevalences(counts: np.ndarray) -> np.ndarray:
    """Gwet's category prevalences: the mean over rated items of each category's share of ratings."""
    per_item = counts.sum(axis=1)
    rated = per_item > 0
    return (counts[rated] / per_item[rated, None]).mean(axis=0)


def fleiss_kappa(counts: Sequence[Sequence[float]] | np.ndarray) -> float | None:
    """Fleiss' kappa (1971), in Gwet's generalisation to items rated by different numbers of raters.

    With the same number of ratings per item this is exactly Fleiss' formula.
    """
    t = _as_table(counts)
    p_a = percent_agreement(t)
    if p_a is None:
        return None
    pi = _prevalences(t)
    p_e = float((pi * pi).sum())
    if 1.0 - p_e <= _EPS:
        return None
    return (p_a - p_e) / (1.0 - p_e)


def gwet_ac1(counts: Sequence[Sequence[float]] | np.ndarray, n_categories: int | None = None) -> float | None:
    """Gwet's AC1 for any number of raters and missing ratings (Gwet 2008, 2014).

    ``n_categories`` is the number of categories of the rating scheme (q); by default the number of
    columns of the table. It matters: chance agreement is sum(pi_k (1 - pi_k)) / (q - 1).
    """
    t = _as_table(counts)
    q = t.shape[1] if n_categories is None else n_categories
    if q < 2:
        raise ValueError("AC1 needs at least two categories")
    p_a = percent_agreement(t)
    if p_a is None:
        return None
    pi = _prevalences(t)
    p_e = float((pi * (1.0 - pi)).sum()) / (q - 1)
    # p_e <= 1/q < 1, so AC1 is always defined once there are items.
    return (p_a - p_e) / (1.0 - p_e)


def pabak(p_o: float | None, n_categories: int) -> float | None:
    """Prevalence- and bias-adjusted kappa (Byrt et al. 1993): (q * p_o - 1) / (q - 1).

    For two categories this is 2 * p_o - 1. With several raters ``p_o`` is the multi-rater observed
    agreement, which makes this Randolph's free-marginal multirater kappa.
    """
    if n_categories < 2:
        raise ValueError("PABAK needs at least two categories")
    if p_o is None:
        return None
    return (n_categories * p_o - 1.0) / (n_categories - 1.0)


def krippendorff_alpha_nominal(counts: Sequence[Sequence[float]] | np.ndarray) -> float | None:
    """Krippendorff's alpha for nominal data; items with a single rating are not pairable and drop out.

    From the coincidence matrix o_ck = sum over items of n_uc (n_uk - [c = k]) / (m_u - 1):
    alpha = 1 - (n - 1) * D_o / D_e with D_o = sum_{c != k} o_ck and D_e = sum_{c != k} n_c n_k.
    None when there are no pairable items or only one category occurs (D_e = 0).
    """
    c, m = _pairable(_as_table(counts))
    if len(m) == 0:
        return None
    scaled = c / (m - 1.0)[:, None]
    coincidence = scaled.T @ c
    coincidence -= np.diag(scaled.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    observed = coincidence.sum() - np.trace(coincidence)
    expected = n_c.sum() ** 2 - (n_c * n_c).sum()
    if expected <= _EPS:
        return None
    return float(1.0 - (n - 1.0) * observed / expected)
