"""Exporting project tables to CSV, TSV, XLSX, RIS and BibTeX, and the review figures to SVG and
PNG (every file written atomically).

The ``included`` and ``excluded`` tables are the records table plus, at the end, the stage the
outcome is from, the final reasons (primary first: PRISMA item 16b for excluded full-text
reports) and the study each report belongs to. ``year-tags`` and ``crosstab`` can also be
written as figures (``.svg``, ``.png``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.core.records import RecordData
from screener.io.columns import extra_header, join_list
from screener.services.outcomes import stage_outcomes
from screener.services.taxonomy import tag_paths
from screener.storage.models import (Decision, DecisionReason, DecisionTag, Reason, Record, RecordSource,
                                     Reviewer, Source)
from screener.storage.session import Store

RECORD_COLUMNS = ["record_id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
                  "abstract", "sources", "duplicate_of", "arxiv_id", "url", "keywords", "pub_type", "language"]
DECISION_COLUMNS = ["record_id", "reviewer", "stage", "label", "reasons", "tags", "note", "decided_at"]
TABLES = ("records", "included", "excluded", "decisions", "tags", "crosstab", "year-tags")
RECORD_TABLES = ("records", "included", "excluded")
PLOT_TABLES = ("crosstab", "year-tags")
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")
BIBLIO_SUFFIXES = (".ris", ".bib")
PLOT_SUFFIXES = (".svg", ".png")


def formats_for(table: str) -> tuple[str, ...]:
    """The file suffixes ``table`` can be exported to."""
    return (TABLE_SUFFIXES + (BIBLIO_SUFFIXES if table in RECORD_TABLES else ())
            + (PLOT_SUFFIXES if table in PLOT_TABLES else ()))


def export_table(store: Store, table: str, out: str | Path, stage: str | None = None) -> dict[str, Any]:
    """Write ``table`` to ``out`` in the format its suffix names; returns what was written."""
    out = Path(out)
    suffix = out.suffix.lower()
    if table not in TABLES:
        raise UserError(f"unknown table {table!r}: use one of {', '.join(TABLES)}")
    if suffix not in TABLE_SUFFIXES + BIBLIO_SUFFIXES + PLOT_SUFFIXES:
        raise UserError(f"{out}: unknown export format {suffix or '(no suffix)'}:"
                        " use .csv, .tsv, .xlsx, .ris, .bib, .svg or .png")
    if suffix in BIBLIO_SUFFIXES and table not in RECORD_TABLES:
        raise UserError(f"{out}: .ris and .bib hold records; export the {table} table as .csv, .tsv or .xlsx")
    if suffix in PLOT_SUFFIXES and table not in PLOT_TABLES:
        raise UserError(f"{out}: only the {' and '.join(PLOT_TABLES)} tables are drawn as figures;"
                        f" export the {table} table as .csv, .tsv or .xlsx")
    if not out.parent.exists():
        raise UserError(f"{out}: the folder {out.parent} does not exist")
    if table in RECORD_TABLES:
        ids = None
        if table != "records":
            ids = _ids_with_outcome(store, "include" if table == "included" else "exclude", stage)
        if suffix in BIBLIO_SUFFIXES:
            records = [rd for _, rd in record_data(store, ids)]
            from screener.io.biblio_writers import write_bibtex, write_ris
            from screener.io.atomic import atomic_write_text

            text = write_ris(records) if suffix == ".ris" else write_bibtex(records)
            atomic_write_text(out, text)
            return {"table": table, "path": str(out), "rows": len(records)}
        columns, rows = records_table(store, ids)
        if ids is not None:
            columns, rows = _with_outcome_columns(store, columns, rows, table, stage)
    elif table == "decisions":
        columns, rows = decisions_table(store, stage)
    else:
        from screener.services.review_tables import crosstab_table, tags_table, year_tags_table

        make = {"tags": tags_table, "crosstab": crosstab_table, "year-tags": year_tags_table}[table]
        columns, rows = make(store, stage)
        if suffix in PLOT_SUFFIXES:
            from screener.io.atomic import atomic_write_bytes, atomic_write_text
            from screener.stats.review_plots import crosstab_svg, to_png, year_tags_svg

            svg = (year_tags_svg if table == "year-tags" else crosstab_svg)(rows)
            if suffix == ".svg":
                atomic_write_text(out, svg)
            else:
                atomic_write_bytes(out, to_png(svg))
            return {"table": table, "path": str(out), "rows": len(rows)}
    from screener.io.table_writers import write_table

    write_table(out, columns, rows)
    return {"table": table, "path": str(out), "rows": len(rows)}


def _with_outcome_columns(store: Store, columns: list[str], rows: list[list[Any]], table: str,
                          stage: str | None) -> tuple[list[str], list[list[Any]]]:
    """Append stage, final reasons (excluded) and study to the rows of the included/excluded tables."""
    from screener.services.prisma import final_reasons

    stage_v = Stage.parse(stage or "title_abstract").value
    ids = [row[0] for row in rows]
    with store.read() as s:
        reasons = final_reasons(s, stage_v, ids) if table == "excluded" else {}
        study = dict(s.execute(select(Record.id, Record.study_id).where(Record.study_id.is_not(None))).all())
    extra = ["stage"] + (["reasons"] if table == "excluded" else []) + ["study_id"]
    out = []
    for row, rid in zip(rows, ids):
        tail = [stage_v] + (["; ".join(reasons.get(rid, []))] if table == "excluded" else []) + [study.get(rid, rid)]
        out.append(row + tail)
    return columns + extra, out


def _ids_with_outcome(store: Store, label: str, stage: str | None) -> list[int]:
    with store.read() as s:
        stage_v = Stage.parse(stage or "title_abstract").value
        outcomes = stage_outcomes(s, stage_v)
        return sorted(rid for rid, o in outcomes.items() if o.state == label)


def _record_rows(session, ids: list[int] | None) -> Iterable[Record]:
    q = select(Record).order_by(Record.id)
    if ids is not None:
        q = q.where(Record.id.in_(ids)) if len(ids) < 30000 else q
    wanted = set(ids) if ids is not None else None
    for rec in session.scalars(q.execution_options(yield_per=2000)):
        if wanted is None or rec.id in wanted:
            yield rec


def to_record_data(rec: Record) -> RecordData:
    return RecordData(title=rec.title, abstract=rec.abstract, authors=tuple(rec.authors or ()), year=rec.year,
                      journal=rec.journal, volume=rec.volume, issue=rec.issue, pages=rec.pages, doi=rec.doi,
                      pmid=rec.pmid, arxiv_id=rec.arxiv_id, url=rec.url, keywords=tuple(rec.keywords or ()),
                      pub_type=rec.pub_type, language=rec.language, extra=dict(rec.extra or {}))


def record_data(store: Store, ids: list[int] | None = None) -> list[tuple[int, RecordData]]:
    with store.read() as s:
        return [(rec.id, to_record_data(rec)) for rec in _record_rows(s, ids)]


def _cell(value: Any, field: str = "keywords") -> Any:
    if isinstance(value, (list, tuple)):
        # joined so that the CSV reader splits the cell back into the same items
        return join_list(value, field)
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def records_table(store: Store, ids: list[int] | None = None) -> tuple[list[str], list[list[Any]]]:
    """One row per record: the contract's columns, then every extra field that came with imports."""
    with store.read() as s:
        names = dict(s.execute(select(Source.id, Source.name)).all())
        sources: dict[int, list[str]] = defaultdict(list)
        for rid, sid in s.execute(select(RecordSource.record_id, RecordSource.source_id)
                                  .order_by(RecordSource.record_id, RecordSource.source_id)):
            if names[sid] not in sources[rid]:
                sources[rid].append(names[sid])
        rows: list[dict[str, Any]] = []
        extra_keys: dict[str, None] = {}
        for rec in _record_rows(s, ids):
            extra = rec.extra or {}
            for k in extra:
                extra_keys.setdefault(k, None)
            rows.append({"record_id": rec.id, "title": rec.title, "authors": rec.authors, "year": rec.year,
                         "journal": rec.journal, "volume": rec.volume, "issue": rec.issue, "pages": rec.pages,
                         "doi": rec.doi, "pmid": rec.pmid, "abstract": rec.abstract,
                         "sources": sources.get(rec.id, []), "duplicate_of": rec.duplicate_of,
                         "arxiv_id": rec.arxiv_id, "url": rec.url, "keywords": rec.keywords,
                         "pub_type": rec.pub_type, "language": rec.language, "_extra": extra})
    extra_cols = list(extra_keys)
    columns = RECORD_COLUMNS + [extra_header(k) for k in extra_cols]
    table = [[_cell(r[c], c) for c in RECORD_COLUMNS] + [_cell(r["_extra"].get(k)) for k in extra_cols] for r in rows]
    return columns, table


