"""Finding, merging and splitting duplicate records in a project.

Matching is the pure engine of ``screener.dedup``; this module keeps its verdicts in
``duplicate_pairs``, merges clusters into groups (the other records point to the kept one with
``duplicate_of`` and keep their own data and provenance), and splits them again. Records that
already carry screening decisions are never merged automatically: their clusters go to review.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import select

from screener.core.errors import NotFoundError, UserError
from screener.core.progress import Progress
from screener.dedup import SURE, best_record, find_duplicates, merge_fields
from screener.services.export import to_record_data
from screener.storage.models import Decision, DuplicateGroup, DuplicatePair, Record, RecordSource, Source, utcnow
from screener.storage.session import Store

MERGEABLE = ("title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
             "arxiv_id", "url", "keywords", "pub_type", "language", "extra")
OPEN = ("uncertain", "link", "sure")


@dataclass(frozen=True)
class PairView:
    id: int
    a_id: int
    b_id: int
    score: float
    status: str
    reasons: tuple[str, ...]


def find_candidates(store: Store, auto: bool = False, by: str = "", progress: Progress | None = None) -> dict[str, Any]:
    """Match the active records, remember the candidate pairs and, with ``auto``, merge the sure ones.

    Pairs a person already decided (merged, not a duplicate) keep that verdict.
    """
    with store.read() as s:
        recs = [(r.id, to_record_data(r)) for r in s.scalars(select(Record).where(Record.duplicate_of.is_(None))
                                                             .order_by(Record.id))]
    result = find_duplicates(recs, progress=progress)
    merged = groups = 0
    with store.unit() as s:
        known = {(p.a_id, p.b_id): p for p in s.scalars(select(DuplicatePair))}
        for p in result.pairs:
            key = (min(p.a_id, p.b_id), max(p.a_id, p.b_id))
            row = known.get(key)
            if row is None:
                s.add(DuplicatePair(a_id=key[0], b_id=key[1], score=float(p.score), status=p.status,
                                    reasons=list(p.reasons)))
            elif row.status in OPEN:
                row.score, row.status, row.reasons = float(p.score), p.status, list(p.reasons)
        s.flush()
        if auto:
            decided = set(s.scalars(select(Decision.record_id).distinct()))
            refused = {(p.a_id, p.b_id) for p in s.scalars(select(DuplicatePair)
                                                           .where(DuplicatePair.status == "not_duplicate"))}
            for cluster in result.clusters(sure_only=True):
                ids = sorted(cluster)
                if any(i in decided for i in ids) or any((a, b) in refused for a in ids for b in ids if a < b):
                    _mark_cluster(s, ids, "uncertain", "records carry decisions" if decided & set(ids) else "")
                    continue
                _merge(s, ids, by=by, method="auto")
                merged += len(ids) - 1
                groups += 1
        to_review = len(list(s.scalars(select(DuplicatePair.id).where(DuplicatePair.status == "uncertain"))))
        candidates = len(result.pairs)
    return {"candidates": candidates, "merged": merged, "groups": groups, "to_review": to_review,
            "links": len(result.by_status("link"))}


def _mark_cluster(session, ids: list[int], status: str, why: str) -> None:
    for p in session.scalars(select(DuplicatePair).where(DuplicatePair.a_id.in_(ids), DuplicatePair.b_id.in_(ids))):
        if p.status == SURE:
            p.status = status
            if why and why not in p.reasons:
                p.reasons = list(p.reasons) + [why]


def _merge(session, ids: Sequence[int], by: str, method: str, kept: int | None = None) -> DuplicateGroup:
    recs = [session.get(Record, i) for i in ids]
    if any(r is None for r in recs):
        raise NotFoundError(f"unknown record among {list(ids)}")
    # a record already merged elsewhere joins through the record it points to
    recs = [session.get(Record, r.duplicate_of) if r.duplicate_of else r for r in recs]
    recs = list({r.id: r for r in recs}.values())
    if len(recs) < 2:
        raise UserError(f"records {list(ids)} are already one record")
    data = [to_record_data(r) for r in recs]
    keep = recs[best_record(data)] if kept is None else session.get(Record, kept)
    if keep is None or keep.id not in {r.id for r in recs}:
        raise UserError(f"record {kept} is not one of the records to merge")
    group = DuplicateGroup(kept_record_id=keep.id, method=method, created_by=by, kept_original=_json_fields(keep))
    session.add(group)
    session.flush()
    best = merge_fields([to_record_data(keep)] + [to_record_data(r) for r in recs if r.id != keep.id])
    for f in MERGEABLE:
        value = getattr(best, f)
        setattr(keep, f, list(value) if isinstance(value, tuple) else (dict(value) if f == "extra" else value))
    keep.dup_group_id = group.id
    for r in recs:
        if r.id != keep.id:
            # records merged earlier into one of these follow them to the new kept record
            for child in session.scalars(select(Record).where(Record.duplicate_of == r.id)):
                child.duplicate_of, child.dup_group_id = keep.id, group.id
            r.duplicate_of, r.dup_group_id = keep.id, group.id
    all_ids = [r.id for r in recs]
    for p in session.scalars(select(DuplicatePair).where(DuplicatePair.a_id.in_(all_ids),
                                                         DuplicatePair.b_id.in_(all_ids))):
        p.status, p.decided_by, p.decided_at = "merged", by, utcnow()
    return group


def _json_fields(rec: Record) -> dict[str, Any]:
    return {f: getattr(rec, f) for f in MERGEABLE}


def merge_records(store: Store, ids: Sequence[int], by: str = "", kept: int | None = None) -> dict[str, Any]:
    """Merge records by hand; differing decisions on them are reported as a conflict."""
    with store.unit() as s:
        group = _merge(s, ids, by=by, method="manual", kept=kept)
        members = [group.kept_record_id] + list(s.scalars(select(Record.id).where(Record.dup_group_id == group.id,
                                                                                    Record.id != group.kept_record_id)))
        labels: dict[tuple[int, str], set[str]] = defaultdict(set)
        for d in s.scalars(select(Decision).where(Decision.record_id.in_(members))):
            labels[(d.reviewer_id, d.stage)].add(d.label)
        conflict = any(len(v) > 1 for v in labels.values()) or len({lab for v in labels.values() for lab in v}) > 1
        return {"group": group.id, "kept": group.kept_record_id, "merged": members[1:], "decision_conflict": conflict}


def split_group(store: Store, group_id: int) -> list[int]:
    """Undo a merge: every record of the group is on its own again, the kept one as imported."""
    with store.unit() as s:
        group = s.get(DuplicateGroup, group_id)
        if group is None:
            raise NotFoundError(f"no duplicate group {group_id}")
        members = list(s.scalars(select(Record).where(Record.dup_group_id == group_id)))
        keep = s.get(Record, group.kept_record_id)
        for f, value in (group.kept_original or {}).items():
            setattr(keep, f, value)
        ids = []
        for r in members:
            r.duplicate_of, r.dup_group_id = None, None
            ids.append(r.id)
        for p in s.scalars(select(DuplicatePair).where(DuplicatePair.a_id.in_(ids), DuplicatePair.b_id.in_(ids),
                                                       DuplicatePair.status == "merged")):
            p.status, p.decided_at = "uncertain", utcnow()
        s.delete(group)
        return sorted(ids)


def pairs_to_review(store: Store, status: str = "uncertain") -> list[PairView]:
    with store.read() as s:
        q = select(DuplicatePair).where(DuplicatePair.status == status).order_by(DuplicatePair.score.desc())
        return [PairView(p.id, p.a_id, p.b_id, p.score, p.status, tuple(p.reasons)) for p in s.scalars(q)]


def decide_pair(store: Store, pair_id: int, verdict: str, by: str = "") -> dict[str, Any]:
    """A person's verdict on a candidate pair: ``merge``, ``not_duplicate`` or ``skip``."""
    if verdict not in ("merge", "not_duplicate", "skip"):
        raise UserError(f"unknown verdict {verdict!r}: use merge, not_duplicate or skip")
    with store.unit() as s:
        p = s.get(DuplicatePair, pair_id)
        if p is None:
            raise NotFoundError(f"no candidate pair {pair_id}")
        a, b = p.a_id, p.b_id
        if verdict == "skip":
            p.status = "skipped"
            return {"pair": pair_id, "verdict": verdict}
        if verdict == "not_duplicate":
            p.status, p.decided_by, p.decided_at = "not_duplicate", by, utcnow()
            return {"pair": pair_id, "verdict": verdict}
    res = merge_records(store, [a, b], by=by)
    return {"pair": pair_id, "verdict": verdict, **res}


def duplicates_by_source(store: Store) -> dict[str, int]:
    """How many merged-away records each source contributed (PRISMA-S: per-source counts)."""
    with store.read() as s:
        q = (select(Source.name, Record.id).join(RecordSource, RecordSource.source_id == Source.id)
             .join(Record, Record.id == RecordSource.record_id).where(Record.duplicate_of.is_not(None)))
        out: dict[str, int] = defaultdict(int)
        for name, _ in s.execute(q):
            out[name] += 1
    return dict(out)


def list_groups(store: Store) -> list[dict[str, Any]]:
    """Every merged group with its kept record, the records merged into it and who merged them."""
    with store.read() as s:
        out = []
        for g in s.scalars(select(DuplicateGroup).order_by(DuplicateGroup.id)):
            members = list(s.execute(select(Record.id, Record.title).where(Record.dup_group_id == g.id)
                                     .order_by(Record.id)))
            title = next((t for i, t in members if i == g.kept_record_id), "") or ""
            out.append({"id": g.id, "kept": g.kept_record_id, "method": g.method, "by": g.created_by,
                        "merged": [i for i, _ in members if i != g.kept_record_id], "title": title})
        return out
