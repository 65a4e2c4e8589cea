"""Finding, merging and splitting duplicate records in a project.

Matching is the pure engine of ``screener.dedup``; this module keeps its verdicts in
``duplicate_pairs``, merges clusters into groups (the other records point to the kept one with
``duplicate_of`` and keep their own data and provenance), and splits them again. Records that
already carry screening decisions are never merged automatically: their clusters go to review.

Review works on groups: records linked by open candidate pairs are shown and decided together
(merge all, none are duplicates, skip, take one record out), and a person may choose which
record is kept, before or after the merge. Every change returns what undoes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import select

from screener.core.enums import Stage
from screener.core.errors import NotFoundError, UserError
from screener.core.progress import Progress
from screener.dedup import SURE, best_record, find_duplicates, merge_fields
from screener.services.export import to_record_data
from screener.services.outcomes import stage_outcomes
from screener.services.prisma import duplicates_per_source
from screener.storage.models import Decision, DuplicateGroup, DuplicatePair, Record, utcnow
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


@dataclass(frozen=True)
class ReviewGroup:
    """Records linked by candidate pairs of one status, reviewed at once.

    ``ids`` are the records as they stand now (a record merged since the pair was found is
    replaced by the record it was merged into); ``suggested_kept`` is the most complete one.
    """

    ids: tuple[int, ...]
    pairs: tuple[PairView, ...]
    score: float
    suggested_kept: int

    @property
    def pair_ids(self) -> tuple[int, ...]:
        return tuple(p.id for p in self.pairs)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The evidence of the strongest pair."""
        return max(self.pairs, key=lambda p: p.score).reasons if self.pairs else ()


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
            # A kept record brings the records merged into it: their decisions and verdicts count.
            children: dict[int, list[int]] = defaultdict(list)
            for i, dup in s.execute(select(Record.id, Record.duplicate_of).where(Record.duplicate_of.is_not(None))):
                children[dup].append(i)
            for cluster in result.clusters(sure_only=True):
                ids = sorted(cluster)
                every = sorted({*ids, *(c for i in ids for c in children.get(i, ()))})
                if decided & set(every) or any((a, b) in refused for a in every for b in every if a < b):
                    _mark_cluster(s, ids, "uncertain", "records carry decisions" if decided & set(every) else "")
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
    members: dict[int, Record] = {}
    for i in ids:
        r = session.get(Record, i)
        if r is None:
            raise NotFoundError(f"unknown record {i}")
        if r.dup_group_id is not None:
            # A record merged before brings its whole group, which is dissolved first: the new
            # group then remembers its kept record as imported, not as merged.
            members.update((m.id, m) for m in _dissolve(session, r.dup_group_id))
        else:
            members[r.id] = r
    recs = [members[k] for k in sorted(members)]
    if len(recs) < 2:
        raise UserError(f"records {list(ids)} are already one record")
    keep = recs[best_record([to_record_data(r) for r in recs])] if kept is None else members.get(kept)
    if keep is None:
        raise UserError(f"record {kept} is not one of the records to merge")
    group = DuplicateGroup(kept_record_id=keep.id, method=method, created_by=by, kept_original=_json_fields(keep))
    session.add(group)
    session.flush()
    _take_group_metadata(keep, [r for r in recs if r.id != keep.id])
    for r in recs:
        r.dup_group_id = group.id
        r.duplicate_of = None if r.id == keep.id else keep.id
    all_ids = [r.id for r in recs]
    for p in session.scalars(select(DuplicatePair).where(DuplicatePair.a_id.in_(all_ids),
                                                         DuplicatePair.b_id.in_(all_ids))):
        p.status, p.decided_by, p.decided_at = "merged", by, utcnow()
    return group


def _take_group_metadata(keep: Record, others: Sequence[Record]) -> None:
    """The kept record takes the group's most complete metadata (its own fields win ties)."""
    best = merge_fields([to_record_data(keep)] + [to_record_data(r) for r in sorted(others, key=lambda r: r.id)])
    for f in MERGEABLE:
        value = getattr(best, f)
        setattr(keep, f, list(value) if isinstance(value, tuple) else (dict(value) if f == "extra" else value))


