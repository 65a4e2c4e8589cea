"""Relevance ranking of a project's unscreened records, and whether it is safe to stop.

A record counts as relevant for learning when any reviewer included it at title/abstract (or
marked it maybe), and as irrelevant when every reviewer who decided excluded it: a single
include is a signal worth learning from before the conflict is resolved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from screener.core.enums import Stage
from screener.ranking.features import record_text
from screener.ranking.model import Ranker
from screener.ranking.stopping import stopping_test
from screener.storage.models import Decision, Record
from screener.storage.session import Store


def _training_data(store: Store, stage: str):
    with store.read() as s:
        rows = s.execute(select(Record.id, Record.title, Record.abstract, Record.keywords)
                         .where(Record.duplicate_of.is_(None)).order_by(Record.id)).all()
        labels: dict[int, list[str]] = defaultdict(list)
        first: dict[int, Any] = {}
        for rid, label, at in s.execute(select(Decision.record_id, Decision.label, Decision.decided_at)
                                        .where(Decision.stage == stage)):
            labels[rid].append(label)
            first[rid] = min(first.get(rid, at), at)
    return rows, labels, first


def relevance_order(store: Store, stage: str = "title_abstract", reviewer: str | None = None) -> list[int]:
    """Every active record id, most relevant first (the GUI queue keeps those the reviewer has not decided).

    The model learns from every reviewer's decisions, so in dual screening the second reviewer's
    queue also profits from what the first one decided.
    """
    return _ranked(store, stage)[0]


def _ranked(store: Store, stage: str) -> tuple[list[int], dict[str, Any]]:
    stage_v = Stage.parse(stage).value
    rows, labels, first = _training_data(store, stage_v)
    ids = [r.id for r in rows]
    index = {rid: i for i, rid in enumerate(ids)}
    texts = [record_text(r.title, r.abstract, r.keywords or ()) for r in rows]
    y = {rid: int(any(lab in ("include", "maybe") for lab in labs)) for rid, labs in labels.items() if rid in index}
    unlabeled = [rid for rid in ids if rid not in y]
    ranker = Ranker.from_texts(texts) if texts else None
    fitted = bool(ranker and ranker.fit([index[r] for r in y], [y[r] for r in y]))
    order = ids
    if ranker is not None and ids:
        order = [ids[i] for i in ranker.rank(list(range(len(ids))))]
    next_up = [rid for rid in order if rid not in y]
    screened = [y[r] for r in sorted(y, key=lambda r: first[r])]
    stop = stopping_test(screened, len(ids)) if ids else None
    summary = {"stage": stage_v, "n_records": len(ids), "n_labeled": len(y), "n_included": sum(y.values()),
               "n_unlabeled": len(unlabeled), "model_fitted": fitted,
               "fit_seconds": ranker.last_fit_seconds if fitted else None,
               "top": next_up[:10], "stopping": stop.as_dict() if stop else None}
    return order, summary


def rank_summary(store: Store, stage: str = "title_abstract") -> dict[str, Any]:
    """The `rank --json` document: refit on the decisions so far and report."""
    return _ranked(store, Stage.parse(stage).value)[1]


def stop_screening(store: Store, by: str, force: bool = False) -> dict[str, Any]:
    """Stop title/abstract screening on the stopping rule: the records nobody has decided yet are
    recorded as excluded by automation (PRISMA's "records marked as ineligible by automation tools").

    Refused while the rule does not say it is safe, unless ``force`` (the team's own call, which
    the result and the log still record).
    """
    from screener.core.errors import UserError
    from screener.services.reviewers import reviewer_id
    from screener.storage.models import DecisionEvent, Resolution, utcnow

    stage_v = Stage.TITLE_ABSTRACT.value
    summary = rank_summary(store, stage_v)
    stop = summary["stopping"]
    if not stop or (not stop["safe_to_stop"] and not force):
        bound = f"{stop['recall_lower_bound']:.2f}" if stop else "unknown"
        raise UserError(f"the stopping rule does not say it is safe to stop yet (recall >= {bound} at 95% "
                        "confidence); keep screening, or use --force to stop anyway")
    with store.unit() as s:
        by_id = reviewer_id(s, by)
        decided = set(s.scalars(select(Decision.record_id).where(Decision.stage == stage_v)))
        resolved = set(s.scalars(select(Resolution.record_id).where(Resolution.stage == stage_v)))
        left = [rid for rid in s.scalars(select(Record.id).where(Record.duplicate_of.is_(None)).order_by(Record.id))
                if rid not in decided and rid not in resolved]
        now = utcnow()
        note = "stopped on the ranking's stopping rule" + (" (forced)" if not stop["safe_to_stop"] else "")
        for rid in left:
            s.add(Resolution(record_id=rid, stage=stage_v, label="exclude", reviewer_id=by_id, note=note,
                             automated=True, resolved_at=now))
            s.add(DecisionEvent(record_id=rid, reviewer_id=by_id, stage=stage_v, kind="resolution", before=None,
                                after={"label": "exclude", "automated": True, "note": note}, origin="stop"))
    return {"excluded_by_automation": len(left), "forced": not stop["safe_to_stop"], "stopping": stop}
