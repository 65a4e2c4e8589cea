"""Conflicts between reviewers, and their resolution by an adjudicator or owner.

Two kinds of disagreement need an adjudicator: a *label* conflict (the reviewers' labels differ,
or a maybe, or excludes for different primary reasons — see :mod:`screener.services.outcomes`)
and a *tag* disagreement: a record the reviewers agreed to include but tagged differently. The
tags that stand for an included record are the union of its reviewers' tags until an adjudicator
settles them (``Resolution.tag_ids``); the tables of included studies use the settled ones.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

from sqlalchemy import select

from screener.core.enums import Label, Role, Stage
from screener.core.errors import ConflictError, UserError
from screener.services.outcomes import stage_outcomes
from screener.services.reviewers import reviewer_id
from screener.services.screening import check_record, record_decisions
from screener.services.taxonomy import find_reason, resolve_tag, tag_paths
from screener.services.versions import RELOAD, STAGE_NAMES
from screener.storage.models import (Decision, DecisionEvent, DecisionTag, Reason, Record, Resolution, Reviewer,
                                     StageSettings, utcnow)
from screener.storage.session import Store


def tags_differ(decisions: Sequence[dict[str, Any]]) -> bool:
    """Whether reviewers tagged a record differently.

    A reviewer who did not include the record and gave no tags is left out: an exclude carries
    no opinion about the tags, so it does not disagree with an includer's tags.
    """
    sets = {frozenset(d["tags"]) for d in decisions if d["label"] == Label.INCLUDE.value or d["tags"]}
    return len(sets) > 1


def _union(decisions: Sequence[dict[str, Any]]) -> list[str]:
    return sorted({t for d in decisions for t in d["tags"]})


def _decision_dicts(session, record_id: int, stage: str, merged: Sequence[int] = ()) -> list[dict[str, Any]]:
    """The decisions on the record, then those on the records merged into it (``record_id`` says which)."""
    return [{"reviewer": d.reviewer, "label": d.label, "reasons": list(d.reasons), "tags": list(d.tags),
             "note": d.note, "record_id": rid} for rid in (record_id, *merged)
            for d in record_decisions(session, rid, stage)]


def _tag_disagreements(session, stage: str, included: list[int]) -> list[int]:
    """The included records whose reviewers tagged differently and whose final tags are not settled."""
    if not included:
        return []
    # tag_ids is a JSON column: "not settled" may be stored as JSON null, so test in Python
    settled = {rid for rid, tag_ids in session.execute(select(Resolution.record_id, Resolution.tag_ids)
                                                       .where(Resolution.stage == stage)) if tag_ids is not None}
    wanted = set(included) - settled
    paths = tag_paths(session)
    votes: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for did, rid, label in session.execute(select(Decision.id, Decision.record_id, Decision.label)
                                           .where(Decision.stage == stage)):
        if rid in wanted:
            votes[rid][did] = {"label": label, "tags": set()}
    q = (select(DecisionTag.decision_id, Decision.record_id, DecisionTag.tag_id)
         .join(Decision, Decision.id == DecisionTag.decision_id).where(Decision.stage == stage))
    for did, rid, tid in session.execute(q):
        if rid in wanted:
            votes[rid][did]["tags"].add(paths[tid])
    return sorted(rid for rid, by in votes.items() if tags_differ(list(by.values())))


def open_disagreements(session, stage: str) -> tuple[set[int], set[int]]:
    """The records of ``stage`` waiting for an adjudicator: (label conflicts, tag disagreements)."""
    stage_v = Stage.parse(stage).value
    outcomes = stage_outcomes(session, stage_v)
    included = sorted(rid for rid, o in outcomes.items() if o.state == "include")
    return ({rid for rid, o in outcomes.items() if o.state == "conflict"},
            set(_tag_disagreements(session, stage_v, included)))


def list_conflicts(store: Store, stage: str = "title_abstract") -> dict[str, Any]:
    """The `conflicts --json` document: unresolved records whose reviewers disagree.

    ``conflicts`` (and ``count``) are the label conflicts, including a kept record whose merged
    duplicates carry decisions that differ from its own (``merged_conflict`` true; resolving the
    kept record settles it). ``tag_disagreements`` (and ``tag_count``) are the included records
    whose reviewers tagged differently and whose final tags nobody settled yet. Every entry has
    ``kind`` ("label" or "tags"), the reviewers' ``decisions`` side by side (those on the records
    in ``merged``, the duplicates merged into it, follow; each decision's ``record_id`` says which
    record it was made on), ``tags_differ``, ``final_tags``: the tags that stand now (the union of
    the reviewers' tags on the record itself), and ``version``: the version of the record's
    resolution at this stage (0: none yet), to pass back to :func:`resolve` / :func:`settle_tags`.
    """
    stage_v = Stage.parse(stage).value
    with store.read() as s:
        outcomes = stage_outcomes(s, stage_v)
        ids = sorted(rid for rid, o in outcomes.items() if o.state == "conflict")
        tag_ids = _tag_disagreements(s, stage_v, sorted(rid for rid, o in outcomes.items() if o.state == "include"))
        wanted = ids + tag_ids
        titles = dict(s.execute(select(Record.id, Record.title).where(Record.id.in_(wanted))).all()) if wanted else {}
        versions = dict(s.execute(select(Resolution.record_id, Resolution.version).where(
            Resolution.stage == stage_v, Resolution.record_id.in_(wanted))).all()) if wanted else {}
        merged: dict[int, list[int]] = defaultdict(list)
        if wanted:
            for rid, kept in s.execute(select(Record.id, Record.duplicate_of).where(Record.duplicate_of.in_(wanted))
                                       .order_by(Record.id)):
                merged[kept].append(rid)

        def entry(rid: int, kind: str) -> dict[str, Any]:
            decisions = _decision_dicts(s, rid, stage_v, merged.get(rid, ()))
            own = [d for d in decisions if d["record_id"] == rid]
            return {"record_id": rid, "title": titles.get(rid, ""), "kind": kind, "label": outcomes[rid].state,
                    "decisions": decisions, "tags_differ": tags_differ(decisions), "final_tags": _union(own),
                    "version": versions.get(rid, 0), "merged": merged.get(rid, []),
                    "merged_conflict": outcomes[rid].merged}

        items = [entry(rid, "label") for rid in ids]
        tag_items = [entry(rid, "tags") for rid in tag_ids]
    return {"stage": stage_v, "count": len(items), "conflicts": items,
            "tag_count": len(tag_items), "tag_disagreements": tag_items}


def can_adjudicate(session, reviewer: str, stage: str) -> bool:
    """Adjudicators and owners may resolve; others only once the stage is no longer blind."""
    r = session.get(Reviewer, reviewer_id(session, reviewer))
    if r.role in (Role.ADJUDICATOR.value, Role.OWNER.value):
        return True
    st = session.get(StageSettings, stage)
    return not st.blind or st.unblinded_at is not None


def _check_adjudicator(session, by: str, stage: str) -> int:
    if not can_adjudicate(session, by, stage):
        raise UserError(f"{by} is a reviewer of a blind stage: only an adjudicator or owner may resolve")
    return reviewer_id(session, by)


def _write(session, record_id: int, stage: str, by_id: int, origin: str, version: int | None = None,
           **values: Any) -> dict[str, Any]:
    """Create or update the record's resolution with ``values``; log before and after.

    ``version`` is the resolution's version the adjudicator was shown (0: none), None: no check.
    """
    current = session.scalar(select(Resolution).where(Resolution.record_id == record_id, Resolution.stage == stage))
    _check_shown(session, current, version, record_id, stage)
    before = resolution_snapshot(session, current)
    if current is None:
        current = Resolution(record_id=record_id, stage=stage, label=values["label"], reviewer_id=by_id)
        session.add(current)
    for key, value in values.items():
        setattr(current, key, value)
    current.reviewer_id, current.resolved_at = by_id, utcnow()
    session.flush()
    after = resolution_snapshot(session, current)
    session.add(DecisionEvent(record_id=record_id, reviewer_id=by_id, stage=stage, kind="resolution",
                              before=before, after=after, origin=origin))
    return after


def _check_shown(session, current: Resolution | None, version: int | None, record_id: int, stage: str) -> None:
    """Refuse to replace a resolution someone saved since the adjudicator was shown ``version``."""
    if version is None or (current.version if current is not None else 0) == int(version):
        return
    where = f"record {record_id} at the {STAGE_NAMES.get(stage, stage)} stage"
    if current is None:
        raise ConflictError(f"the resolution of {where} was removed since the conflict was shown; {RELOAD}")
    who = session.get(Reviewer, current.reviewer_id)
    by = f"by {who.name}" if who is not None else "by someone else"
    done = "resolved" if not version else "resolved again"
    raise ConflictError(f"{where} was {done} {by} (now: {current.label}) since the conflict was shown; {RELOAD}")


def resolve(store: Store, record_id: int, label: str, by: str, stage: str = "title_abstract",
            reasons: Sequence[str] = (), note: str = "", tags: Sequence[str] | None = None,
            version: int | None = None) -> dict[str, Any]:
    """Record (or replace) the final decision of a record at a stage; the history is logged.

    ``tags`` settles the reviewers' tag disagreement: those become the record's final tags at
    this stage (``None`` leaves the union of the reviewers' tags standing). ``version`` is the
    ``version`` of the :func:`list_conflicts` entry shown (0: no resolution yet): when another
    adjudicator resolved the record since, a ConflictError says who and nothing is saved
    (None: no check, e.g. the CLI).
    """
    stage_v = Stage.parse(stage).value
    label_v = Label.parse(label).value

    def work(s) -> dict[str, Any]:
        check_record(s, record_id)
        by_id = _check_adjudicator(s, by, stage_v)
        if reasons and label_v != Label.EXCLUDE.value:
            raise UserError(f"record {record_id}: exclusion reasons go with an exclude decision, not {label_v}")
        st = s.get(StageSettings, stage_v)
        if label_v == Label.EXCLUDE.value and st.reason_required and not reasons:
            raise UserError(f"record {record_id}: a reason is required to exclude at the {stage_v} stage (--reason)")
        reason_ids = [find_reason(s, stage_v, r).id for r in dict.fromkeys(reasons)]
        tag_ids = None if tags is None else [resolve_tag(s, t).id for t in dict.fromkeys(tags) if t]
        return _write(s, record_id, stage_v, by_id, "resolve", version, label=label_v, note=note or "",
                      reason_ids=reason_ids, tag_ids=tag_ids)

    # run(): two adjudicators resolving at once on a team server meet at the unique key; the
    # rerun sees the other's resolution and, given the version shown, reports it
    after = store.run(work)
    return {"record_id": record_id, "stage": stage_v, "by": by, **after}


def settle_tags(store: Store, record_id: int, tags: Sequence[str], by: str, stage: str = "title_abstract",
                note: str = "", version: int | None = None) -> dict[str, Any]:
    """Settle the final tags of a record included at ``stage`` whose reviewers tagged it differently.

    The label stays what it is (the reviewers' agreement, or an earlier resolution, whose note
    is kept unless ``note`` is given); the settlement is recorded as the record's resolution so
    that the history shows who chose which tags. A record that is not included is refused:
    settle its label first (:func:`resolve`, which takes the tags too). ``version`` is as for
    :func:`resolve`.
    """
    stage_v = Stage.parse(stage).value

    def work(s) -> dict[str, Any]:
        check_record(s, record_id)
        by_id = _check_adjudicator(s, by, stage_v)
        outcome = stage_outcomes(s, stage_v, [record_id])[record_id]
        if outcome.state != Label.INCLUDE.value:
            state = "a conflict" if outcome.state == "conflict" else f"'{outcome.state}'"
            raise UserError(f"record {record_id} is {state} at the {stage_v} stage, not included: "
                            "resolve its label first (resolve --tag sets the tags with it)")
        tag_ids = [resolve_tag(s, t).id for t in dict.fromkeys(tags) if t]
        values: dict[str, Any] = {"label": Label.INCLUDE.value, "tag_ids": tag_ids}
        if note:
            values["note"] = note
        return _write(s, record_id, stage_v, by_id, "tags", version, **values)

    after = store.run(work)
    return {"record_id": record_id, "stage": stage_v, "by": by, **after}


def resolution_snapshot(session, r: Resolution | None) -> dict[str, Any] | None:
    """A resolution as plain data, as the event log stores it (``tags`` only once settled)."""
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
