"""Merging another copy of the same project: a reviewer who screened offline.

Copies share stable record ids. A decision is keyed by (record, reviewer, stage) and the newer
one wins, so merging is idempotent and never replaces a newer decision with an older one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.services.conflicts import open_disagreements, resolution_snapshot
from screener.services.decisions_io import split_list
from screener.services.screening import set_decision
from screener.storage.models import Decision, DecisionEvent, Record, Resolution, Reviewer
from screener.storage.session import Store
from screener.services.taxonomy import ensure_reason, resolve_tag


def _aware(t: datetime | None) -> datetime:
    if t is None:
        return datetime.min.replace(tzinfo=timezone.utc)
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _read_other(other: Store) -> dict[str, Any]:
    from screener.services.export import decisions_table

    with other.read() as s:
        titles = dict(s.execute(select(Record.id, Record.title)).all())
        people = {r.name: r.role for r in s.scalars(select(Reviewer))}
        names = dict(s.execute(select(Reviewer.id, Reviewer.name)).all())
        times = {(d.record_id, names[d.reviewer_id], d.stage): d.decided_at for d in s.scalars(select(Decision))}
        resolutions = [(r.record_id, r.stage, names[r.reviewer_id], r.resolved_at, resolution_snapshot(s, r))
                       for r in s.scalars(select(Resolution))]
    cols, rows = decisions_table(other)
    decisions = [dict(zip(cols, row)) for row in rows]
    for d in decisions:
        d["decided_at"] = times[(d["record_id"], d["reviewer"], d["stage"])]
    return {"titles": titles, "people": people, "decisions": decisions, "resolutions": resolutions}


def merge_projects(store: Store, other_project: str | Path) -> dict[str, Any]:
    """Bring the other copy's decisions and resolutions into ``store``; report what came in.

    ``new_conflicts`` and ``new_tag_disagreements`` list, per stage, the records that wait for an
    adjudicator because of the merge (label conflicts; included records tagged differently).
    """
    other = Store.open(other_project)
    try:
        data = _read_other(other)
    finally:
        other.close()
    added = updated = unchanged = kept_newer = resolutions = 0
    with store.unit() as s:
        here = dict(s.execute(select(Record.id, Record.title)).all())
        for rid, title in data["titles"].items():
            if rid in here and here[rid] != title:
                raise UserError(f"{other_project}: record {rid} differs ({title[:60]!r} there, {here[rid][:60]!r} here);"
                                " these are not copies of the same project")
        missing = [rid for rid in {d["record_id"] for d in data["decisions"]} if rid not in here]
        if missing:
            raise UserError(f"{other_project}: has decisions on records this project lacks (e.g. {sorted(missing)[:5]})")
        before = {st.value: open_disagreements(s, st.value) for st in Stage}
        known = {r.name for r in s.scalars(select(Reviewer))}
        for name, role in data["people"].items():
            if name not in known:
                s.add(Reviewer(name=name, role=role))
        s.flush()
        names = dict(s.execute(select(Reviewer.name, Reviewer.id)).all())
        for d in data["decisions"]:
            cur = s.scalar(select(Decision).where(Decision.record_id == d["record_id"],
                                                  Decision.reviewer_id == names[d["reviewer"]],
                                                  Decision.stage == d["stage"]))
            theirs = _aware(d["decided_at"])
            if cur is not None:
                if _aware(cur.decided_at) == theirs:
                    unchanged += 1
                    continue
                if _aware(cur.decided_at) > theirs:
                    kept_newer += 1
                    continue
            new = set_decision(s, d["record_id"], d["reviewer"], d["stage"], d["label"],
                               split_list(d["reasons"]), split_list(d["tags"]), d["note"], origin="merge", create_missing=True)
            new.decided_at = theirs
            added += cur is None
            updated += cur is not None
        for rid, stage, by, at, snap in data["resolutions"]:
            cur = s.scalar(select(Resolution).where(Resolution.record_id == rid, Resolution.stage == stage))
            if cur is not None and _aware(cur.resolved_at) >= _aware(at):
                continue
            if cur is None:
                cur = Resolution(record_id=rid, stage=stage, label=snap["label"], reviewer_id=names[by])
                s.add(cur)
            was = resolution_snapshot(s, cur) if cur.id is not None else None
            cur.label, cur.reviewer_id, cur.note, cur.resolved_at = snap["label"], names[by], snap["note"], at
            cur.reason_ids = [ensure_reason(s, stage, r).id for r in snap["reasons"]]
            cur.tag_ids = [resolve_tag(s, t, create=True).id for t in snap["tags"]] if "tags" in snap else None
            s.flush()
            # the history here shows the resolution arriving from the copy, as for decisions
            s.add(DecisionEvent(record_id=rid, reviewer_id=names[by], stage=stage, kind="resolution",
                                before=was, after=resolution_snapshot(s, cur), origin="merge"))
            resolutions += 1
        s.flush()
        after = {st.value: open_disagreements(s, st.value) for st in Stage}
    return {"other": str(other_project), "decisions_added": added, "decisions_updated": updated,
            "unchanged": unchanged, "kept_newer_here": kept_newer, "resolutions": resolutions,
            "new_conflicts": {st: sorted(after[st][0] - before[st][0]) for st in after},
            "new_tag_disagreements": {st: sorted(after[st][1] - before[st][1]) for st in after}}