def _dissolve(session, group_id: int) -> list[Record]:
    """Delete a group: its kept record back as imported, every member on its own again."""
    group = session.get(DuplicateGroup, group_id)
    if group is None:
        raise NotFoundError(f"no duplicate group {group_id}")
    members = list(session.scalars(select(Record).where(Record.dup_group_id == group_id).order_by(Record.id)))
    keep = session.get(Record, group.kept_record_id)
    for f, value in (group.kept_original or {}).items():
        setattr(keep, f, value)
    for r in members:
        r.duplicate_of, r.dup_group_id = None, None
    session.flush()  # the records let go of the group before it is deleted
    session.delete(group)
    session.flush()
    return members


def _json_fields(rec: Record) -> dict[str, Any]:
    return {f: getattr(rec, f) for f in MERGEABLE}


def merge_records(store: Store, ids: Sequence[int], by: str = "", kept: int | None = None) -> dict[str, Any]:
    """Merge records by hand; differing decisions on them are reported as a conflict.

    ``conflict_stages`` names the stages at which the merged records' decisions disagree: there
    the kept record is a conflict (listed by ``services.conflicts``) until someone resolves it.
    """
    with store.unit() as s:
        group = _merge(s, ids, by=by, method="manual", kept=kept)
        keep = group.kept_record_id
        members = [keep] + list(s.scalars(select(Record.id).where(Record.dup_group_id == group.id, Record.id != keep)))
        stages = [st.value for st in Stage if stage_outcomes(s, st.value, [keep])[keep].merged]
        return {"group": group.id, "kept": keep, "merged": members[1:], "decision_conflict": bool(stages),
                "conflict_stages": stages}


def split_group(store: Store, group_id: int) -> list[int]:
    """Undo a merge: every record of the group is on its own again, the kept one as imported."""
    with store.unit() as s:
        ids = [r.id for r in _dissolve(s, group_id)]
        for p in s.scalars(select(DuplicatePair).where(DuplicatePair.a_id.in_(ids), DuplicatePair.b_id.in_(ids),
                                                       DuplicatePair.status == "merged")):
            p.status, p.decided_at = "uncertain", utcnow()
        return sorted(ids)


def pairs_to_review(store: Store, status: str = "uncertain") -> list[PairView]:
    """The candidate pairs with one status, strongest first."""
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


# -- reviewing groups --------------------------------------------------------------------------------

def _current_ids(session, ids: set[int]) -> dict[int, int]:
    """Each record id mapped to the record that stands for it now (itself, or its kept record)."""
    if not ids:
        return {}
    rows = session.execute(select(Record.id, Record.duplicate_of).where(Record.id.in_(sorted(ids))))
    return {i: (dup or i) for i, dup in rows}


def review_groups(store: Store, status: str = "uncertain") -> list[ReviewGroup]:
    """The candidate pairs with one status, joined into groups of linked records, strongest first.

    Three copies of one paper come as one group of three, not as three pairs; pairs whose two
    records have been merged since are left out.
    """
    with store.read() as s:
        rows = list(s.scalars(select(DuplicatePair).where(DuplicatePair.status == status)
                              .order_by(DuplicatePair.score.desc(), DuplicatePair.id)))
        now = _current_ids(s, {i for p in rows for i in (p.a_id, p.b_id)})
        parent: dict[int, int] = {}

        def root(x: int) -> int:
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        linked = []
        for p in rows:
            a, b = now.get(p.a_id, p.a_id), now.get(p.b_id, p.b_id)
            if a == b:
                continue
            linked.append((p, a, b))
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        members: dict[int, set[int]] = defaultdict(set)
        pairs: dict[int, list[PairView]] = defaultdict(list)
        for p, a, b in linked:
            r = root(a)
            members[r].update((a, b))
            pairs[r].append(PairView(p.id, p.a_id, p.b_id, p.score, p.status, tuple(p.reasons)))
        out = []
        for r, ids in members.items():
            order = sorted(ids)
            data = [to_record_data(s.get(Record, i)) for i in order]
            out.append(ReviewGroup(tuple(order), tuple(pairs[r]), max(p.score for p in pairs[r]),
                                   order[best_record(data)]))
    return sorted(out, key=lambda g: (-g.score, g.ids))


