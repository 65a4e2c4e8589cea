"""How much screening work a ranking saves, measured on a replayed (simulated) screening.

The conventions are those of the ``screener simulate`` contract (../shared/CLI.md), which
follow ASReview Insights for priors and padding so that numbers compare with published
results: the prior records are removed, and the post-prior screening order is evaluated over
``N' = N - priors`` positions, with ``n'`` = the included records that were not priors.
Positions are 1-based. Integer arithmetic is used for every cut-off so that no float rounding
moves a threshold by one record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ScreeningMetrics:
    """Work-saving metrics of one post-prior screening order.

    Fields are ``None`` when they are undefined: no included record left after the priors
    (``n_included == 0``) or no record at all.
    """

    n_records: int  # N': records in the evaluated (post-prior) order
    n_included: int  # n': included records in it
    wss95: float | None
    wss100: float | None
    recall_at_10pct: float | None
    recall_at_25pct: float | None
    atd: float | None
    records_to_95: int | None
    records_to_100: int | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _as_labels(labels: Sequence[int] | np.ndarray) -> np.ndarray:
    y = np.asarray(labels, dtype=np.int64).ravel()
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return y


def records_to_recall(labels: Sequence[int] | np.ndarray, percent: int) -> int | None:
    """1-based position at which ``ceil(percent/100 * n')`` included records have been found.

    ``labels`` is the 0/1 label of each record in screening order (priors already removed).
    ``percent`` is an integer (95 for 95 %) so the ceiling is exact.
    """
    y = _as_labels(labels)
    n_pos = int(y.sum())
    if n_pos == 0:
        return None
    if not 0 < percent <= 100:
        raise ValueError("percent must be in 1..100")
    target = max(1, -(-percent * n_pos // 100))  # ceil without floats
    return int(np.searchsorted(np.cumsum(y), target) + 1)


def wss(labels: Sequence[int] | np.ndarray, percent: int) -> float | None:
    """Work saved over sampling at ``percent`` recall (Cohen et al. 2006).

    ``WSS@r = (N' - n_r)/N' - (1 - r)`` where ``n_r`` is :func:`records_to_recall`.
    """
    y = _as_labels(labels)
    n_r = records_to_recall(y, percent)
    if n_r is None:
        return None
    n_docs = y.size
    return (n_docs - n_r) / n_docs - (100 - percent) / 100


def recall_at(labels: Sequence[int] | np.ndarray, percent: int) -> float | None:
    """Share of the included records found within the first ``floor(percent/100 * N')`` positions."""
    y = _as_labels(labels)
    n_pos = int(y.sum())
    if n_pos == 0:
        return None
    k = percent * y.size // 100
    return float(y[:k].sum()) / n_pos


def average_time_to_discovery(labels: Sequence[int] | np.ndarray) -> float | None:
    """Mean 1-based position at which the included records were found (ATD, in records)."""
    y = _as_labels(labels)
    positions = np.flatnonzero(y == 1) + 1
    if positions.size == 0:
        return None
    return float(positions.mean())


def screening_metrics(labels: Sequence[int] | np.ndarray) -> ScreeningMetrics:
    """All metrics of one post-prior screening order (0/1 labels in the order screened).

    The order must cover every non-prior record; a partial order is padded by the caller
    (:func:`post_prior_labels`) as ASReview Insights does.
    """
    y = _as_labels(labels)
    return ScreeningMetrics(
        n_records=int(y.size),
        n_included=int(y.sum()),
        wss95=wss(y, 95),
        wss100=wss(y, 100),
        recall_at_10pct=recall_at(y, 10),
        recall_at_25pct=recall_at(y, 25),
        atd=average_time_to_discovery(y),
        records_to_95=records_to_recall(y, 95),
        records_to_100=records_to_recall(y, 100),
    )


def post_prior_labels(
    order: Sequence[int], gold: Sequence[int] | np.ndarray, prior_rows: Sequence[int]
) -> np.ndarray:
    """The 0/1 labels of the post-prior order, padded with the rest of the records.

    ``order`` lists dataset rows in the order they were screened and may or may not start
    with the priors; prior rows are dropped wherever they appear. Rows never screened are
    appended as ASReview Insights pads them: as zeros if they are all excluded, otherwise (an
    incomplete order that missed included records) in their row order with their real labels,
    so that a missed record counts as found last rather than never.
    """
    y = _as_labels(gold)
    priors = set(int(r) for r in prior_rows)
    seen: set[int] = set()
    post: list[int] = []
    for row in order:
        row = int(row)
        if row in seen:
            raise ValueError(f"row {row} appears twice in the order")
        if not 0 <= row < y.size:
            raise ValueError(f"row {row} is outside the dataset (0..{y.size - 1})")
        seen.add(row)
        if row not in priors:
            post.append(row)
    rest = [r for r in range(y.size) if r not in seen and r not in priors]
    return y[np.asarray(post + rest, dtype=np.int64)] if post or rest else y[:0]
