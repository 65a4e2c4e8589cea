"""The outcome of each record at a stage, from its decisions and resolution.

A record's outcome is final when the required number of reviewers agree, or when a resolution
was recorded; reviewers who disagree make a conflict until someone resolves it. Records merged
into another as duplicates are not screened. A record reaches the full-text stage when its
title/abstract outcome is include or maybe (an unsure record is checked in full rather than lost).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import null, select

from screener.core.enums import Stage
from screener.storage.models import Decision, DecisionReason, ProjectInfo, Record, Resolution, StageSettings

FINAL = ("include", "exclude", "maybe")
#: Title/abstract outcomes that send a record on to full text.
PASSING = ("include", "maybe")


@dataclass(frozen=True, slots=True)
class Outcome:
    """``state`` is one of include, exclude, maybe (final), conflict, pending, unscreened."""

    state: str
    n_decisions: int
    resolved: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    required: int = 2
    maybe_needs_resolution: bool = True
    reason_conflicts: bool = False


def decide_outcome(votes: list[tuple[str, int | None]], rules: Rules, resolution: str | None) -> Outcome:
    """Pure rule shared by status, conflicts, PRISMA and the GUI.

    ``votes`` holds each reviewer's (label, primary reason id). Different labels conflict at
    once; agreement needs ``rules.required`` votes; then a maybe, or (with ``reason_conflicts``)
    excludes for different primary reasons, still need an adjudicator.
    """
    n = len(votes)
    if resolution is not None:
        return Outcome(resolution, n, True)
    if not votes:
        return Outcome("unscreened", 0)
    labels = {label for label, _ in votes}
    if len(labels) > 1:
        return Outcome("conflict", n)
    if n < rules.required:
        return Outcome("pending", n)
    label = next(iter(labels))
    if label == "maybe" and rules.maybe_needs_resolution:
        return Outcome("conflict", n)
    if label == "exclude" and rules.reason_conflicts and len({r for _, r in votes}) > 1:
        return Outcome("conflict", n)
    return Outcome(label, n)


def active_record_ids(session) -> list[int]:
    return list(session.scalars(select(Record.id).where(Record.duplicate_of.is_(None)).order_by(Record.id)))


def stage_outcomes(session, stage: str, eligible: list[int] | None = None) -> dict[int, Outcome]:
    """Outcome of every record eligible for ``stage`` (every active record at title/abstract)."""
    stage = Stage.parse(stage).value
    if eligible is None:
        eligible = eligible_records(session, stage)
    rules = stage_rules(session, stage)
    primary = (select(DecisionReason.reason_id).where(DecisionReason.decision_id == Decision.id)
               .order_by(DecisionReason.position).limit(1).scalar_subquery())
    votes: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    q = select(Decision.record_id, Decision.label, primary if rules.reason_conflicts else null())
    for rid, label, reason in session.execute(q.where(Decision.stage == stage)):
        votes[rid].append((label, reason))
    resolved = dict(session.execute(select(Resolution.record_id, Resolution.label).where(Resolution.stage == stage)).all())
    return {rid: decide_outcome(votes.get(rid, []), rules, resolved.get(rid)) for rid in eligible}


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
