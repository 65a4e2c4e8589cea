"""Replay the screening of a labeled dataset with the ranking model and measure the work saved.

The replay starts from a few prior records (drawn by seed or given), then repeatedly refits
:class:`~screener.ranking.model.Ranker` on everything screened so far and screens the top
record, exactly as a reviewer working through the GUI queue would. It stops when the last
included record has been found (ASReview's default) and appends the rest in the order of the
final model, so that the written order covers every record.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from screener.core.errors import FileFormatError, UserError
from screener.core.progress import Progress, checkpoint
from screener.ranking.features import build_features, record_text
from screener.ranking.metrics import ScreeningMetrics, post_prior_labels, screening_metrics
from screener.ranking.model import Ranker, RankerSettings


#: records screened between two refits, as a share of those screened so far (a new include
#: refits at once): 2 % costs no measurable WSS on the benchmark and saves most refits
DEFAULT_BATCH_GROWTH = 0.02


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """One replayed screening: the order, the priors, the metrics and the time it took."""

    order: tuple[int, ...]  # every row, in the order screened, priors first
    prior_rows: tuple[int, ...]
    gold: tuple[int, ...]  # 0/1 label of each row
    metrics: ScreeningMetrics
    retrain_seconds: tuple[float, ...]  # each refit + rerank
    retrain_cpu_seconds: tuple[float, ...]  # the same in CPU time
    screened_by_model: int  # records screened after the priors until the last include
    feature_seconds: float
    seconds: float

    @property
    def mean_retrain_seconds(self) -> float:
        """Mean seconds of one refit + rerank."""
        return float(np.mean(self.retrain_seconds)) if self.retrain_seconds else 0.0

    @property
    def mean_retrain_cpu_seconds(self) -> float:
        """Mean CPU seconds of one refit + rerank."""
        return float(np.mean(self.retrain_cpu_seconds)) if self.retrain_cpu_seconds else 0.0

    @property
    def model_seconds_per_record(self) -> float:
        """Refit + rerank seconds spent per record screened by model (batches share a refit)."""
        return float(np.sum(self.retrain_seconds)) / self.screened_by_model if self.screened_by_model else 0.0


def draw_priors(gold: Sequence[int], n_included: int, n_excluded: int, seed: int) -> list[int]:
    """Rows of ``n_included`` included and ``n_excluded`` excluded records drawn by ``seed``.

    The draw is the one ``asreview simulate --prior-seed SEED`` makes (a legacy
    ``RandomState(seed)`` choice without replacement, separately for each class), so the same
    seed gives both tools the same start.
    """
    y = np.asarray(gold, dtype=np.int64)
    rows: list[int] = []
    for label, count in ((1, n_included), (0, n_excluded)):
        if count < 0:
            raise UserError("the number of prior records cannot be negative")
        if count == 0:
            continue
        pool = np.flatnonzero(y == label)
        if pool.size < count:
            kind = "included" if label else "excluded"
            raise UserError(f"{count} prior {kind} records asked for, but the dataset has {pool.size}")
        rng = np.random.RandomState(seed)
        rows.extend(int(r) for r in rng.choice(pool, count, replace=False))
    return rows


def simulate(
    ranker: Ranker,
    gold: Sequence[int],
    prior_rows: Sequence[int],
    batch_growth: float = 0.0,
    progress: Progress | None = None,
    cpu_times: list[float] | None = None,
) -> tuple[list[int], list[float], int]:
    """Screen the records of ``ranker`` in model order, starting from ``prior_rows``.

    After each refit the top ``max(1, batch_growth * screened)`` records of the queue are
    screened before the next refit, except that finding an included record refits at once
    (what the GUI's debounced background refit does; 0 = refit after every record).
    Screening by model stops once every included record is found; the rest follow in the
    final model's order.

    Returns the full order (priors first), the seconds each refit + rerank took, and the
    number of records screened by model (after the priors, up to the last included one).
    ``cpu_times``, when given, receives the CPU seconds of each refit + rerank (unlike wall
    time, not stretched by other processes on a busy machine).
    """
    y = np.asarray(gold, dtype=np.int64)
    n = y.size
    if ranker.n_records != n:
        raise ValueError("the ranker and the labels have different numbers of records")
    order = [int(r) for r in prior_rows]
    if len(set(order)) != len(order):
        raise UserError("a prior row is given twice")
    unscreened = np.ones(n, dtype=bool)
    unscreened[order] = False
    rng = np.random.default_rng(ranker.settings.seed)
    left_to_find = int(y[unscreened].sum())
    times: list[float] = []
    screened_by_model = 0
    while left_to_find > 0:
        start, cpu = time.perf_counter(), time.process_time()
        rows = np.asarray(order, dtype=np.int64)
        ranker.fit(rows, y[rows])
        queue = ranker.rank(np.flatnonzero(unscreened), rng)
        times.append(time.perf_counter() - start)
        if cpu_times is not None:
            cpu_times.append(time.process_time() - cpu)
        # without priors of both classes the model cannot start: the queue is then file order
        batch = max(1, int(batch_growth * len(order)))
        for nxt in queue[:batch]:
            nxt = int(nxt)
            order.append(nxt)
            unscreened[nxt] = False
            screened_by_model += 1
            if y[nxt]:
                left_to_find -= 1
                break
        if progress is not None:
            checkpoint(progress, len(order), n, "simulating")
    rest = np.flatnonzero(unscreened)
    order.extend(int(r) for r in ranker.rank(rest, rng))
    return order, times, screened_by_model


def run_simulation(
    texts: Sequence[str],
    gold: Sequence[int],
    seed: int = 42,
    n_prior_included: int = 1,
    n_prior_excluded: int = 1,
    prior_rows: Sequence[int] | None = None,
    settings: RankerSettings | None = None,
    batch_growth: float = DEFAULT_BATCH_GROWTH,
    progress: Progress | None = None,
) -> SimulationResult:
    """Build the features of ``texts``, draw (or take) the priors and replay the screening."""
    start = time.perf_counter()
    y = np.asarray(gold, dtype=np.int64)
    if len(texts) != y.size:
        raise ValueError("texts and labels differ in length")
    if prior_rows is None:
        prior_rows = draw_priors(y, n_prior_included, n_prior_excluded, seed)
    else:
        prior_rows = [int(r) for r in prior_rows]
        bad = [r for r in prior_rows if not 0 <= r < y.size]
        if bad:
            raise UserError(f"prior row {bad[0]} is outside the dataset (rows 0..{y.size - 1})")
    base = settings or RankerSettings()
    settings = RankerSettings(**{**_shallow(base), "seed": seed})
    t0 = time.perf_counter()
    ranker = Ranker(build_features(texts, settings.features), settings)
    feature_seconds = time.perf_counter() - t0
    cpu: list[float] = []
    order, times, screened = simulate(ranker, y, prior_rows, batch_growth, progress, cpu)
    metrics = screening_metrics(post_prior_labels(order, y, prior_rows))
    return SimulationResult(
        order=tuple(order),
        prior_rows=tuple(prior_rows),
        gold=tuple(int(v) for v in y),
        metrics=metrics,
        retrain_seconds=tuple(times),
        retrain_cpu_seconds=tuple(cpu),
        screened_by_model=screened,
        feature_seconds=feature_seconds,
        seconds=time.perf_counter() - start,
    )


def _shallow(settings: RankerSettings) -> dict:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


# --------------------------------------------------------------------------------------------
# labeled CSV files (until the project's importer reads them)
# --------------------------------------------------------------------------------------------
LABEL_COLUMNS = ("label_included", "included", "label_included_ta", "label")


def read_labeled_csv(path: str | Path) -> tuple[list[str], list[int]]:
    """Texts and 0/1 labels of a labeled CSV (columns ``title``, ``abstract``, ``label_included``).

    Keywords are used when a ``keywords`` column exists.
    """
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FileFormatError(str(path), f"cannot read as CSV: {exc}") from None
    columns = {c.strip().lower(): c for c in frame.columns}
    label_col = next((columns[c] for c in LABEL_COLUMNS if c in columns), None)
    if label_col is None:
        raise FileFormatError(str(path), "no label column (label_included, included or label)")
    if "title" not in columns and "abstract" not in columns:
        raise FileFormatError(str(path), "no title or abstract column")
    labels: list[int] = []
    for i, raw in enumerate(frame[label_col].tolist()):
        value = raw.strip().lower()
        if value in ("1", "1.0", "true", "yes", "include", "included"):
            labels.append(1)
        elif value in ("0", "0.0", "false", "no", "exclude", "excluded"):
            labels.append(0)
        else:
            # line: header is line 1, first data row line 2 (multi-line fields aside)
            raise FileFormatError(str(path), f"label {raw!r} is not 0 or 1", line=i + 2)
    titles = frame[columns["title"]].tolist() if "title" in columns else [""] * len(frame)
    abstracts = frame[columns["abstract"]].tolist() if "abstract" in columns else [""] * len(frame)
    keywords = frame[columns["keywords"]].tolist() if "keywords" in columns else [""] * len(frame)
    texts = [
        record_text(t, a, [k] if k else ()) for t, a, k in zip(titles, abstracts, keywords, strict=True)
    ]
    return texts, labels


def write_order_csv(path: str | Path, order: Sequence[int], gold: Sequence[int], prior_rows: Sequence[int]) -> None:
    """Write the screening order as CSV (``position,row,label,prior``), atomically."""
    path = Path(path)
    priors = set(prior_rows)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["position", "row", "label", "prior"])
            for pos, row in enumerate(order, start=1):
                writer.writerow([pos, row, int(gold[row]), 1 if row in priors else 0])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def simulate_dataset(
    path: str | Path,
    seed: int = 42,
    n_prior_included: int = 1,
    n_prior_excluded: int = 1,
    prior_rows: Sequence[int] | None = None,
    order_out: str | Path | None = None,
    settings: RankerSettings | None = None,
    batch_growth: float = DEFAULT_BATCH_GROWTH,
    progress: Progress | None = None,
) -> dict:
    """Replay the screening of the labeled file ``path``; the ``screener simulate --json`` document.

    ``prior_rows`` (0-based data rows) replaces the seeded draw; ``order_out`` also writes the
    full order as CSV. Raises :class:`UserError` for bad input.
    """
    start = time.perf_counter()
    texts, gold = read_labeled_csv(path)
    if not gold:
        raise FileFormatError(str(path), "no records")
    if sum(gold) == 0:
        raise FileFormatError(str(path), "no included record (label 1): nothing to find")
    result = run_simulation(
        texts, gold, seed=seed, n_prior_included=n_prior_included, n_prior_excluded=n_prior_excluded,
        prior_rows=prior_rows, settings=settings, batch_growth=batch_growth, progress=progress,
    )
    if order_out is not None:
        write_order_csv(order_out, result.order, result.gold, result.prior_rows)
    m = result.metrics
    n_prior_inc = sum(result.gold[r] for r in result.prior_rows)
    doc = {
        "n_records": len(gold),
        "n_included": int(sum(gold)),
        "seed": seed,
        "n_prior_included": int(n_prior_inc),
        "n_prior_excluded": len(result.prior_rows) - int(n_prior_inc),
        "prior_rows": list(result.prior_rows),
        "wss95": _round(m.wss95, 4),
        "wss100": _round(m.wss100, 4),
        "recall_at_10pct": _round(m.recall_at_10pct, 4),
        "recall_at_25pct": _round(m.recall_at_25pct, 4),
        "atd": _round(m.atd, 2),
        "records_to_95": m.records_to_95,
        "records_to_100": m.records_to_100,
        "seconds": round(time.perf_counter() - start, 3),
        "mean_retrain_seconds": round(result.mean_retrain_seconds, 5),
        "mean_retrain_cpu_seconds": round(result.mean_retrain_cpu_seconds, 5),
        "feature_seconds": round(result.feature_seconds, 3),
        "n_retrains": len(result.retrain_seconds),
        "model_seconds_per_record": round(result.model_seconds_per_record, 5),
        "model": (settings or RankerSettings()).as_dict() | {"seed": seed},
        "batch_growth": batch_growth,
    }
    return doc


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
