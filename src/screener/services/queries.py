"""Read models of the screening views: the ids of a query, display rows, one record, the queue.

The GUI's record list holds only the ordered ids of the current query (sort, filter and search
are done here, in SQL) and asks for display rows a page at a time, so a 100k-record project
costs one id query and a few small page queries, never 100k ORM objects.

Blinding is applied here, for the reviewer who is looking: while a stage is blind, other
reviewers' labels, reasons, tags and notes never leave this module, and a record's status says
only how many reviewers have decided it, not how.
"""

from __future__ import annotations

import importlib
import importlib.util
import shlex
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.io.text import clean
from screener.services.dto import DecisionInfo, RecordView
from screener.services.outcomes import eligible_records, judge, stage_outcomes, stage_rules
from screener.services.reviewers import reviewer_id
from screener.services.screening import check_record, record_decisions
from screener.storage.models import (Attachment, Decision, DecisionReason, Record, RecordSource, Resolution,
                                     Reviewer, Source, StageSettings)
from screener.storage.session import Store

#: What the list can be narrowed to. "mine_*" and "todo" look at the viewing reviewer's own
#: decisions; "conflict" needs an unblinded stage; the last three concern full texts.
FILTERS = ("all", "todo", "decided", "mine_include", "mine_exclude", "mine_maybe", "conflict",
           "attached", "not_retrieved", "no_fulltext")
#: "queue" follows the queue order; the others are columns of the list.
SORTS = ("queue", "id", "title", "year", "venue", "mine")
#: Queue orders. "relevance" needs the ranking service (see :func:`relevance_available`).
ORDERS = ("imported", "random", "relevance")

#: The ranking service module and function the "relevance" order calls, when installed:
#: ``relevance_order(store, stage, reviewer) -> list[int]`` (record ids, most relevant first).
RANKING_MODULE = "screener.services.ranking"
RANKING_FUNCTION = "relevance_order"


@dataclass(frozen=True)
class RecordQuery:
    """One view of the record list, as the reviewer ``reviewer`` sees it at ``stage``."""

    reviewer: str
    stage: str = Stage.TITLE_ABSTRACT.value
    search: str = ""
    filter: str = "all"
    sort: str = "queue"
    descending: bool = False
    order: str = "imported"
    seed: int = 1

    def with_changes(self, **changes) -> "RecordQuery":
        return replace(self, **changes)


@dataclass(frozen=True)
class RecordRow:
    """What one line of the record list shows. ``others`` is empty while the stage is blind."""

    id: int
    title: str
    year: int | None
    venue: str
    first_author: str
    mine: str | None
    status: str
    n_decisions: int
    others: tuple[tuple[str, str], ...]
    fulltext: str = ""


@dataclass(frozen=True)
class StageProgress:
    """How far a stage has come: for the viewing reviewer, and for the team.

    ``complete`` counts records with a final outcome; while the stage is blind it counts records
    decided by the required number of reviewers instead (agreement would reveal decisions), and
    ``conflicts`` is None.
    """

    stage: str
    eligible: int
    mine: int
    complete: int
    conflicts: int | None
    blinded: bool


# -- blinding --------------------------------------------------------------------------------

def is_blinded(session, stage: str) -> bool:
    """True while other reviewers' decisions at ``stage`` must stay hidden."""
    row = session.get(StageSettings, Stage.parse(stage).value)
    return bool(row is not None and row.blind and row.unblinded_at is None)


def blinded_stages(store: Store) -> dict[str, bool]:
    with store.read() as s:
        return {st.value: is_blinded(s, st.value) for st in Stage}


# -- the id list -----------------------------------------------------------------------------

def relevance_available() -> bool:
    """Whether a ranking service is installed that can order the queue by relevance."""
    return importlib.util.find_spec(RANKING_MODULE) is not None


def _relevance(store: Store, stage: str, reviewer: str) -> list[int]:
    if not relevance_available():
        raise UserError("ordering by relevance needs the ranking service, which is not installed")
    fn = getattr(importlib.import_module(RANKING_MODULE), RANKING_FUNCTION, None)
    if fn is None:
        raise UserError("the ranking service cannot order the queue in this version")
    return list(fn(store, stage, reviewer))


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: A search box holds words, not documents: at most this many terms of at most this length are
#: searched (SQLite refuses an expression deeper than 1000 and a LIKE pattern over 50 KB).
MAX_TERMS = 64
MAX_TERM_CHARS = 1000


