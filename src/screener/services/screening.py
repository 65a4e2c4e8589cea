"""Recording reviewers' decisions, with an append-only log of every change."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import select

from screener.core.enums import Label, Stage
from screener.core.errors import NotFoundError, UserError
from screener.services.dto import DecisionInfo
from screener.services.reviewers import reviewer_id
from screener.services.taxonomy import ensure_reason, find_reason, resolve_tag, tag_paths
from screener.storage.models import (Decision, DecisionEvent, DecisionReason, DecisionTag, Reason, Record,
                                     Reviewer, StageSettings, utcnow)
from screener.storage.session import Store


def check_record(session, record_id: int) -> Record:
    rec = session.get(Record, int(record_id))
    if rec is None:
        raise NotFoundError(f"unknown record {record_id}")
    if rec.duplicate_of is not None:
        raise UserError(f"record {record_id} was merged into record {rec.duplicate_of} as a duplicate; decide on that one")
    return rec


def snapshot(session, d: Decision | None) -> dict[str, Any] | None:
    """A plain copy of a decision's content, as stored in the event log and used by undo."""
    if d is None:
        return None
    names = dict(session.execute(select(Reason.id, Reason.name)).all()) if d.reasons else {}
    paths = tag_paths(session) if d.tags else {}
    return {"label": d.label, "reasons": [names[r.reason_id] for r in d.reasons],
            "tags": sorted(paths[t.tag_id] for t in d.tags), "note": d.note,
            "decided_at": d.decided_at.isoformat() if d.decided_at else None}


def set_decision(session, record_id: int, reviewer: str, stage: str, label: str | None,
                 reasons: Sequence[str] = (), tags: Sequence[str] = (), note: str = "",
                 origin: str = "cli", create_missing: bool = False,
                 created: list[str] | None = None, at: datetime | None = None) -> Decision | None:
    """Create, replace or (``label=None``) remove one reviewer's decision inside ``session``.

    ``at`` stamps the decision and its event (now by default); a unit of work that may be run
    again after a lost connection looks for its own stamp to know whether it was saved.
    """
    stage_v = Stage.parse(stage).value
    at = at or utcnow()
    check_record(session, record_id)
    rid = reviewer_id(session, reviewer)
    current = session.scalar(select(Decision).where(Decision.record_id == record_id,
                                                    Decision.reviewer_id == rid, Decision.stage == stage_v))
    before = snapshot(session, current)
    if label is None:
        if current is not None:
            session.delete(current)
        session.add(DecisionEvent(record_id=record_id, reviewer_id=rid, stage=stage_v, before=before, after=None,
                                  origin=origin, at=at))
        return None
    label_v = Label.parse(label).value
    reasons = [r for r in (" ".join(str(x).split()) for x in reasons) if r]
    if reasons and label_v != Label.EXCLUDE.value:
        raise UserError(f"record {record_id}: exclusion reasons go with an exclude decision, not {label_v}")
    if label_v == Label.EXCLUDE.value and not reasons:
        required = session.scalar(select(StageSettings.reason_required).where(StageSettings.stage == stage_v))
        if required:
            raise UserError(f"record {record_id}: a reason is required to exclude at the {stage_v} stage (--reason)")
    reason_rows = [ensure_reason(session, stage_v, r, created) if create_missing else find_reason(session, stage_v, r)
                   for r in dict.fromkeys(reasons)]
    tag_rows = [resolve_tag(session, t, create=create_missing, created=created) for t in dict.fromkeys(tags) if t]
    if current is None:
        current = Decision(record_id=record_id, reviewer_id=rid, stage=stage_v, label=label_v)
        session.add(current)
    current.label = label_v
    current.note = note or ""
    current.decided_at = at
    current.reasons = [DecisionReason(reason_id=r.id, position=i) for i, r in enumerate(reason_rows)]
    current.tags = [DecisionTag(tag_id=t.id) for t in {t.id: t for t in tag_rows}.values()]
    session.flush()
    session.add(DecisionEvent(record_id=record_id, reviewer_id=rid, stage=stage_v, before=before,
                              after=snapshot(session, current), origin=origin, at=at))
    return current


