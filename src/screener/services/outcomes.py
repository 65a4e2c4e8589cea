"""The outcome of each record at a stage, from its decisions and resolution.

A record's outcome is final when the required number of reviewers agree, or when a resolution
was recorded; reviewers who disagree make a conflict until someone resolves it. Records merged
into another as duplicates are not screened. A record reaches the full-text stage when its
title/abstract outcome is include or maybe (an unsure record is checked in full rather than lost).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from screener.core.enums import Stage
from screener.storage.models import Decision, Record, Resolution, StageSettings

FINAL = ("include", "exclude", "maybe")


@dataclass(frozen=True, slots=True)
class Outcome:
    """``state`` is one of include, exclude, maybe (final), conflict, pending, unscreened."""

    state: str
    n_decisions: int
    resolved: bool = False


def decide_outcome(labels: list[str], required: int, resolution: str | None) -> Outcome:
    """Pure rule shared by status, conflicts, PRISMA and the GUI."""
    if resolution is not None:
        return Outcome(resolution, len(labels), True)
    if not labels:
        return Outcome("unscreened", 0)
    if len(set(labels)) > 1:
        return Outcome("conflict", len(labels))
    if len(labels) >= required:
        return Outcome(labels[0], len(labels))
    return Outcome("pending", len(labels))


def active_record_ids(session) -> list[int]:
    return list(session.scalars(select(Record.id).where(Record.duplicate_of.is_(None)).order_by(Record.id)))


def stage_outcomes(session, stage: str, eligible: list[int] | None = None) -> dict[int, Outcome]:
    """Outcome of every record eligible for ``stage`` (every active record at title/abstract)."""
    stage = Stage.parse(stage).value
    if eligible is None:
        eligible = eligible_records(session, stage)
    required = session.scalar(select(StageSettings.reviewers_required).where(StageSettings.stage == stage)) or 1
    labels: dict[int, list[str]] = defaultdict(list)
    for rid, label in session.execute(select(Decision.record_id, Decision.label).where(Decision.stage == stage)):
        labels[rid].append(label)
    resolved = dict(session.execute(select(Resolution.record_id, Resolution.label).where(Resolution.stage == stage)).all())
    return {rid: decide_outcome(labels.get(rid, []), required, resolved.get(rid)) for rid in eligible}


def eligible_records(session, stage: str) -> list[int]:
    """Records that take part in ``stage``: all active ones at title/abstract, the passed ones at full text."""
    active = active_record_ids(session)
    if Stage.parse(stage) is Stage.TITLE_ABSTRACT:
        return active
    ta = stage_outcomes(session, Stage.TITLE_ABSTRACT.value, active)
    return [rid for rid in active if ta[rid].state in ("include", "maybe")]
