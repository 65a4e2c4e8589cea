"""Agreement in detail: per tag, per exclusion reason, and over time, for one stage.

Every statistic runs over the records that at least two reviewers decided at the stage (the
same records as :func:`screener.services.agreement.stage_agreement`). A tag or an exclusion reason
becomes a yes/no rating: for each such record, each reviewer who decided it says "yes" when their
decision carries that tag (or reason) and "no" otherwise. Only tags and reasons somebody used at
the stage are listed; a statistic that is undefined (everybody said "no" but one) is ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from screener.core.enums import Stage
from screener.services.taxonomy import tag_paths
from screener.stats.agreement import Agreement, agreement_by_block, compute_agreement
from screener.storage.models import Decision, DecisionReason, DecisionTag, ProjectInfo, Reason, Record, Reviewer
from screener.storage.session import Store

YES_NO = ("yes", "no")
DEFAULT_BLOCK = 50


@dataclass(frozen=True)
class _Vote:
    label: str
    reasons: frozenset[str]
    tags: frozenset[str]
    at: datetime | None


def _votes(store: Store, stage: str) -> tuple[dict[int, dict[str, _Vote]], bool]:
    """``{record_id: {reviewer: vote}}`` for active records with ≥ 2 decisions, and maybe_as_include."""
    by_decision: dict[int, tuple[int, str, str, datetime | None]] = {}
    reasons: dict[int, set[str]] = defaultdict(set)
    tags: dict[int, set[str]] = defaultdict(set)
    with store.read() as s:
        info = s.get(ProjectInfo, 1)
        maybe_as_include = bool(info.maybe_as_include) if info else False
        q = (select(Decision.id, Decision.record_id, Reviewer.name, Decision.label, Decision.decided_at)
             .join(Reviewer, Reviewer.id == Decision.reviewer_id)
             .join(Record, Record.id == Decision.record_id)
             .where(Decision.stage == stage, Record.duplicate_of.is_(None)))
        for did, rid, name, label, at in s.execute(q):
            by_decision[did] = (rid, name, label, at)
        q = (select(DecisionReason.decision_id, Reason.name).join(Reason, Reason.id == DecisionReason.reason_id)
             .join(Decision, Decision.id == DecisionReason.decision_id).where(Decision.stage == stage))
        for did, name in s.execute(q):
            reasons[did].add(name)
        paths = tag_paths(s)
        q = (select(DecisionTag.decision_id, DecisionTag.tag_id)
             .join(Decision, Decision.id == DecisionTag.decision_id).where(Decision.stage == stage))
        for did, tid in s.execute(q):
            tags[did].add(paths[tid])
    votes: dict[int, dict[str, _Vote]] = defaultdict(dict)
    for did, (rid, name, label, at) in by_decision.items():
        votes[rid][name] = _Vote(label, frozenset(reasons[did]), frozenset(tags[did]), at)
    return {rid: v for rid, v in votes.items() if len(v) >= 2}, maybe_as_include


def _row(key: str, name: str, result: Agreement, yes: int) -> dict[str, Any]:
    return {key: name, "n_items": result.n_items, "yes": yes, "percent_agreement": result.percent_agreement,
            "cohen_kappa": result.cohen_kappa, "pabak": result.pabak, "gwet_ac1": result.gwet_ac1,
            "krippendorff_alpha": result.krippendorff_alpha}


def _per_value(votes: dict[int, dict[str, _Vote]], attr: str, key: str) -> list[dict[str, Any]]:
    values = sorted({v for by in votes.values() for vote in by.values() for v in getattr(vote, attr)})
    rows = []
    for value in values:
        ratings = {rid: {name: "yes" if value in getattr(vote, attr) else "no" for name, vote in by.items()}
                   for rid, by in votes.items()}
        yes = sum(r == "yes" for by in ratings.values() for r in by.values())
        rows.append(_row(key, value, compute_agreement(ratings, categories=YES_NO), yes))
    return rows


def tag_agreement(store: Store, stage: str = "title_abstract") -> list[dict[str, Any]]:
    """One row per tag path used at the stage: ``{"tag", "n_items", "yes", <statistics>}``.

    ``yes`` counts the (record, reviewer) ratings that carry the tag.
    """
    votes, _ = _votes(store, Stage.parse(stage).value)
    return _per_value(votes, "tags", "tag")


def reason_agreement(store: Store, stage: str = "title_abstract") -> list[dict[str, Any]]:
    """One row per exclusion reason used at the stage: ``{"reason", "n_items", "yes", <statistics>}``."""
    votes, _ = _votes(store, Stage.parse(stage).value)
    return _per_value(votes, "reasons", "reason")


def _over_time(votes: dict[int, dict[str, _Vote]], maybe_as_include: bool, block_size: int) -> list[dict[str, Any]]:
    def second_decision(by: dict[str, _Vote]) -> datetime:
        times = sorted(v.at or datetime.min for v in by.values())
        return times[1]

    ordered = sorted(votes.items(), key=lambda kv: (second_decision(kv[1]), kv[0]))
    items = [(rid, {name: vote.label for name, vote in by.items()}) for rid, by in ordered]
    blocks = agreement_by_block(items, block_size, maybe_as_include=maybe_as_include)
    rows, start = [], 0
    for i, result in enumerate(blocks):
        rows.append({"block": i + 1, "first": start + 1, "last": start + result.n_items,
                     "n_items": result.n_items, "percent_agreement": result.percent_agreement,
                     "cohen_kappa": result.cohen_kappa, "krippendorff_alpha": result.krippendorff_alpha})
        start += result.n_items
    return rows


def agreement_over_time(store: Store, stage: str = "title_abstract",
                        block_size: int = DEFAULT_BLOCK) -> list[dict[str, Any]]:
    """Agreement per block of ``block_size`` records, in the order they got their second decision.

    Rows are ``{"block", "first", "last", "n_items", "percent_agreement", "cohen_kappa",
    "krippendorff_alpha"}``; ``first``/``last`` number the doubly-decided records from 1.
    """
    votes, maybe_as_include = _votes(store, Stage.parse(stage).value)
    return _over_time(votes, maybe_as_include, block_size)


def agreement_details(store: Store, stage: str = "title_abstract", block_size: int = DEFAULT_BLOCK) -> dict[str, Any]:
    """Per-tag, per-reason and over-time agreement in one read: ``{"stage", "tags", "reasons", "over_time"}``."""
    stage_v = Stage.parse(stage).value
    votes, maybe_as_include = _votes(store, stage_v)
    return {"stage": stage_v, "tags": _per_value(votes, "tags", "tag"),
            "reasons": _per_value(votes, "reasons", "reason"),
            "over_time": _over_time(votes, maybe_as_include, block_size)}