def search_terms(text: str) -> list[str]:
    """Words and "quoted phrases" of a search box; an unbalanced quote counts as text.

    Control characters go first (PostgreSQL refuses a NUL in a parameter). A longer or wordier
    text is cut to the limits above: anything typed or pasted searches, nothing errors.
    """
    text = clean(text or "")
    try:
        parts = shlex.split(text)
    except ValueError:
        parts = text.replace('"', " ").split()
    terms = dict.fromkeys(t[:MAX_TERM_CHARS] for t in (" ".join(x.split()) for x in parts) if t)
    return list(terms)[:MAX_TERMS]


def _search_clause(term: str, dialect: str):
    pattern = _like(term)
    fields = [Record.title, Record.abstract, Record.journal, Record.doi, Record.arxiv_id, Record.pmid,
              cast(Record.authors, Text), cast(Record.keywords, Text)]
    if dialect == "sqlite":
        # SQLite's LIKE ignores case already (for ASCII, like its lower()); ILIKE would wrap both
        # sides in lower(), which makes a search over 100k abstracts about 2.5 times slower.
        clause = or_(*(f.like(pattern, escape="\\") for f in fields))
    else:
        clause = or_(*(f.ilike(pattern, escape="\\") for f in fields))
    number = term.lstrip("#")
    # ASCII digits only ("²".isdigit() is true, int("²") fails) and within a 64-bit id.
    if number.isascii() and number.isdigit() and len(number) <= 18:
        clause = or_(clause, Record.id == int(number))
    return clause


def record_ids(store: Store, query: RecordQuery) -> list[int]:
    """The ordered ids of the records a query shows (active records eligible for its stage)."""
    stage = Stage.parse(query.stage).value
    if query.filter not in FILTERS:
        raise UserError(f"unknown filter {query.filter!r}: use one of {', '.join(FILTERS)}")
    if query.sort not in SORTS:
        raise UserError(f"unknown sort {query.sort!r}: use one of {', '.join(SORTS)}")
    if query.order not in ORDERS:
        raise UserError(f"unknown queue order {query.order!r}: use one of {', '.join(ORDERS)}")
    with store.read() as s:
        me = reviewer_id(s, query.reviewer)
        mine = aliased(Decision)
        stmt = (select(Record.id)
                .outerjoin(mine, and_(mine.record_id == Record.id, mine.reviewer_id == me, mine.stage == stage))
                .where(Record.duplicate_of.is_(None)))
        stmt, keep = _apply_filter(s, stmt, query.filter, stage, mine)
        for term in search_terms(query.search):
            stmt = stmt.where(_search_clause(term, store.dialect))
        stmt = stmt.order_by(*_order_by(query, mine))
        ids = list(s.scalars(stmt))
        if stage == Stage.FULL_TEXT.value:
            # The full-text stage takes the records that passed title/abstract, by the one rule
            # in services.outcomes (kept in Python there, so it is not restated in SQL here).
            passed = set(eligible_records(s, stage))
            keep = passed if keep is None else keep & passed
        if keep is not None:
            ids = [i for i in ids if i in keep]
    if query.sort == "queue":
        ids = _queue_order(store, ids, query)
    return ids


def _apply_filter(session, stmt, name: str, stage: str, mine):
    """Narrow ``stmt`` in SQL; returns it with a set of ids to keep afterwards, or None."""
    if name == "todo":
        return stmt.where(mine.id.is_(None)), None
    if name == "decided":
        return stmt.where(mine.id.is_not(None)), None
    if name.startswith("mine_"):
        return stmt.where(mine.label == name.removeprefix("mine_")), None
    if name == "conflict":
        if is_blinded(session, stage):
            raise UserError("conflicts stay hidden while the stage is blind; an owner can unblind it")
        # The conflict rule lives in services.outcomes; its result is intersected in Python
        # rather than passed as a long IN list (SQLite limits bound parameters).
        return stmt, {rid for rid, o in stage_outcomes(session, stage).items() if o.state == "conflict"}
    if name in ("attached", "not_retrieved"):
        return stmt.where(Record.id.in_(select(Attachment.record_id).where(Attachment.status == name))), None
    if name == "no_fulltext":
        return stmt.where(Record.id.not_in(select(Attachment.record_id))), None
    return stmt, None


