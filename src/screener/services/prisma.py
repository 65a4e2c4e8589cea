"""PRISMA 2020 counts from what the project holds, and the diagram / template files.

Identification counts every record found in a source file (``found``); records a reader could
not import are "removed for other reasons" with the reader's reason, so the first box adds up.
A record belongs to the databases-and-registers column when any of its sources is a database or
register, otherwise to the other-methods column (websites, organisations, citation searching).
Full-text reports are "assessed" once they have a full-text decision or an attached file.
Every record is a report; records linked to one study (``records.study_id``, see
``services.studies``) count as one study among the studies included. The previous version's
counts of an updated review are what the team entered (``set_previous_counts``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.services.outcomes import PASSING, active_record_ids, passed, stage_outcomes
from screener.services.versions import check_version
from screener.stats.prisma import PrismaCounts, check_invariants
from screener.storage.models import (Attachment, Decision, DecisionReason, ProjectInfo, Reason, Record,
                                     RecordSource, Resolution, Source)
from screener.storage.session import Store

DBR = ("database", "register")
NO_REASON = "No reason given"


def _record_columns(session) -> dict[int, str]:
    """'dbr' or 'other' for every record, from the types of its sources."""
    types = dict(session.execute(select(Source.id, Source.source_type)).all())
    col: dict[int, str] = {}
    for rid, sid in session.execute(select(RecordSource.record_id, RecordSource.source_id)):
        if types[sid] in DBR or col.get(rid) == "dbr":
            col[rid] = "dbr"
        else:
            col.setdefault(rid, "other")
    return col


def duplicates_per_source(session) -> dict[str, int]:
    """How many merged-away records each source contributed, in the order the sources were added."""
    q = (select(Source.name).join(RecordSource, RecordSource.source_id == Source.id)
         .join(Record, Record.id == RecordSource.record_id).where(Record.duplicate_of.is_not(None))
         .order_by(Source.id))
    return dict(Counter(session.scalars(q)))


def final_reasons(session, stage: str, ids: list[int]) -> dict[int, list[str]]:
    """The reasons behind each record's exclusion at ``stage``, the primary one first.

    A resolution's reasons settle it; otherwise the reviewers' reasons, in the order they were
    given (the first reviewer's first reason is the primary one).
    """
    names = dict(session.execute(select(Reason.id, Reason.name)).all())
    wanted = set(ids)
    out: dict[int, list[str]] = {}
    for rid, reason_ids in session.execute(select(Resolution.record_id, Resolution.reason_ids)
                                           .where(Resolution.stage == stage)):
        if reason_ids and rid in wanted:
            out[rid] = [names[r] for r in reason_ids]
    given: dict[int, list[str]] = defaultdict(list)
    q = (select(Decision.record_id, DecisionReason.reason_id)
         .join(DecisionReason, DecisionReason.decision_id == Decision.id)
         .where(Decision.stage == stage, Decision.label == "exclude")
         .order_by(Decision.record_id, Decision.decided_at, DecisionReason.position))
    for rid, reason_id in session.execute(q):
        if rid in wanted and rid not in out and names[reason_id] not in given[rid]:
            given[rid].append(names[reason_id])
    return {rid: out.get(rid) or given.get(rid) or [] for rid in ids}


def _exclusion_reasons(session, stage: str, ids: list[int]) -> dict[int, str]:
    """The primary reason of each excluded record (PRISMA counts each report under one reason)."""
    return {rid: (reasons[0] if reasons else NO_REASON) for rid, reasons in final_reasons(session, stage, ids).items()}


def prisma_counts(store: Store) -> PrismaCounts:
    """Every number of the flow diagram, computed from sources, records, decisions and attachments."""
    with store.read() as s:
        sources = list(s.scalars(select(Source).order_by(Source.id)))
        found = Counter()
        per_db: dict[str, int] = defaultdict(int)
        per_reg: dict[str, int] = defaultdict(int)
        other_reasons: Counter[str] = Counter()
        for src in sources:
            found[src.source_type] += src.found
            if src.source_type == "database":
                per_db[src.name] += src.found
            elif src.source_type == "register":
                per_reg[src.name] += src.found
            if src.source_type in DBR:
                for err in src.errors or []:
                    other_reasons[f"Unreadable record: {err.get('reason', 'unknown')}"] += 1
        column = _record_columns(s)
        dups = list(s.scalars(select(Record.id).where(Record.duplicate_of.is_not(None))))
        dups_by_source = duplicates_per_source(s)
        active = active_record_ids(s)
        ta = stage_outcomes(s, Stage.TITLE_ABSTRACT.value, active)
        sought = passed(ta)
        ft = stage_outcomes(s, Stage.FULL_TEXT.value, sought)
        attach = dict(s.execute(select(Attachment.record_id, Attachment.status)).all())
        ft_decided = set(s.scalars(select(Decision.record_id).where(Decision.stage == Stage.FULL_TEXT.value)))
        automated = set(s.scalars(select(Resolution.record_id).where(Resolution.stage == Stage.TITLE_ABSTRACT.value,
                                                                      Resolution.automated.is_(True))))
        ft_excluded = [rid for rid in sought if ft[rid].state == "exclude"]
        reasons = _exclusion_reasons(s, Stage.FULL_TEXT.value, ft_excluded)
        study_of = dict(s.execute(select(Record.id, Record.study_id).where(Record.study_id.is_not(None))).all())
        info = s.get(ProjectInfo, 1)
        previous = (info.previous_studies, info.previous_reports) if info is not None else (None, None)

    c: dict[str, Any] = defaultdict(int)
    studies: set[int] = set()  # the main record of each study with an included report
    excluded_by: dict[str, Counter[str]] = {"dbr": Counter(), "other": Counter()}
    for rid in active:
        col = column.get(rid, "dbr")
        state = ta[rid].state
        if rid in automated:
            # never screened by a person: removed before screening by the ranking's stopping rule
            c[f"{col}_automatic"] += 1
            continue
        if col == "dbr":
            c["records_screened"] += 1
            if state == "exclude":
                c["records_excluded"] += 1
            elif state not in PASSING:
                c["records_awaiting"] += 1
        elif state != "exclude" and state not in PASSING:
            c["other_records_awaiting"] += 1
        if state not in PASSING:
            continue
        c[f"{col}_sought_reports"] += 1
        suffix = "" if col == "dbr" else "other_"
        if attach.get(rid) == "not_retrieved" and rid not in ft_decided:
            c[f"{col}_notretrieved_reports"] += 1
        elif rid in ft_decided or attach.get(rid) == "attached":
            c[f"{col}_assessed"] += 1
            outcome = ft[rid].state
            if outcome == "exclude":
                excluded_by[col][reasons[rid]] += 1
            elif outcome == "include":
                c["new_reports"] += 1
                studies.add(study_of.get(rid, rid))
            else:
                c[f"{suffix}reports_awaiting_assessment"] += 1
        else:
            c[f"{suffix}reports_awaiting_retrieval"] += 1
    dbr_dups = sum(1 for rid in dups if column.get(rid, "dbr") == "dbr")
    counts = PrismaCounts(
        previous_studies=previous[0], previous_reports=previous[1],
        database_results=found["database"], database_specific_results=dict(per_db),
        register_results=found["register"], register_specific_results=dict(per_reg),
        website_results=found["website"], organisation_results=found["organisation"],
        citations_results=found["citation"], other_results=found["other"],
        duplicates=dbr_dups, duplicates_by_source=dups_by_source,
        excluded_automatic=c["dbr_automatic"], excluded_other=sum(other_reasons.values()),
        excluded_other_reasons=dict(other_reasons),
        records_screened=c["records_screened"], records_excluded=c["records_excluded"],
        records_excluded_human=c["records_excluded"], records_excluded_automation=0,
        records_awaiting=c["records_awaiting"],
        dbr_sought_reports=c["dbr_sought_reports"], dbr_notretrieved_reports=c["dbr_notretrieved_reports"],
        other_sought_reports=c["other_sought_reports"], other_notretrieved_reports=c["other_notretrieved_reports"],
        dbr_assessed=c["dbr_assessed"], other_assessed=c["other_assessed"],
        dbr_excluded=excluded_by["dbr"].most_common(), other_excluded=excluded_by["other"].most_common(),
        reports_awaiting_retrieval=c["reports_awaiting_retrieval"],
        reports_awaiting_assessment=c["reports_awaiting_assessment"],
        other_reports_awaiting_retrieval=c["other_reports_awaiting_retrieval"],
        other_reports_awaiting_assessment=c["other_reports_awaiting_assessment"],
        other_records_awaiting=c["other_records_awaiting"],
        new_studies=len(studies), new_reports=c["new_reports"],
    )
    return counts


def previous_counts(store: Store) -> tuple[int | None, int | None]:
    """Studies and reports included in the previous version of an updated review (None: not an update)."""
    with store.read() as s:
        info = s.get(ProjectInfo, 1)
        return (info.previous_studies, info.previous_reports) if info is not None else (None, None)


def set_previous_counts(store: Store, studies: int | None, reports: int | None,
                        version: int | None = None) -> tuple[int | None, int | None]:
    """Enter (or, with None for both, clear) the previous version's counts of an updated review.

    The PRISMA diagram then gets its "Previous studies" column and the totals box. ``version``
    is the project settings' version the caller read (None: no check; see services.versions).
    """
    studies, reports = check_previous_counts(studies, reports)
    with store.unit() as s:
        info = s.get(ProjectInfo, 1)
        if info is None:
            raise UserError(f"{store.project}: the project has no settings row")
        check_version(info, version, "the project settings", plural=True)
        info.previous_studies, info.previous_reports = studies, reports
    return studies, reports


def check_previous_counts(studies: int | None, reports: int | None) -> tuple[int | None, int | None]:
    """The previous version's counts as integers, or a UserError saying what is wrong with them."""
    if (studies is None) != (reports is None):
        raise UserError("give both the studies and the reports of the previous version, or neither")
    if studies is not None:
        studies, reports = int(studies), int(reports)
        if studies < 0 or reports < 0:
            raise UserError("the previous version's counts cannot be negative")
        if reports < studies:
            raise UserError(f"the previous version had {studies} studies but only {reports} reports:"
                            " every study has at least one report")
    return studies, reports


def prisma_document(store: Store, counts: PrismaCounts | None = None) -> dict[str, Any]:
    """The `prisma --json` document, with any broken invariant listed (none once screening is done)."""
    counts = counts or prisma_counts(store)
    doc = counts.to_json_dict()
    doc["invariant_problems"] = check_invariants(counts)
    return doc


def write_prisma(store: Store, out: str | Path, counts: PrismaCounts | None = None) -> dict[str, Any]:
    """Write the diagram (.svg/.png/.pdf), the R package's template (.csv) or the counts (.json)."""
    from screener.io.atomic import atomic_write_bytes, atomic_write_text

    out = Path(out)
    suffix = out.suffix.lower()
    if not out.parent.exists():
        raise UserError(f"{out}: the folder {out.parent} does not exist")
    counts = counts or prisma_counts(store)
    if suffix == ".json":
        import json

        atomic_write_text(out, json.dumps(prisma_document(store, counts), indent=2, ensure_ascii=False) + "\n")
    elif suffix == ".csv":
        from screener.stats.prisma_template import template_csv

        atomic_write_text(out, template_csv(counts))
    elif suffix in (".svg", ".png", ".pdf"):
        from screener.stats.prisma_svg import render_svg

        if suffix == ".svg":
            atomic_write_text(out, render_svg(counts))
        else:
            from screener.stats.prisma_svg import render_pdf, render_png

            atomic_write_bytes(out, render_png(counts) if suffix == ".png" else render_pdf(counts))
    else:
        raise UserError(f"{out}: unknown PRISMA output {suffix or '(no suffix)'}: use .svg, .png, .pdf, .csv or .json")
    return {"path": str(out), "format": suffix[1:]}