def _set_pairs(session, pair_ids: Sequence[int], status: str, by: str) -> dict[int, str]:
    changed = {}
    for p in session.scalars(select(DuplicatePair).where(DuplicatePair.id.in_(list(pair_ids)))):
        if p.status in ("merged", status):
            continue
        changed[p.id] = p.status
        p.status, p.decided_by, p.decided_at = status, by, utcnow()
    return changed


def decide_group(store: Store, pair_ids: Sequence[int], verdict: str, by: str = "",
                 kept: int | None = None) -> dict[str, Any]:
    """A person's verdict on a review group, given by its pairs: ``merge`` (all its records into
    ``kept``, else the most complete), ``not_duplicate`` (none are duplicates) or ``skip``.

    Returns what changed: ``undo`` holds the pairs' earlier statuses for :func:`restore_pairs`,
    or, after a merge, the group to split.
    """
    if verdict not in ("merge", "not_duplicate", "skip"):
        raise UserError(f"unknown verdict {verdict!r}: use merge, not_duplicate or skip")
    if verdict == "merge":
        with store.read() as s:
            ids = sorted({i for p in s.scalars(select(DuplicatePair).where(DuplicatePair.id.in_(list(pair_ids))))
                          for i in (p.a_id, p.b_id)})
        if not ids:
            raise NotFoundError(f"no candidate pairs {list(pair_ids)}")
        res = merge_records(store, ids, by=by, kept=kept)
        return {"verdict": verdict, **res, "undo": {"split": res["group"]}}
    with store.unit() as s:
        changed = _set_pairs(s, pair_ids, "skipped" if verdict == "skip" else "not_duplicate", by)
    return {"verdict": verdict, "pairs": sorted(changed), "undo": {"pairs": changed, "created": []}}


def separate_record(store: Store, ids: Sequence[int], record_id: int, by: str = "") -> dict[str, Any]:
    """Take one record out of a review group: it is not a duplicate of any of the other ``ids``.

    The verdict is kept as "not a duplicate" pairs (made where the matcher had none), so that a
    later automatic merge leaves the record apart; ``undo`` reverses it with :func:`restore_pairs`.
    """
    others = sorted(set(ids) - {record_id})
    if record_id not in ids or not others:
        raise UserError(f"record {record_id} is not one of the records {list(ids)}")
    with store.unit() as s:
        changed, created = _refuse(s, record_id, others, by)
    return {"record": record_id, "others": others, "undo": {"pairs": changed, "created": created}}


def _refuse(session, record_id: int, others: Sequence[int], by: str) -> tuple[dict[int, str], list[int]]:
    """Mark ``record_id`` as not a duplicate of each of ``others``: (earlier statuses, new pair ids).

    Pairs found on records merged into these since count as theirs.
    """
    targets = {record_id, *others}
    alias = {i: i for i in targets}
    alias.update((i, dup) for i, dup in session.execute(select(Record.id, Record.duplicate_of)
                                                         .where(Record.duplicate_of.in_(sorted(targets)))))
    wanted = {(min(record_id, o), max(record_id, o)) for o in others}
    changed: dict[int, str] = {}
    for p in session.scalars(select(DuplicatePair).where(DuplicatePair.a_id.in_(sorted(alias))
                                                             | DuplicatePair.b_id.in_(sorted(alias)))):
        ends = {alias.get(p.a_id), alias.get(p.b_id)}
        if record_id in ends and len(ends & targets) == 2:
            wanted.discard((min(ends), max(ends)))
            if p.status != "not_duplicate":
                changed[p.id] = p.status
                p.status, p.decided_by, p.decided_at = "not_duplicate", by, utcnow()
    created = []
    for a, b in sorted(wanted):
        row = DuplicatePair(a_id=a, b_id=b, score=0.0, status="not_duplicate", reasons=["separated by hand"],
                            decided_by=by, decided_at=utcnow())
        session.add(row)
        session.flush()
        created.append(row.id)
    return changed, created


