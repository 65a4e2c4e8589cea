"""When is it safe to stop screening? A statistical stopping rule and a simple heuristic.

The statistical rule is the one of Callaghan & Müller-Hansen (2020), "Statistical stopping
criteria for automated screening in systematic reviews", Systematic Reviews 9:262. It tests
the null hypothesis "recall is below the target" with a hypergeometric test:

* Take the last ``n`` records screened, with ``k`` includes among them, together with the
  ``N_rem`` records not yet screened: an "urn" of ``n + N_rem`` records of which the last
  ``n`` were drawn.
* If recall were below the target τ, the records not yet screened would hold at least
  ``m = floor(r / τ - r) + 1`` includes, ``r`` being the includes found so far (recall
  ``r / (r + m) < τ``); the urn would then hold ``k + m`` includes.
* The p-value is the chance of drawing at most ``k`` includes in ``n`` draws from that urn:
  ``P = hypergeom.cdf(k, n + N_rem, k + m, n)``. More includes than ``m`` only make it smaller.
* The records screened last were the ones the model ranked highest among those left, so
  they are richer in includes than a random draw from the urn: treating them as random is
  conservative. The test is made for every ``n`` and the smallest p-value is kept, as the
  authors do when screening in ranked order. When the last ``n`` records were in fact a
  random sample of what was left (:func:`stopping_test` with ``sample_size``), only that
  window is tested and the test is exact.

Stop when ``P < 1 - confidence``. The same test, inverted, gives a lower confidence bound
on recall (the largest τ it rejects) and, at 50 % confidence, a point estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import gammaln


@dataclass(frozen=True, slots=True)
class StoppingEstimate:
    """What the stopping rule says after the records screened so far."""

    n_records: int
    n_screened: int
    n_included: int  # includes found so far
    recall_target: float
    confidence: float
    p_value: float  # of "recall < recall_target"; 1.0 when nothing can be said yet
    safe_to_stop: bool  # p_value < 1 - confidence
    recall_lower_bound: float  # recall is at least this, at the given confidence
    estimated_recall: float  # the same bound at 50 % confidence: a median estimate
    consecutive_excluded: int  # excluded records screened since the last include

    def as_dict(self) -> dict:
        return asdict(self)


def missed_for_target(n_found: int, recall_target: float) -> int:
    """Smallest number of includes left unscreened that puts recall below the target.

    ``floor(r / τ - r) + 1``, the ``K_tar - k`` of Callaghan & Müller-Hansen. With recall
    computed as ``r / (r + m)``, ``m`` missed includes put it below τ exactly from this ``m``.
    """
    if not 0 < recall_target <= 1:
        raise ValueError("recall target must be in (0, 1]")
    # r/τ - r is often a whole number (19/0.95 - 19 = 1) that floating point may put a hair
    # below it; the tolerance keeps floor() from dropping to the number below
    bound = n_found / recall_target - n_found
    m = int(np.floor(bound + 1e-9)) + 1
    return max(1, m)


def window_p_values(
    screened_labels: Sequence[int] | np.ndarray, n_records: int, missed: int
) -> np.ndarray:
    """p-value of "at least ``missed`` includes remain unscreened", for each window size n.

    Element ``n-1`` uses the last ``n`` screened records as the sample. (The stopping test
    itself evaluates only the windows :func:`_candidate_windows` picks.)
    """
    y = np.asarray(screened_labels, dtype=np.int64)
    k = np.cumsum(y[::-1])  # includes among the last n, n = 1..n_screened
    n = np.arange(1, y.size + 1)
    return _p_values(n, k, n_records - y.size, missed)


def _p_values(n: np.ndarray, k: np.ndarray, n_remaining: int, missed: int) -> np.ndarray:
    if n_remaining < 0:
        raise ValueError("more records screened than there are")
    if missed > n_remaining:
        # that many includes cannot hide among the records left: the hypothesis is impossible
        return np.zeros(n.size)
    return hypergeom_cdf(k, n + n_remaining, k + missed, n)


TAIL_SD = 12.0


def hypergeom_cdf(k: np.ndarray, total: np.ndarray, good: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """P(X <= k) for X ~ Hypergeometric(total, good, draws), elementwise, in log space.

    The values of ``scipy.stats.hypergeom.cdf(k, total, good, draws)`` (to ~1e-10), in one vectorised
    pass: the log pmf at k from log-gamma, the terms below it by the ratio
    pmf(j-1)/pmf(j) = j (total-good-draws+j) / ((good-j+1) (draws-j+1)), summed with logsumexp.
    scipy evaluates element by element and is ~100 times slower on the windows used here.
    """
    k = np.atleast_1d(np.asarray(k, dtype=np.float64))
    total, good, draws = (np.broadcast_to(np.asarray(a, dtype=np.float64), k.shape) for a in (total, good, draws))
    low = np.maximum(0.0, draws - (total - good))  # smallest possible count
    # terms more than TAIL_SD standard deviations from the mean are below 1e-30 of the
    # peak: leaving them out keeps the sum at O(sd) terms instead of O(k) at no visible cost
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, good / np.maximum(total, 1.0), 0.0)
        mean = draws * share
        sd = np.sqrt(np.maximum(0.0, mean * (1 - share) * (total - draws) / np.maximum(total - 1, 1.0)))
    low = np.maximum(low, np.floor(mean - TAIL_SD * sd - 1))
    out = np.zeros(k.shape)
    out[(k >= np.minimum(good, draws)) | (k >= mean + TAIL_SD * sd + 1)] = 1.0
    todo = (k >= low) & (out == 0.0)
    if not todo.any():
        return out
    idx = np.flatnonzero(todo)
    # blocks of windows keep the (windows x steps) table small when many includes were found
    block = max(1, 2_000_000 // max(1, int((k[idx] - low[idx]).max()) + 1))
    for start in range(0, idx.size, block):
        part = idx[start : start + block]
        out[part] = _cdf_block(k[part], total[part], good[part], draws[part], low[part])
    return np.minimum(out, 1.0)


def _cdf_block(kk: np.ndarray, tt: np.ndarray, gg: np.ndarray, dd: np.ndarray, lo: np.ndarray) -> np.ndarray:
    log_pmf_k = _log_comb(gg, kk) + _log_comb(tt - gg, dd - kk) - _log_comb(tt, dd)
    steps = int((kk - lo).max())
    if steps == 0:
        return np.exp(log_pmf_k)
    j = kk[:, None] - np.arange(steps)[None, :]  # j = k, k-1, ...
    valid = (j - 1) >= lo[:, None]  # pmf(j-1) exists
    ratio = j * (tt - gg - dd)[:, None] + j * j
    ratio = ratio / ((gg[:, None] - j + 1) * (dd[:, None] - j + 1))
    with np.errstate(divide="ignore"):
        log_ratio = np.where(valid, np.log(np.where(valid, ratio, 1.0)), -np.inf)
    log_terms = np.concatenate([log_pmf_k[:, None], log_pmf_k[:, None] + np.cumsum(log_ratio, axis=1)], axis=1)
    peak = log_terms.max(axis=1)
    return np.exp(peak + np.log(np.exp(log_terms - peak[:, None]).sum(axis=1)))


def _log_comb(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


#: windows holding up to this many includes are all tested; beyond it, a geometric grid
DENSE_WINDOWS = 100
GRID_RATIO = 1.02


def _candidate_windows(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The windows (size n, includes k) among which the smallest p-value is sought.

    For a fixed k the p-value falls as the window grows (one more excluded record drawn is
    more evidence), so of all windows holding k includes only the longest one matters: the
    one reaching back to just after the (k+1)-th include from the end. That leaves one window
    per include found. When many includes were found, windows holding more than
    ``DENSE_WINDOWS`` are thinned to a geometric grid of k: each test costs O(k), and skipping
    a window can only raise the minimum, so the rule stays on the safe side.
    """
    from_end = y.size - 1 - np.flatnonzero(y)[::-1]  # 0-based distance of each include from the end
    sizes = np.append(from_end, y.size)  # longest window holding j includes, j = 0..r
    counts = np.arange(sizes.size)
    keep = sizes > 0
    if counts.size > DENSE_WINDOWS + 1:
        grid = np.unique(np.round(DENSE_WINDOWS * GRID_RATIO ** np.arange(1, 1 + int(np.log(counts.size / DENSE_WINDOWS) / np.log(GRID_RATIO)) + 1)).astype(np.int64))
        thin = np.zeros(counts.size, dtype=bool)
        thin[: DENSE_WINDOWS + 1] = True
        thin[grid[grid < counts.size]] = True
        thin[-1] = True  # the whole screening
        keep &= thin
    return sizes[keep], counts[keep]