def _saved(record_id: int, reviewer: str, stage: str, at: datetime):
    """A check for :meth:`Store.run`: is the event this unit of work stamped with ``at`` there?"""
    def verify(session, _result) -> bool:
        return session.scalar(select(DecisionEvent.id).join(Reviewer, Reviewer.id == DecisionEvent.reviewer_id)
                              .where(DecisionEvent.record_id == int(record_id), Reviewer.name == reviewer,
                                     DecisionEvent.stage == Stage.parse(stage).value,
                                     DecisionEvent.at == at)) is not None
    return verify


def decide(store: Store, record_id: int, reviewer: str, label: str, stage: str = "title_abstract",
           reasons: Sequence[str] = (), tags: Sequence[str] = (), note: str = "", origin: str = "cli") -> DecisionInfo:
    """Record one reviewer's decision (creating or replacing their current one) and return it.

    On a team server a lost connection or a transient conflict is retried, and a commit whose
    outcome was lost is checked, so the decision is saved exactly once or an error says it is not.
    """
    at = utcnow()

    def work(s):
        d = set_decision(s, record_id, reviewer, stage, label, reasons, tags, note, origin, at=at)
        return to_info(s, d, reviewer)

    return store.run(work, _saved(record_id, reviewer, stage, at))


def clear_decision(store: Store, record_id: int, reviewer: str, stage: str = "title_abstract",
                   origin: str = "gui") -> None:
    """Remove one reviewer's current decision (the event log keeps what it was)."""
    at = utcnow()
    store.run(lambda s: set_decision(s, record_id, reviewer, stage, None, origin=origin, at=at),
              _saved(record_id, reviewer, stage, at))


def restore_decision(store: Store, record_id: int, reviewer: str, stage: str, state: dict[str, Any] | None,
                     origin: str = "undo") -> DecisionInfo | None:
    """Put a decision back to an earlier snapshot (``None`` removes it): the basis of undo/redo."""
    at = utcnow()

    def work(s):
        if state is None:
            set_decision(s, record_id, reviewer, stage, None, origin=origin, at=at)
            return None
        d = set_decision(s, record_id, reviewer, stage, state["label"], state.get("reasons", ()),
                         state.get("tags", ()), state.get("note", ""), origin, create_missing=True, at=at)
        return to_info(s, d, reviewer)

    return store.run(work, _saved(record_id, reviewer, stage, at))


def get_decision(store: Store, record_id: int, reviewer: str, stage: str) -> DecisionInfo | None:
    with store.read() as s:
        rid = reviewer_id(s, reviewer)
        d = s.scalar(select(Decision).where(Decision.record_id == record_id, Decision.reviewer_id == rid,
                                            Decision.stage == Stage.parse(stage).value))
        return to_info(s, d, reviewer) if d else None


def to_info(session, d: Decision, reviewer: str | None = None) -> DecisionInfo:
    snap = snapshot(session, d)
    if reviewer is None:
        reviewer = session.get(Reviewer, d.reviewer_id).name
    return DecisionInfo(d.record_id, reviewer, d.stage, d.label, tuple(snap["reasons"]), tuple(snap["tags"]),
                        d.note, d.decided_at)


def record_decisions(session, record_id: int, stage: str | None = None) -> list[DecisionInfo]:
    q = select(Decision, Reviewer.name).join(Reviewer, Reviewer.id == Decision.reviewer_id)
    q = q.where(Decision.record_id == record_id).order_by(Decision.stage, Reviewer.name)
    if stage:
        q = q.where(Decision.stage == Stage.parse(stage).value)
    return [to_info(session, d, name) for d, name in session.execute(q)]