def _order_by(query: RecordQuery, mine) -> list:
    def d(col):
        return col.desc() if query.descending else col.asc()

    if query.sort == "title":
        return [d(func.lower(Record.title)), d(Record.id)]
    if query.sort == "venue":
        return [d(func.lower(Record.journal)), d(Record.id)]
    if query.sort == "year":
        # Records without a year go last whichever way the column is sorted.
        return [case((Record.year.is_(None), 1), else_=0), d(Record.year), d(Record.id)]
    if query.sort == "mine":
        undecided_first = case((mine.label.is_(None), 0), else_=1)
        return [d(undecided_first), d(mine.label), d(Record.id)]
    if query.sort == "id":
        return [d(Record.id)]
    return [Record.id]  # queue: ids come in import order, reordered by _queue_order


def _queue_order(store: Store, ids: list[int], query: RecordQuery) -> list[int]:
    if query.order == "random":
        ids = [ids[i] for i in np.argsort(random_keys(ids, query.seed), kind="stable")]
    elif query.order == "relevance":
        rank = {rid: i for i, rid in enumerate(_relevance(store, query.stage, query.reviewer))}
        last = len(rank)
        ids = sorted(ids, key=lambda rid: rank.get(rid, last))
    return ids[::-1] if query.descending else ids


def random_keys(ids: Sequence[int], seed: int) -> np.ndarray:
    """A seeded pseudo-random key per record id (splitmix64), the same for an id in any subset.

    Keying each id on its own (instead of shuffling the list) keeps the order of a filtered or
    searched list consistent with the full queue, and stable when records are added.
    """
    with np.errstate(over="ignore"):
        x = np.asarray(ids, dtype=np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


# -- display rows ----------------------------------------------------------------------------

def _first_author(authors) -> str:
    if not authors:
        return ""
    first = str(authors[0])
    surname = first.split(",")[0].strip() if "," in first else (first.split()[-1] if first.split() else first)
    return f"{surname} et al." if len(authors) > 1 else surname


def display_rows(store: Store, ids: Sequence[int], reviewer: str, stage: str) -> list[RecordRow]:
    """Display rows for ``ids`` (one page of the list), in the order given; blinding applied."""
    stage = Stage.parse(stage).value
    ids = [int(i) for i in ids]
    if not ids:
        return []
    with store.read() as s:
        me = reviewer_id(s, reviewer)
        blind = is_blinded(s, stage)
        rules = stage_rules(s, stage)
        base = {r.id: r for r in s.execute(select(Record.id, Record.title, Record.year, Record.journal,
                                                    Record.authors).where(Record.id.in_(ids)))}
        primary = (select(DecisionReason.reason_id).where(DecisionReason.decision_id == Decision.id)
                   .order_by(DecisionReason.position).limit(1).scalar_subquery())
        votes: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
        mine: dict[int, str] = {}
        others: dict[int, list[tuple[str, str]]] = defaultdict(list)
        q = (select(Decision.record_id, Decision.reviewer_id, Decision.label, primary, Reviewer.name)
             .join(Reviewer, Reviewer.id == Decision.reviewer_id)
             .where(Decision.stage == stage, Decision.record_id.in_(ids)).order_by(Reviewer.name))
        for rid, rev, label, reason, name in s.execute(q):
            votes[rid].append((label, reason))
            if rev == me:
                mine[rid] = label
            else:
                others[rid].append((name, label))
        resolved = {rid: (label, at) for rid, label, at in s.execute(
            select(Resolution.record_id, Resolution.label, Resolution.resolved_at)
            .where(Resolution.stage == stage, Resolution.record_id.in_(ids)))}
        # the records merged into a shown one take part in its outcome (see services.outcomes)
        outcomes = {} if blind else judge(s, stage, rules, ids, votes, resolved)
        fulltext = dict(s.execute(select(Attachment.record_id, Attachment.status)
                                  .where(Attachment.record_id.in_(ids))).all())
    rows = []
    for rid in ids:
        r = base.get(rid)
        if r is None:
            continue
        n = len(votes.get(rid, ()))
        if blind:
            status = "unscreened" if n == 0 else ("complete" if n >= rules.required else "pending")
        else:
            status = outcomes[rid].state
        rows.append(RecordRow(rid, r.title or "", r.year, r.journal or "", _first_author(r.authors), mine.get(rid),
                              status, n, () if blind else tuple(others.get(rid, ())), fulltext.get(rid, "")))
    return rows


def my_labels(store: Store, reviewer: str, stage: str) -> dict[int, str]:
    """The viewing reviewer's own label of every record they decided at ``stage``."""
    stage = Stage.parse(stage).value
    with store.read() as s:
        me = reviewer_id(s, reviewer)
        return dict(s.execute(select(Decision.record_id, Decision.label)
                              .where(Decision.reviewer_id == me, Decision.stage == stage)).all())


# -- one record ------------------------------------------------------------------------------

def record_view(store: Store, record_id: int, reviewer: str) -> RecordView:
    """Everything the record pane shows, with other reviewers' decisions hidden where blind."""
    from screener.services.fulltext import attachment_info

    with store.read() as s:
        rec = s.get(Record, int(record_id))
        if rec is None:
            check_record(s, record_id)  # raises the standard "unknown record" error
        reviewer_id(s, reviewer)
        hidden = {st.value for st in Stage if is_blinded(s, st.value)}
        decisions = tuple(d for d in record_decisions(s, rec.id)
                          if d.reviewer == reviewer or d.stage not in hidden)
        names = s.scalars(select(Source.name).join(RecordSource, RecordSource.source_id == Source.id)
                          .where(RecordSource.record_id == rec.id).order_by(Source.id))
        sources = tuple(dict.fromkeys(names))
        att = s.scalar(select(Attachment).where(Attachment.record_id == rec.id))
        attachment = attachment_info(store, att).as_dict() if att is not None else None
        return RecordView(rec.id, rec.title or "", rec.abstract or "", tuple(rec.authors or ()), rec.year,
                          rec.journal or "", rec.volume or "", rec.issue or "", rec.pages or "", rec.doi or "",
                          rec.pmid or "", rec.arxiv_id or "", rec.url or "", tuple(rec.keywords or ()),
                          rec.pub_type or "", rec.language or "", dict(rec.extra or {}), sources,
                          rec.duplicate_of, decisions, attachment)


def my_decision(view: RecordView, reviewer: str, stage: str) -> DecisionInfo | None:
    """The viewing reviewer's decision at ``stage`` within a record view."""
    stage = Stage.parse(stage).value
    return next((d for d in view.decisions if d.reviewer == reviewer and d.stage == stage), None)


# -- the queue and progress ------------------------------------------------------------------

def next_record(store: Store, query: RecordQuery, after: int | None = None) -> int | None:
    """The next record of the queue the reviewer has not decided at the stage, or None.

    Follows the query's order from just after ``after`` (from the start without one) and wraps
    around, so records skipped earlier come back at the end.
    """
    ids = record_ids(store, query)
    done = my_labels(store, query.reviewer, query.stage)
    start = ids.index(after) + 1 if after in ids else 0
    for rid in ids[start:] + ids[:start]:
        if rid not in done and rid != after:
            return rid
    return None


def stage_progress(store: Store, reviewer: str, stage: str) -> StageProgress:
    """Counts for the progress bars of a stage, with blinding applied."""
    stage = Stage.parse(stage).value
    with store.read() as s:
        me = reviewer_id(s, reviewer)
        eligible = eligible_records(s, stage)
        eligible_set = set(eligible)
        blind = is_blinded(s, stage)
        rows = s.execute(select(Decision.record_id, Decision.reviewer_id).where(Decision.stage == stage)).all()
        mine = sum(1 for rid, rev in rows if rev == me and rid in eligible_set)
        if blind:
            rules = stage_rules(s, stage)
            counts: dict[int, int] = defaultdict(int)
            for rid, _ in rows:
                if rid in eligible_set:
                    counts[rid] += 1
            complete = sum(1 for n in counts.values() if n >= rules.required)
            conflicts = None
        else:
            outcomes = stage_outcomes(s, stage, eligible)
            complete = sum(1 for o in outcomes.values() if o.state in ("include", "exclude", "maybe"))
            conflicts = sum(1 for o in outcomes.values() if o.state == "conflict")
    return StageProgress(stage, len(eligible), mine, complete, conflicts, blind)
