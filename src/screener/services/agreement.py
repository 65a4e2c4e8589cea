"""Inter-rater agreement of a stage, from the reviewers' current decisions."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from screener.core.enums import Stage
from screener.services.conflicts import can_adjudicate
from screener.services.queries import is_blinded
from screener.stats.agreement import compute_agreement
from screener.storage.models import Decision, ProjectInfo, Record, Reviewer
from screener.storage.session import Store


def stage_ratings(store: Store, stage: str) -> dict[int, dict[str, str]]:
    """``{record_id: {reviewer: label}}`` for the active (not merged) records of a stage."""
    stage_v = Stage.parse(stage).value
    ratings: dict[int, dict[str, str]] = defaultdict(dict)
    with store.read() as s:
        q = (select(Decision.record_id, Reviewer.name, Decision.label)
             .join(Reviewer, Reviewer.id == Decision.reviewer_id)
             .join(Record, Record.id == Decision.record_id)
             .where(Decision.stage == stage_v, Record.duplicate_of.is_(None)))
        for rid, name, label in s.execute(q):
            ratings[rid][name] = label
    return dict(ratings)


def stage_agreement(store: Store, stage: str = "title_abstract") -> dict[str, Any]:
    """The `agreement --json` document of CLI.md for one stage."""
    stage_v = Stage.parse(stage).value
    with store.read() as s:
        info = s.get(ProjectInfo, 1)
        maybe_as_include = bool(info.maybe_as_include) if info else False
    result = compute_agreement(stage_ratings(store, stage_v), maybe_as_include=maybe_as_include)
    doc = {"stage": stage_v}
    doc.update(result.to_json_dict())
    return doc


def may_see_agreement(store: Store, reviewer: str, stage: str) -> bool:
    """Whether ``reviewer`` may see the agreement figures of ``stage``.

    Agreement figures reveal the other reviewers' labels indirectly (a confusion matrix, or a
    percent agreement of 1, tells a reviewer what the others decided), so while a stage is blind
    only adjudicators and owners see them. Nobody chosen yet counts as a plain reviewer.
    """
    stage_v = Stage.parse(stage).value
    with store.read() as s:
        if not is_blinded(s, stage_v):
            return True
        return bool(reviewer) and can_adjudicate(s, reviewer, stage_v)
