"""The outcome of each record at a stage, from its decisions and resolution.

A record's outcome is final when the required number of reviewers agree, or when a resolution
was recorded; reviewers who disagree make a conflict until someone resolves it. Records merged
into another as duplicates are not screened, but the decisions they carry stay evidence about the
one paper: when they disagree with the kept record's (or with each other), the kept record is a
conflict until an adjudicator resolves it after the merge. A record reaches the full-text stage
when its title/abstract outcome is include or maybe (an unsure record is checked in full rather
than lost).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import null, select

from screener.core.enums import Stage
from screener.storage.models import (Decision, DecisionReason, DuplicateGroup, ProjectInfo, Record, Resolution,
                                     StageSettings)

FINAL = ("include", "exclude", "maybe")
#: Title/abstract outcomes that send a record on to full text.
PASSING = ("include", "maybe")

#: One reviewer's (label, primary reason id) on a record; the reason only where it can conflict.
Vote = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """``state`` is one of include, exclude, maybe (final), conflict, pending, unscreened.

    ``merged`` marks a conflict that comes from the records merged into this one as duplicates.
    """

    state: str
    n_decisions: int
    resolved: bool = False
    merged: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    required: int = 2
    maybe_needs_resolution: bool = True
    reason_conflicts: bool = False


def _disagree(votes: Sequence[Vote], rules: Rules) -> bool:
    """Different labels, or (with ``reason_conflicts``) excludes for different primary reasons."""
    labels = {label for label, _ in votes}
    return len(labels) > 1 or (labels == {"exclude"} and rules.reason_conflicts and len({r for _, r in votes}) > 1)


def decide_outcome(votes: Sequence[Vote], rules: Rules, resolution: str | None,
                   duplicates: Sequence[Vote] = (), resolved_since_merge: bool = True) -> Outcome:
    """Pure rule shared by status, conflicts, PRISMA and the GUI.

    ``votes`` holds each reviewer's (label, primary reason id). Different labels conflict at
    once; agreement needs ``rules.required`` votes; then a maybe, or (with ``reason_conflicts``)
    excludes for different primary reasons, still need an adjudicator.

    ``duplicates`` holds what the records merged into this one carry (each one's resolution, else
    its reviewers' votes). They never count towards agreement, but when they disagree with
    ``votes`` (or among themselves) the record is a conflict: merging must not silently make one
    side win. A resolution settles that only when it was given after the merge
    (``resolved_since_merge``); an older one stands only if every duplicate agrees with it.
    """
    n = len(votes)
    if resolution is not None:
        if not duplicates or resolved_since_merge or {resolution} == {label for label, _ in duplicates}:
            return Outcome(resolution, n, True)
        return Outcome("conflict", n + len(duplicates), merged=True)
    if duplicates and _disagree([*votes, *duplicates], rules):
        return Outcome("conflict", n + len(duplicates), merged=not _disagree(votes, rules))
    if not votes:
        return Outcome("unscreened", 0)
    if len({label for label, _ in votes}) > 1:
        return Outcome("conflict", n)
    if n < rules.required:
        return Outcome("pending", n)
    label = votes[0][0]
    if label == "maybe" and rules.maybe_needs_resolution:
        return Outcome("conflict", n)
    if _disagree(votes, rules):
        return Outcome("conflict", n)
    return Outcome(label, n)


def active_record_ids(session) -> list[int]:
    return list(session.scalars(select(Record.id).where(Record.duplicate_of.is_(None)).order_by(Record.id)))


def _primary_reason():
    return (select(DecisionReason.reason_id).where(DecisionReason.decision_id == Decision.id)
            .order_by(DecisionReason.position).limit(1).scalar_subquery())


def stage_outcomes(session, stage: str, eligible: list[int] | None = None) -> dict[int, Outcome]:
    """Outcome of every record eligible for ``stage`` (every active record at title/abstract)."""
    stage = Stage.parse(stage).value
    if eligible is None:
        eligible = eligible_records(session, stage)
    rules = stage_rules(session, stage)
    votes: dict[int, list[Vote]] = defaultdict(list)
    q = select(Decision.record_id, Decision.label, _primary_reason() if rules.reason_conflicts else null())
    for rid, label, reason in session.execute(q.where(Decision.stage == stage)):
        votes[rid].append((label, reason))
    resolved = {rid: (label, at) for rid, label, at in session.execute(
        select(Resolution.record_id, Resolution.label, Resolution.resolved_at).where(Resolution.stage == stage))}
    return judge(session, stage, rules, eligible, votes, resolved)


_FEW = 500


@dataclass(frozen=True, slots=True)
class _Carried:
    votes: tuple[Vote, ...]
    merged_at: datetime | None


def _carried(session, stage: str, rules: Rules, kept_ids: list[int] | None = None) -> dict[int, _Carried]:
    """What the records merged into each kept record (of ``kept_ids``, None: all) carry at
    ``stage`` (see :func:`decide_outcome`).

    A merged record's resolution stands for its reviewers' votes. A resolution left by the ranking's
    stopping rule is no evidence about the paper, so it carries nothing.
    """
    merged = Record.duplicate_of.is_not(None) if kept_ids is None else Record.duplicate_of.in_(kept_ids)
    kept_of: dict[int, int] = {}
    own: dict[int, list[Vote]] = defaultdict(list)
    q = (select(Record.id, Record.duplicate_of, Decision.label, _primary_reason() if rules.reason_conflicts else null())
         .join(Record, Record.id == Decision.record_id).where(Decision.stage == stage, merged))
    for rid, kept, label, reason in session.execute(q):
        kept_of[rid] = kept
        own[rid].append((label, reason))
    q = (select(Record.id, Record.duplicate_of, Resolution.label, Resolution.reason_ids, Resolution.automated)
         .join(Record, Record.id == Resolution.record_id).where(Resolution.stage == stage, merged))
    for rid, kept, label, reason_ids, automated in session.execute(q):
        kept_of[rid] = kept
        own[rid] = [] if automated else [(label, (reason_ids or [None])[0] if rules.reason_conflicts else None)]
    if not kept_of:
        return {}
    by_kept: dict[int, list[Vote]] = defaultdict(list)
    for rid in sorted(own):
        by_kept[kept_of[rid]].extend(own[rid])
    merged_at = dict(session.execute(select(DuplicateGroup.kept_record_id, DuplicateGroup.created_at)
                                     .where(DuplicateGroup.kept_record_id.in_(sorted(by_kept)))).all())
    return {kept: _Carried(tuple(v), merged_at.get(kept)) for kept, v in by_kept.items() if v}


def judge(session, stage: str, rules: Rules, ids: Iterable[int], votes: dict[int, list[Vote]],
          resolved: dict[int, tuple[str, datetime]]) -> dict[int, Outcome]:
    """The outcome of each of ``ids`` from its votes and its resolution (label, when given), with
    what the records merged into it carry; the one place :func:`decide_outcome` is applied."""
    ids = list(ids)
    # a page of the record table asks for its own few records; a whole stage reads them all
    carried = _carried(session, stage, rules, ids if len(ids) <= _FEW else None)
    out = {}
    for rid in ids:
        label, at = resolved.get(rid, (None, None))
        dup = carried.get(rid)
        # both times come from the clients' clocks (utcnow); a resolution saved after the merge settles it
        since = dup is None or at is None or dup.merged_at is None or at >= dup.merged_at
        out[rid] = decide_outcome(votes.get(rid, []), rules, label, dup.votes if dup else (), since)
    return out


def stage_rules(session, stage: str) -> Rules:
    required = session.scalar(select(StageSettings.reviewers_required).where(StageSettings.stage == stage)) or 1
    info = session.get(ProjectInfo, 1)
    return Rules(required, bool(info.maybe_needs_resolution) if info else True,
                 bool(info.reason_conflicts) and stage == Stage.FULL_TEXT.value if info else False)


def eligible_records(session, stage: str) -> list[int]:
    """Records that take part in ``stage``: all active ones at title/abstract, the passed ones at full text."""
    active = active_record_ids(session)
    if Stage.parse(stage) is Stage.TITLE_ABSTRACT:
        return active
    return passed(stage_outcomes(session, Stage.TITLE_ABSTRACT.value, active))


def passed(ta_outcomes: dict[int, Outcome]) -> list[int]:
    """The records whose title/abstract outcome sends them on to full text, in id order."""
    return sorted(rid for rid, o in ta_outcomes.items() if o.state in PASSING)
