"""Relevance ranking of a project's unscreened records, and whether it is safe to stop.

A record counts as relevant for learning when its title/abstract resolution says include (or
maybe), or, without one, when any reviewer included it (or marked it maybe); as irrelevant when
every reviewer who decided excluded it: a single include is a signal worth learning from before
the conflict is resolved. Records excluded by automation (after a stop) are no evidence.

The TF-IDF features of a project are built once and kept (per project, stage and process) until
the records change, so a refit after a few more decisions costs only the classifier: the GUI's
debounced background refit and the queue order both go through :func:`ranking_snapshot`.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sqlalchemy import func, select

from screener.core.enums import Role, Stage
from screener.ranking.features import record_text
from screener.ranking.model import DRY_RUN, Ranker, RankerSettings
from screener.ranking.stopping import StoppingEstimate, stopping_test
from screener.storage.models import Decision, DecisionEvent, Record, Resolution, Reviewer
from screener.storage.session import Store

#: the simple rule shown beside the statistical one: stop after this many excluded in a row
#: (the ranking's own "run dry" point, after which it brings up the records without text)
HEURISTIC_IN_A_ROW = DRY_RUN
#: the statistical rule's target recall and confidence (Callaghan & Müller-Hansen 2020)
RECALL_TARGET = 0.95
CONFIDENCE = 0.95


@dataclass(frozen=True)
class RankingSnapshot:
    """The ranking after the decisions so far, and what the stopping rules say."""

    stage: str
    #: every active record id: those the viewing reviewer decided (in the order decided), then
    #: the others most relevant first (imported order while no model exists)
    order: tuple[int, ...]
    #: relevance of each record as a percentile of the project (100 = most relevant); empty
    #: while no model exists
    scores: dict[int, float]
    model_fitted: bool
    n_records: int
    n_labeled: int
    n_included: int
    fit_seconds: float | None
    settings: dict[str, Any]
    stopping: StoppingEstimate | None
    heuristic_in_a_row: int = HEURISTIC_IN_A_ROW
    #: records nobody has decided yet, next up first
    next_up: tuple[int, ...] = field(default=())

    @property
    def heuristic_says_stop(self) -> bool:
        return self.stopping is not None and self.stopping.consecutive_excluded >= self.heuristic_in_a_row


# -- the per-project cache of features -----------------------------------------------------------------

@dataclass
class _Entry:
    records_key: tuple
    ids: list[int]
    ranker: Ranker
    settings: RankerSettings
    lock: threading.Lock = field(default_factory=threading.Lock)


_CACHE: dict[tuple[str, str], _Entry] = {}
_CACHE_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def _records_key(session) -> tuple:
    # changes whenever a record is added, merged away, split back or edited (version bumps)
    row = session.execute(select(func.count(Record.id), func.coalesce(func.sum(Record.id), 0),
                                 func.coalesce(func.max(Record.id), 0), func.coalesce(func.sum(Record.version), 0))
                          .where(Record.duplicate_of.is_(None))).one()
    return tuple(int(v) for v in row)


def _entry(store: Store, stage: str, settings: RankerSettings | None) -> _Entry:
    """The cached features of the project (rebuilt when its records or feature settings changed)."""
    cache_key = (store.project, stage)
    with _CACHE_LOCK:
        build_lock = _BUILD_LOCKS.setdefault(cache_key, threading.Lock())
    # one build at a time per project: the queue (db lane) and a background refit (cpu lane)
    # may both ask first; the second then finds the first one's features
    with build_lock:
        with store.read() as s:
            key = _records_key(s)
            with _CACHE_LOCK:
                entry = _CACHE.get(cache_key)
            if settings is None:
                settings = entry.settings if entry is not None else RankerSettings()
            if entry is not None and entry.records_key == key and entry.settings.features == settings.features:
                if entry.settings != settings:
                    with entry.lock:
                        entry.ranker.settings = settings
                        entry.settings = settings
                return entry
            rows = s.execute(select(Record.id, Record.title, Record.abstract, Record.keywords)
                             .where(Record.duplicate_of.is_(None)).order_by(Record.id)).all()
        texts = [record_text(r.title, r.abstract, r.keywords or (), settings.features.title_weight) for r in rows]
        entry = _Entry(key, [r.id for r in rows], Ranker.from_texts(texts, settings), settings)
        with _CACHE_LOCK:
            _CACHE[cache_key] = entry
        return entry


def forget_features(store: Store) -> None:
    """Drop the cached features of a project (when it is closed)."""
    with _CACHE_LOCK:
        for key in [k for k in _CACHE if k[0] == store.project]:
            del _CACHE[key]
            _BUILD_LOCKS.pop(key, None)


# -- decisions as training data --------------------------------------------------------------------------

def _training_data(store: Store, stage: str, reviewer: str | None):
    """Per record: relevant 0/1, when it was first decided, the viewing reviewer's decision times, and
    the records excluded by automation (closed, but no evidence)."""
    from screener.storage.models import Reviewer

    with store.read() as s:
        labels: dict[int, list[str]] = defaultdict(list)
        first: dict[int, Any] = {}
        mine: dict[int, Any] = {}
        q = (select(Decision.record_id, Decision.label, Decision.decided_at, Reviewer.name)
             .join(Reviewer, Reviewer.id == Decision.reviewer_id).where(Decision.stage == stage))
        for rid, label, at, name in s.execute(q):
            labels[rid].append(label)
            first[rid] = min(first.get(rid, at), at)
            if reviewer is not None and name == reviewer:
                mine[rid] = at
        resolved: dict[int, str] = {}
        automated: set[int] = set()
        for rid, label, auto, at in s.execute(select(Resolution.record_id, Resolution.label, Resolution.automated,
                                                     Resolution.resolved_at).where(Resolution.stage == stage)):
            if auto:
                automated.add(rid)
            else:
                resolved[rid] = label
                first[rid] = min(first.get(rid, at), at)
    y: dict[int, int] = {}
    for rid in set(labels) | set(resolved):
        if rid in automated and rid not in labels:
            continue
        if rid in resolved:
            y[rid] = int(resolved[rid] in ("include", "maybe"))
        else:
            y[rid] = int(any(lab in ("include", "maybe") for lab in labels[rid]))
    return y, first, mine, automated


def ranking_snapshot(store: Store, stage: str = "title_abstract", reviewer: str | None = None,
                     settings: RankerSettings | None = None) -> RankingSnapshot:
    """Refit the relevance model on the decisions so far; the queue order, scores and stopping rules.

    ``settings`` None keeps the settings last used for this project in this process (the
    defaults at first). Runs off the GUI thread: features are cached, so only the first call
    on a project pays for building them.
    """
    stage_v = Stage.parse(stage).value
    entry = _entry(store, stage_v, settings)
    y, first, mine, automated = _training_data(store, stage_v, reviewer)
    index = {rid: i for i, rid in enumerate(entry.ids)}
    labeled = [rid for rid in sorted(y, key=lambda r: (first[r], r)) if rid in index]
    with entry.lock:  # one fit at a time on a shared ranker
        ranker, settings = entry.ranker, entry.settings
        start = time.perf_counter()
        fitted = ranker.fit([index[r] for r in labeled], [y[r] for r in labeled])
        fit_seconds = time.perf_counter() - start if fitted else None
        todo_rows = [i for i, rid in enumerate(entry.ids) if rid not in mine]
        # seeded by the number of decisions, so the same decisions give the same queue
        rng = np.random.default_rng([settings.seed, len(labeled)])
        ranked = ranker.rank(todo_rows, rng) if todo_rows else np.zeros(0, dtype=np.int64)
        raw = ranker.scores()
        scores = _percentiles(entry.ids, raw) if raw is not None else {}
    decided = sorted((rid for rid in mine if rid in index), key=lambda r: (mine[r], r))
    order = tuple(decided) + tuple(entry.ids[i] for i in ranked)
    screened = [y[r] for r in labeled]
    # the stopping rules are about title/abstract screening of the whole search; at full text
    # every report is read
    title_abstract = stage_v == Stage.TITLE_ABSTRACT.value
    stop = stopping_test(screened, len(entry.ids), RECALL_TARGET, CONFIDENCE) if entry.ids and title_abstract else None
    return RankingSnapshot(
        stage=stage_v, order=order, scores=scores, model_fitted=fitted, n_records=len(entry.ids),
        n_labeled=len(labeled), n_included=int(sum(screened)), fit_seconds=fit_seconds,
        settings=settings.as_dict(), stopping=stop,
        next_up=tuple(rid for rid in order if rid not in y and rid not in mine and rid not in automated),
    )


def _percentiles(ids: list[int], raw: np.ndarray) -> dict[int, float]:
    # tied scores share their mean rank: the queue keeps ties in imported order, and a column
    # that showed them rising along the queue would say the model prefers the later ones
    ranks = rankdata(raw, method="average") - 1.0
    pct = 100.0 * ranks / max(1, raw.size - 1)
    return dict(zip(ids, pct.tolist(), strict=True))


def relevance_order(store: Store, stage: str = "title_abstract", reviewer: str | None = None) -> list[int]:
    """Every active record id in queue order: those the reviewer decided, then the rest most relevant first.

    The model learns from every reviewer's decisions, so in dual screening the second reviewer's
    queue also profits from what the first one decided.
    """
    return list(ranking_snapshot(store, stage, reviewer).order)


def rank_summary(store: Store, stage: str = "title_abstract", settings: RankerSettings | None = None) -> dict[str, Any]:
    """The `rank --json` document: refit on the decisions so far and report."""
    snap = ranking_snapshot(store, stage, None, settings)
    return {"stage": snap.stage, "n_records": snap.n_records, "n_labeled": snap.n_labeled,
            "n_included": snap.n_included, "n_unlabeled": snap.n_records - snap.n_labeled,
            "model_fitted": snap.model_fitted, "fit_seconds": snap.fit_seconds, "top": list(snap.next_up[:10]),
            "settings": snap.settings,
            "stopping": snap.stopping.as_dict() if snap.stopping else None,
            "heuristic": {"in_a_row": snap.heuristic_in_a_row, "says_stop": snap.heuristic_says_stop}}


# -- stopping ---------------------------------------------------------------------------------------------

def _criterion(stop: dict[str, Any], forced: bool) -> dict[str, Any]:
    return {"rule": "Callaghan & Müller-Hansen (2020) hypergeometric stopping test",
            "recall_target": stop["recall_target"], "confidence": stop["confidence"],
            "p_value": stop["p_value"], "safe_to_stop": stop["safe_to_stop"],
            "recall_lower_bound": stop["recall_lower_bound"], "estimated_recall": stop["estimated_recall"],
            "n_screened": stop["n_screened"], "n_records": stop["n_records"], "n_included": stop["n_included"],
            "consecutive_excluded": stop["consecutive_excluded"], "forced": forced}


def _model_description(settings: dict[str, Any]) -> str:
    names = {"svm": "linear SVM", "logistic": "logistic regression", "nb": "naive Bayes"}
    model = " + ".join(names.get(m, m) for m in settings["model"].split("+"))
    f = settings["features"]
    grams = f"word {f['word_ngrams'][0]}-{f['word_ngrams'][1]}-grams"
    if f["char_ngrams"][0] > 0:
        grams += f" and character {f['char_ngrams'][0]}-{f['char_ngrams'][1]}-grams"
    return f"{model} on TF-IDF {grams} of title, abstract and keywords, retrained after decisions"


def stop_screening(store: Store, by: str, force: bool = False) -> dict[str, Any]:
    """Stop title/abstract screening on the stopping rule: the records nobody has decided yet are
    recorded as excluded by automation (PRISMA's "records marked as ineligible by automation tools"),
    each with the model, its settings and the criterion that allowed the stop.

    Refused while the rule does not say it is safe, unless ``force`` (the team's own call, which
    the result and the log still record).
    """
    from screener.core.errors import UserError
    from screener.services.reviewers import reviewer_id
    from screener.storage.models import utcnow

    stage_v = Stage.TITLE_ABSTRACT.value
    summary = rank_summary(store, stage_v)
    stop = summary["stopping"]
    if not stop or (not stop["safe_to_stop"] and not force):
        bound = f"{stop['recall_lower_bound']:.2f}" if stop else "unknown"
        raise UserError(f"the stopping rule does not say it is safe to stop yet (recall >= {bound} at 95% "
                        "confidence); keep screening, or use --force to stop anyway")
    forced = not stop["safe_to_stop"]
    criterion = _criterion(stop, forced)
    model = {"description": _model_description(summary["settings"]), "settings": summary["settings"]}
    note = (f"excluded by automation: screening stopped on the stopping rule (recall >= {stop['recall_target']:.0%} "
            f"at {stop['confidence']:.0%} confidence, p = {stop['p_value']:.3g}"
            + ("; forced by the team before the rule allowed it" if forced else "")
            + f") after {stop['n_screened']} of {stop['n_records']} records; ranking: {model['description']}")
    with store.unit() as s:
        by_id = reviewer_id(s, by)
        # Stopping decides the unscreened records for the whole team: the owner's or an
        # adjudicator's call, as resolving conflicts is.
        if s.get(Reviewer, by_id).role not in (Role.OWNER.value, Role.ADJUDICATOR.value):
            raise UserError(f"{by} is a reviewer: only the owner or an adjudicator may stop screening for the team")
        decided = set(s.scalars(select(Decision.record_id).where(Decision.stage == stage_v)))
        resolved = set(s.scalars(select(Resolution.record_id).where(Resolution.stage == stage_v)))
        left = [rid for rid in s.scalars(select(Record.id).where(Record.duplicate_of.is_(None)).order_by(Record.id))
                if rid not in decided and rid not in resolved]
        now = utcnow()
        after = {"label": "exclude", "automated": True, "note": note, "criterion": criterion, "model": model}
        for rid in left:
            s.add(Resolution(record_id=rid, stage=stage_v, label="exclude", reviewer_id=by_id, note=note,
                             automated=True, resolved_at=now))
            s.add(DecisionEvent(record_id=rid, reviewer_id=by_id, stage=stage_v, kind="resolution", before=None,
                                after=after, origin="stop"))
    return {"excluded_by_automation": len(left), "forced": forced, "stopping": stop, "criterion": criterion,
            "model": model}


def automation_report(store: Store) -> dict[str, Any] | None:
    """How the last stop on the stopping rule was made (model, settings, criterion, count), or None.

    For PRISMA's methods text: item 8 asks for the automation tools used and how.
    """
    with store.read() as s:
        last = s.execute(select(DecisionEvent.after, DecisionEvent.at).where(DecisionEvent.origin == "stop")
                         .order_by(DecisionEvent.id.desc()).limit(1)).first()
        if last is None or not last.after or "criterion" not in last.after:
            return None
        n = s.scalar(select(func.count(Resolution.id)).where(Resolution.automated.is_(True),
                                                              Resolution.stage == Stage.TITLE_ABSTRACT.value))
    c, m = last.after["criterion"], last.after["model"]
    sentence = (f"Records were screened in order of predicted relevance ({m['description']}). Title and abstract "
                f"screening was stopped after {c['n_screened']:,} of {c['n_records']:,} records"
                + (", before the stopping rule allowed it" if c["forced"] else
                   f", when a hypergeometric stopping test (Callaghan & Müller-Hansen 2020) rejected a recall below "
                   f"{c['recall_target']:.0%} at {c['confidence']:.0%} confidence (p = {c['p_value']:.3g})")
                + f"; the {n:,} records left unscreened were marked as ineligible by this automation tool.")
    return {"excluded_by_automation": int(n or 0), "stopped_at": last.at, "criterion": c, "model": m,
            "sentence": sentence}


def with_exploration(settings: RankerSettings | None, exploration: float) -> RankerSettings:
    """``settings`` (the defaults when None) with another exploration share."""
    return replace(settings or RankerSettings(), exploration=exploration)
