"""Conflicts between reviewers, and their resolution by an adjudicator or owner."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import select

from screener.core.enums import Label, Role, Stage
from screener.core.errors import UserError
from screener.services.outcomes import stage_outcomes
from screener.services.reviewers import reviewer_id
from screener.services.screening import check_record, record_decisions
from screener.services.taxonomy import find_reason, resolve_tag, tag_paths
from screener.storage.models import (DecisionEvent, Reason, Record, Resolution, Reviewer, StageSettings,
                                     utcnow)
from screener.storage.session import Store


def list_conflicts(store: Store, stage: str = "title_abstract") -> dict[str, Any]:
    """The `conflicts --json` document: unresolved records whose reviewers disagree."""
    stage_v = Stage.parse(stage).value
    with store.read() as s:
        outcomes = stage_outcomes(s, stage_v)
        ids = sorted(rid for rid, o in outcomes.items() if o.state == "conflict")
        titles = dict(s.execute(select(Record.id, Record.title).where(Record.id.in_(ids))).all()) if ids else {}
        items = []
        for rid in ids:
            decisions = [{"reviewer": d.reviewer, "label": d.label, "reasons": list(d.reasons),
                          "tags": list(d.tags), "note": d.note} for d in record_decisions(s, rid, stage_v)]
            items.append({"record_id": rid, "title": titles.get(rid, ""), "decisions": decisions})
    return {"stage": stage_v, "count": len(items), "conflicts": items}


def can_adjudicate(session, reviewer: str, stage: str) -> bool:
    """Adjudicators and owners may resolve; others only once the stage is no longer blind."""
    r = session.get(Reviewer, reviewer_id(session, reviewer))
    if r.role in (Role.ADJUDICATOR.value, Role.OWNER.value):
        return True
    st = session.get(StageSettings, stage)
    return not st.blind or st.unblinded_at is not None


def resolve(store: Store, record_id: int, label: str, by: str, stage: str = "title_abstract",
            reasons: Sequence[str] = (), note: str = "", tags: Sequence[str] | None = None) -> dict[str, Any]:
    """Record (or replace) the final decision of a record at a stage; the history is logged.

    ``tags`` settles the reviewers' tag disagreement: those become the record's final tags at
    this stage (``None`` leaves the union of the reviewers' tags standing).
    """
    stage_v = Stage.parse(stage).value
    label_v = Label.parse(label).value
    with store.unit() as s:
        check_record(s, record_id)
        if not can_adjudicate(s, by, stage_v):
            raise UserError(f"{by} is a reviewer of a blind stage: only an adjudicator or owner may resolve")
        by_id = reviewer_id(s, by)
        if reasons and label_v != Label.EXCLUDE.value:
            raise UserError(f"record {record_id}: exclusion reasons go with an exclude decision, not {label_v}")
        st = s.get(StageSettings, stage_v)
        if label_v == Label.EXCLUDE.value and st.reason_required and not reasons:
            raise UserError(f"record {record_id}: a reason is required to exclude at the {stage_v} stage (--reason)")
        reason_ids = [find_reason(s, stage_v, r).id for r in dict.fromkeys(reasons)]
        tag_ids = None if tags is None else [resolve_tag(s, t).id for t in dict.fromkeys(tags) if t]
        current = s.scalar(select(Resolution).where(Resolution.record_id == record_id, Resolution.stage == stage_v))
        before = _snap(s, current)
        if current is None:
            current = Resolution(record_id=record_id, stage=stage_v, label=label_v, reviewer_id=by_id)
            s.add(current)
        current.label, current.reviewer_id, current.note = label_v, by_id, note or ""
        current.reason_ids, current.tag_ids, current.resolved_at = reason_ids, tag_ids, utcnow()
        s.flush()
        after = _snap(s, current)
        s.add(DecisionEvent(record_id=record_id, reviewer_id=by_id, stage=stage_v, kind="resolution",
                            before=before, after=after, origin="resolve"))
    return {"record_id": record_id, "stage": stage_v, "by": by, **after}


def _snap(session, r: Resolution | None) -> dict[str, Any] | None:
    if r is None:
        return None
    names = dict(session.execute(select(Reason.id, Reason.name)).all())
    snap = {"label": r.label, "reasons": [names[i] for i in r.reason_ids or []], "note": r.note}
    if r.tag_ids is not None:
        paths = tag_paths(session)
        snap["tags"] = sorted(paths[i] for i in r.tag_ids)
    return snap


def unblind(store: Store, stage: str, by: str | None = None) -> None:
    """End blinding for a stage; reviewers then see each other's decisions.

    When ``by`` names a reviewer it must be an owner. Whoever holds a project file can change it
    anyway, so a file project accepts no name; a team server checks the login (team mode).
    """
    stage_v = Stage.parse(stage).value
    with store.unit() as s:
        if by is not None:
            r = s.get(Reviewer, reviewer_id(s, by))
            if r.role != Role.OWNER.value:
                raise UserError(f"only an owner can end blinding; {by} is a {r.role}")
        s.get(StageSettings, stage_v).unblinded_at = utcnow()