def decisions_table(store: Store, stage: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """One row per current decision, in the form `decisions import` reads back."""
    with store.read() as s:
        paths = tag_paths(s)
        reason_names = dict(s.execute(select(Reason.id, Reason.name)).all())
        reasons: dict[int, list[str]] = defaultdict(list)
        for did, reason_id in s.execute(select(DecisionReason.decision_id, DecisionReason.reason_id)
                                        .order_by(DecisionReason.decision_id, DecisionReason.position)):
            reasons[did].append(reason_names[reason_id])
        tags: dict[int, list[str]] = defaultdict(list)
        for did, tag_id in s.execute(select(DecisionTag.decision_id, DecisionTag.tag_id)):
            tags[did].append(paths[tag_id])
        q = (select(Decision, Reviewer.name).join(Reviewer, Reviewer.id == Decision.reviewer_id)
             .order_by(Decision.record_id, Decision.stage, Reviewer.name))
        if stage:
            q = q.where(Decision.stage == Stage.parse(stage).value)
        rows = [[d.record_id, name, d.stage, d.label, "; ".join(reasons.get(d.id, [])),
                 "; ".join(sorted(tags.get(d.id, []))), d.note, d.decided_at.isoformat()]
                for d, name in s.execute(q)]
    return DECISION_COLUMNS, rows