def restore_pairs(store: Store, pairs: dict[int, str], created: Sequence[int] = ()) -> None:
    """Undo a verdict on pairs: each back to its earlier status, pairs made for it deleted."""
    with store.unit() as s:
        for p in s.scalars(select(DuplicatePair).where(DuplicatePair.id.in_([int(k) for k in pairs]))):
            p.status, p.decided_by, p.decided_at = pairs.get(p.id, pairs.get(str(p.id), p.status)), "", None
        for p in s.scalars(select(DuplicatePair).where(DuplicatePair.id.in_(list(created)))):
            s.delete(p)


def set_kept_record(store: Store, group_id: int, record_id: int) -> dict[str, Any]:
    """Keep another record of a merged group: it takes the group's most complete metadata and
    the others point to it; the record kept before is back as imported.

    Every record keeps its sources and decisions; choosing the previous record again
    (``previous`` in the result) restores the group exactly.
    """
    with store.unit() as s:
        group = s.get(DuplicateGroup, group_id)
        if group is None:
            raise NotFoundError(f"no duplicate group {group_id}")
        members = list(s.scalars(select(Record).where(Record.dup_group_id == group_id).order_by(Record.id)))
        new = next((r for r in members if r.id == record_id), None)
        if new is None:
            raise UserError(f"record {record_id} is not in duplicate group {group_id}")
        previous = group.kept_record_id
        if record_id != previous:
            old = s.get(Record, previous)
            for f, value in (group.kept_original or {}).items():
                setattr(old, f, value)
            group.kept_original = _json_fields(new)
            _take_group_metadata(new, [r for r in members if r.id != record_id])
            group.kept_record_id = record_id
            for r in members:
                r.duplicate_of = None if r.id == record_id else record_id
        return {"group": group_id, "kept": record_id, "previous": previous,
                "undo": {"group": group_id, "keep": previous}}


def take_out_of_group(store: Store, group_id: int, record_id: int, by: str = "") -> dict[str, Any]:
    """Take one record out of a merged group: it stands on its own again, marked as not a
    duplicate of the others, and the rest stay merged (as a new group) when two or more remain.

    ``undo`` names the records and the kept record to merge again.
    """
    with store.unit() as s:
        group = s.get(DuplicateGroup, group_id)
        if group is None:
            raise NotFoundError(f"no duplicate group {group_id}")
        kept, method = group.kept_record_id, group.method
        ids = [r.id for r in _dissolve(s, group_id)]
        if record_id not in ids:
            raise UserError(f"record {record_id} is not in duplicate group {group_id}")
        rest = [i for i in ids if i != record_id]
        changed, created = _refuse(s, record_id, rest, by)
        new_group = new_kept = None
        if len(rest) >= 2:
            g = _merge(s, rest, by=by, method=method, kept=kept if kept in rest else None)
            new_group, new_kept = g.id, g.kept_record_id
        return {"record": record_id, "group": new_group, "kept": new_kept,
                "undo": {"merge": ids, "kept": kept, "pairs": changed, "created": created}}


def undo_change(store: Store, undo: dict[str, Any], by: str = "") -> None:
    """Reverse one change, given the ``undo`` part of what :func:`decide_group`,
    :func:`separate_record`, :func:`set_kept_record` or :func:`take_out_of_group` returned."""
    if "split" in undo:
        split_group(store, undo["split"])
    if "keep" in undo:
        set_kept_record(store, undo["group"], undo["keep"])
    if "pairs" in undo:
        restore_pairs(store, undo["pairs"], undo.get("created", ()))
    if "merge" in undo:
        merge_records(store, undo["merge"], by=by, kept=undo.get("kept"))


def duplicates_by_source(store: Store) -> dict[str, int]:
    """How many merged-away records each source contributed (PRISMA-S: per-source counts)."""
    with store.read() as s:
        return duplicates_per_source(s)


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