def stopping_test(
    screened_labels: Sequence[int] | np.ndarray,
    n_records: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    sample_size: int | None = None,
) -> StoppingEstimate:
    """Is it safe to stop? ``screened_labels`` are the 0/1 decisions in the order screened.

    ``n_records`` counts every record of the review, screened or not. ``sample_size`` says
    that the last ``sample_size`` records were drawn at random from those left (the exact
    form of the test); by default the ranked order is used, conservatively, with every window.
    """
    y = np.asarray(screened_labels, dtype=np.int64)
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    if sample_size is not None and not 0 < sample_size <= y.size:
        raise ValueError("sample_size must be between 1 and the number of screened records")
    n_found = int(y.sum())
    run = _trailing_zeros(y)
    alpha = 1.0 - confidence

    if y.size > n_records:
        raise ValueError("more records screened than there are")
    sizes, counts = _windows(y, sample_size)

    def p_value(missed: int) -> float:
        if sizes.size == 0:
            return 1.0
        return float(_p_values(sizes, counts, n_records - y.size, missed).min())

    if n_found == 0:
        # nothing found yet: recall is undefined and no evidence allows stopping
        p_target = 1.0 if n_records > y.size else 0.0
        lower = estimate = 1.0 if n_records == y.size else 0.0
    else:
        p_target = p_value(missed_for_target(n_found, recall_target))
        lower = _recall_bound(n_found, n_records - y.size, p_value, alpha)
        estimate = _recall_bound(n_found, n_records - y.size, p_value, 0.5)
    return StoppingEstimate(
        n_records=n_records,
        n_screened=int(y.size),
        n_included=n_found,
        recall_target=recall_target,
        confidence=confidence,
        p_value=p_target,
        safe_to_stop=p_target < alpha,
        recall_lower_bound=lower,
        estimated_recall=estimate,
        consecutive_excluded=run,
    )


