"""The tables review papers print: included studies with their tags, facet-by-facet counts, and
counts per year per tag (the trend figures).

A record's tags at a stage are the union of its reviewers' tags there. The facet of a tag is
the first name of its path; its value is the rest ("Task > Segmentation" is facet Task, value
Segmentation; a facet tagged on its own has the facet name as value).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

from sqlalchemy import select

from screener.core.enums import Stage
from screener.services.outcomes import stage_outcomes
from screener.services.taxonomy import SEP, list_tags, tag_paths
from screener.storage.models import Decision, DecisionTag, Record, Resolution
from screener.storage.session import Store


def _split(path: str) -> tuple[str, str]:
    parts = [p.strip() for p in path.split(SEP)]
    return parts[0], (f" {SEP} ".join(parts[1:]) if len(parts) > 1 else parts[0])


def _included_with_tags(store: Store, stage: str | None) -> tuple[str, list[int], dict[int, set[str]]]:
    """The stage used, the records included there, and each one's tag paths."""
    with store.read() as s:
        if stage is None:
            ft = stage_outcomes(s, Stage.FULL_TEXT.value)
            stage = Stage.FULL_TEXT.value if any(o.state == "include" for o in ft.values()) else Stage.TITLE_ABSTRACT.value
        stage_v = Stage.parse(stage).value
        included = sorted(rid for rid, o in stage_outcomes(s, stage_v).items() if o.state == "include")
        paths = tag_paths(s)
        tags: dict[int, set[str]] = defaultdict(set)
        q = (select(Decision.record_id, DecisionTag.tag_id).join(DecisionTag, DecisionTag.decision_id == Decision.id)
             .where(Decision.stage == stage_v))
        wanted = set(included)
        for rid, tid in s.execute(q):
            if rid in wanted:
                tags[rid].add(paths[tid])
        # an adjudicator's final tags replace the union of the reviewers' tags
        for rid, tag_ids in s.execute(select(Resolution.record_id, Resolution.tag_ids)
                                      .where(Resolution.stage == stage_v, Resolution.tag_ids.is_not(None))):
            if rid in wanted and tag_ids is not None:
                tags[rid] = {paths[t] for t in tag_ids}
    return stage_v, included, tags


def tags_table(store: Store, stage: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """One row per included record: id, title, year, then one column per facet with its values."""
    stage_v, included, tags = _included_with_tags(store, stage)
    facets = list(dict.fromkeys(t.path for t in list_tags(store, include_retired=True) if t.depth == 0))
    for paths in tags.values():  # facets retired or created since still show
        for p in paths:
            if _split(p)[0] not in facets:
                facets.append(_split(p)[0])
    with store.read() as s:
        info = {r.id: (r.title, r.year, r.study_id)
                for r in s.execute(select(Record.id, Record.title, Record.year, Record.study_id)
                                   .where(Record.id.in_(included)))} if included else {}
    rows = []
    for rid in included:
        by_facet: dict[str, list[str]] = defaultdict(list)
        for p in sorted(tags.get(rid, ())):
            facet, value = _split(p)
            by_facet[facet].append(value)
        title, year, study = info.get(rid, ("", None, None))
        # study_id: the main record of the study this report belongs to (itself when not linked)
        rows.append([rid, title, year if year is not None else "", stage_v, study or rid]
                    + ["; ".join(by_facet.get(f, [])) for f in facets])
    return ["record_id", "title", "year", "stage", "study_id"] + facets, rows


def crosstab_table(store: Store, stage: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Facet × facet counts of included records (long form: one row per pair of values)."""
    _, included, tags = _included_with_tags(store, stage)
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for rid in included:
        values = sorted({_split(p) for p in tags.get(rid, ())})
        for (fa, va), (fb, vb) in combinations(values, 2):
            if fa != fb:
                counts[(fa, va, fb, vb)] += 1
    rows = [[fa, va, fb, vb, n] for (fa, va, fb, vb), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ["facet_a", "value_a", "facet_b", "value_b", "records"], rows


def year_tags_table(store: Store, stage: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Included records per publication year per tag value (long form), for trend figures.

    A record counts once per value it carries; records without a year go under year "".
    Rows are ordered by facet, value, then year.
    """
    _, included, tags = _included_with_tags(store, stage)
    with store.read() as s:
        years = dict(s.execute(select(Record.id, Record.year).where(Record.id.in_(included))).all()) if included else {}
    counts: Counter[tuple[str, str, int | None]] = Counter()
    for rid in included:
        for facet, value in {_split(p) for p in tags.get(rid, ())}:
            counts[(facet, value, years.get(rid))] += 1
    order = sorted(counts, key=lambda k: (k[0], k[1], k[2] is None, k[2] or 0))
    return ["year", "facet", "value", "records"], [[y if y is not None else "", f, v, counts[(f, v, y)]]
                                                  for f, v, y in order]
