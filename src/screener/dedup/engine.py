"""Finding duplicate records: normalise, block, judge candidate pairs, cluster.

Pure functions on plain records; the caller (a service) loads records from the database,
calls :func:`find_duplicates` and stores or shows the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.fuzz import ratio
from rapidfuzz.process import cpdist

from screener.core.progress import Progress, checkpoint
from screener.core.records import RecordData
from screener.dedup.blocking import candidate_pairs
from screener.dedup.cluster import cluster_indices
from screener.dedup.normalize import Norm, normalize_record
from screener.dedup.rules import LINK, SURE, UNCERTAIN, judge

# See _prefilter: title similarity (0-100) below which a candidate is not judged, and the
# length of the title beginnings compared for cut-off titles.
TITLE_PREFILTER = 60.0
PREFIX = 30
_STATUS_ORDER = {SURE: 0, UNCERTAIN: 1, LINK: 2}


@dataclass(frozen=True, slots=True)
class Pair:
    """Two records judged to be one work (``sure``), perhaps one (``uncertain``), or a
    preprint and its published version (``link``), with the evidence in ``reasons``."""

    a_id: int
    b_id: int
    score: float
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DedupResult:
    """Every matched pair of one run; :meth:`clusters` turns them into groups to merge."""

    pairs: list[Pair]
    ids: tuple[int, ...] = ()
    _norms: dict[int, Norm] = field(default_factory=dict, repr=False, compare=False)

    def by_status(self, status: str) -> list[Pair]:
        """The pairs with one status, strongest first."""
        return [p for p in self.pairs if p.status == status]

    def clusters(self, sure_only: bool = True) -> list[list[int]]:
        """Groups of record ids (size >= 2) to merge, each sorted, the list sorted.

        Built from sure pairs (and uncertain ones when ``sure_only`` is false; links never
        merge), strongest first, refusing any join that would put two different DOIs, PMIDs,
        arXiv ids, first pages, volumes or issues, years more than one apart, or an erratum/reply and
        its article into one group.
        """
        wanted = {SURE} if sure_only else {SURE, UNCERTAIN}
        index = {rid: k for k, rid in enumerate(self.ids)}
        norms = [self._norms[rid] for rid in self.ids]
        edges = [(p.score, index[p.a_id], index[p.b_id]) for p in self.pairs if p.status in wanted]
        groups = cluster_indices(norms, edges)
        return sorted(sorted(self.ids[k] for k in g) for g in groups)


def _codes(values: Sequence[str], table: dict[str, int] | None = None) -> np.ndarray:
    """Integer code per value (equal values, equal codes), -1 for empty ones."""
    table = {} if table is None else table
    return np.fromiter(
        (table.setdefault(v, len(table)) if v else -1 for v in values), dtype=np.int64, count=len(values)
    )


def _same(codes: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (codes[i] == codes[j]) & (codes[i] >= 0)


def _prefilter(norms: Sequence[Norm], i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(title similarity 0-100, mask of candidates worth judging), vectorised over all pairs.

    The pair rules cost far more than one title comparison in rapidfuzz's C++ loop, so pairs
    whose titles differ clearly are dropped here, unless they share an identifier, a URL or
    volume and first page (translated titles), or one title is the other cut short.
    """
    titles = [n.title for n in norms]
    sims = cpdist([titles[x] for x in i], [titles[x] for x in j], scorer=ratio, workers=-1)
    keep = sims >= TITLE_PREFILTER
    heads = [t[:PREFIX] for t in titles]
    keep |= cpdist([heads[x] for x in i], [heads[x] for x in j], scorer=ratio, workers=-1) >= 95
    table: dict[str, int] = {}
    title_codes = _codes(titles, table)
    head_codes = _codes([n.title_head for n in norms], table)
    keep |= (head_codes[i] == title_codes[j]) & (head_codes[i] >= 0)
    keep |= (title_codes[i] == head_codes[j]) & (head_codes[j] >= 0)
    for name in ("doi", "pmid", "arxiv", "url"):
        keep |= _same(_codes([getattr(n, name) for n in norms]), i, j)
    keep |= _same(_codes([f"{n.volume}/{n.first_page}" if n.volume and n.first_page else "" for n in norms]), i, j)
    return sims, keep


def find_duplicates(
    records: Sequence[tuple[int, RecordData]], progress: Progress | None = None
) -> DedupResult:
    """Find duplicate records among ``(id, record)`` pairs.

    Returns every pair judged ``sure``, ``uncertain`` or ``link`` with a score in [0, 1] and
    the reasons for the verdict, sorted by status then score. Cost grows about linearly with
    the number of records (blocking keeps the candidate pairs to a few dozen per record).
    Raises :class:`screener.core.errors.Cancelled` when ``progress`` is cancelled.
    """
    ids = tuple(rid for rid, _ in records)
    if len(set(ids)) != len(ids):
        raise ValueError("record ids must be unique")
    total = len(records)
    checkpoint(progress, 0, total, "Normalising records")
    norms: list[Norm] = []
    for k, (_rid, rec) in enumerate(records):
        norms.append(normalize_record(rec))
        if k % 5000 == 4999:
            checkpoint(progress, k + 1, total, "Normalising records")

    checkpoint(progress, 0, total, "Finding candidate pairs")
    cand = candidate_pairs(norms, check=progress.check if progress else None)
    pairs: list[Pair] = []
    if len(cand):
        i, j = cand[:, 0], cand[:, 1]
        sims, keep = _prefilter(norms, i, j)
        idx = np.flatnonzero(keep)
        checkpoint(progress, 0, len(idx), "Comparing candidate pairs")
        for step, k in enumerate(idx.tolist()):
            a, b = int(i[k]), int(j[k])
            verdict = judge(norms[a], norms[b], float(sims[k]) / 100.0)
            if verdict is not None:
                pairs.append(Pair(ids[a], ids[b], verdict.score, verdict.status, verdict.reasons))
            if step % 20000 == 19999:
                checkpoint(progress, step + 1, len(idx), "Comparing candidate pairs")
    pairs.sort(key=lambda p: (_STATUS_ORDER[p.status], -p.score, p.a_id, p.b_id))
    checkpoint(progress, total, total, "Done")
    return DedupResult(pairs=pairs, ids=ids, _norms=dict(zip(ids, norms)))