def _windows(y: np.ndarray, sample_size: int | None) -> tuple[np.ndarray, np.ndarray]:
    if sample_size is not None:
        return np.array([sample_size]), np.array([int(y[y.size - sample_size :].sum())])
    return _candidate_windows(y)


def p_value_below_target(
    screened_labels: Sequence[int] | np.ndarray,
    n_records: int,
    recall_target: float = 0.95,
    sample_size: int | None = None,
) -> float:
    """Only the p-value of "recall < recall_target" (see :func:`stopping_test`): the cheap
    part, for checking after every decision."""
    y = np.asarray(screened_labels, dtype=np.int64)
    n_found = int(y.sum())
    if y.size > n_records:
        raise ValueError("more records screened than there are")
    if n_found == 0:
        return 1.0 if n_records > y.size else 0.0
    sizes, counts = _windows(y, sample_size)
    if sizes.size == 0:
        return 1.0
    return float(_p_values(sizes, counts, n_records - y.size, missed_for_target(n_found, recall_target)).min())


def _recall_bound(n_found: int, n_remaining: int, p_value, alpha: float) -> float:
    """``r / (r + m*)`` where ``m*`` is the largest number of missed includes not rejected.

    p_value(m) falls as m grows (more includes left make a poor last window less likely), so
    the smallest rejected m is bracketed by doubling and then found by bisection; every m
    from there on is rejected too.
    """
    if n_remaining == 0 or p_value(1) < alpha:
        return 1.0  # nothing left, or even one missed include is rejected
    lo, hi = 1, 2  # invariant: p_value(lo) >= alpha; hi = first candidate for "rejected"
    while hi <= n_remaining and p_value(hi) >= alpha:
        lo, hi = hi, hi * 2
    hi = min(hi, n_remaining + 1)  # more than n_remaining missed is impossible: rejected
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if p_value(mid) < alpha:
            hi = mid
        else:
            lo = mid
    return n_found / (n_found + lo)


def _trailing_zeros(y: np.ndarray) -> int:
    ones = np.flatnonzero(y)
    return int(y.size) if ones.size == 0 else int(y.size - 1 - ones[-1])


def heuristic_stop(screened_labels: Sequence[int] | np.ndarray, n_in_a_row: int) -> bool:
    """The simple rule: stop after ``n_in_a_row`` excluded records in a row."""
    if n_in_a_row < 1:
        raise ValueError("n_in_a_row must be at least 1")
    return _trailing_zeros(np.asarray(screened_labels, dtype=np.int64)) >= n_in_a_row
