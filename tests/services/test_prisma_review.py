"""A scripted review with known answers: every PRISMA 2020 number asserted, during and after screening.

Sources of every type (two databases, two registers, a website, an organisation, citation
searching), duplicates across sources, an unreadable record, two reviewers who disagree and an
owner who resolves, the stopping rule, full texts attached and not retrieved, exclusion reasons,
and reports linked to one study. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io

import pytest

from screener.core.records import ParsedFile, RecordData, RecordError
from screener.services import fulltext, screening
from screener.services.conflicts import resolve
from screener.services.dedup import find_candidates
from screener.services.importing import import_parsed
from screener.services.prisma import prisma_counts, prisma_document, set_previous_counts
from screener.services.project import init_project
from screener.services.ranking import stop_screening
from screener.services.studies import link_report
from screener.stats.prisma import check_invariants
from screener.stats.prisma_template import template_csv

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TOPICS = ["segmentation", "report generation", "detection", "registration", "classification", "retrieval",
          "denoising", "super-resolution", "reconstruction", "captioning"]


def _rec(key: str, i: int) -> RecordData:
    return RecordData(title=f"A foundation model for {TOPICS[i % len(TOPICS)]} study {key}",
                      abstract=f"Abstract of {key}.", authors=(f"Author {key}",), year=2020 + i % 4,
                      doi=f"10.1000/{key.lower()}", line=i + 1)


def _file(name: str, fmt: str, keys: list[str], errors: tuple[RecordError, ...] = ()) -> ParsedFile:
    return ParsedFile(name, fmt, "utf-8", tuple(_rec(k, i) for i, k in enumerate(keys)), errors)


def both(store, rid: int, label: str, stage: str = "ta", reasons_a=(), reasons_b=None, label_b=None) -> None:
    screening.decide(store, rid, "ana", label, stage=stage, reasons=list(reasons_a))
    screening.decide(store, rid, "ben", label_b or label, stage=stage,
                     reasons=list(reasons_a if reasons_b is None else reasons_b))


@pytest.fixture
def review(project_location, tmp_path):
    st = init_project(project_location, title="Scripted review", reviewers=["ana", "ben"])
    # ids are given in import order: PubMed 1-10, Scopus 11-16, CT.gov 17-19, ICTRP 20-21,
    # Hugging Face 22-23, WHO 24, snowballing 25-27
    import_parsed(st, _file("pubmed.nbib", "medline", [f"P{i}" for i in range(1, 11)],
                            (RecordError(40, "record has no title"),)), source="PubMed")
    import_parsed(st, _file("scopus.ris", "ris", ["S1", "S2", "S3", "S4", "P1", "P2"]), source="Scopus")
    import_parsed(st, _file("ctgov.csv", "csv", ["C1", "C2", "C3"]), source="ClinicalTrials.gov",
                  source_type="register")
    import_parsed(st, _file("ictrp.csv", "csv", ["I1", "C1"]), source="ICTRP", source_type="register")
    import_parsed(st, _file("hf.csv", "csv", ["W1", "W2"]), source="Hugging Face", source_type="website")
    import_parsed(st, _file("who.ris", "ris", ["O1"]), source="WHO", source_type="organisation")
    import_parsed(st, _file("cites.ris", "ris", ["R1", "R2", "P3"]), source="Snowballing", source_type="citation")
    yield st, tmp_path
    st.close()


def _template_n(counts) -> dict[str, str]:
    return {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(template_csv(counts)))}


def test_every_prisma_number_of_a_scripted_review(review):
    st, tmp_path = review
    folder = None if st.is_file else tmp_path / "pdfs"

    # -- identification and deduplication ---------------------------------------------------------
    res = find_candidates(st, auto=True, by="ana")
    assert res["merged"] == 4
    c = prisma_counts(st)
    assert (c.database_results, c.register_results) == (17, 5)
    assert dict(c.database_specific_results) == {"PubMed": 11, "Scopus": 6}
    assert dict(c.register_specific_results) == {"ClinicalTrials.gov": 3, "ICTRP": 2}
    assert (c.website_results, c.organisation_results, c.citations_results) == (2, 1, 3)
    # the Scopus copies of P1, P2 and the ICTRP copy of C1; the citation copy of P3 is not a
    # databases-and-registers record, so it is not in that column's box
    assert c.duplicates == 3
    assert c.excluded_other == 1 and dict(c.excluded_other_reasons) == {"Unreadable record: record has no title": 1}
    # nothing decided yet: every record to screen awaits a decision
    assert c.records_screened == 18 and c.records_awaiting == 18 and c.records_excluded == 0
    assert check_invariants(c) == []

    # -- title/abstract: agreement, conflicts, a maybe, resolutions ---------------------------------
    for rid in (1, 2, 3, 4, 5, 6, 17, 22, 23, 25):
        both(st, rid, "include")
    for rid in (10, 11, 12, 18, 19, 20, 24):
        both(st, rid, "exclude", reasons_a=["Wrong population"])
    both(st, 7, "maybe")  # an agreed maybe still goes to adjudication
    both(st, 8, "include", label_b="exclude", reasons_b=["Wrong population"])
    both(st, 9, "include", label_b="exclude", reasons_b=["Wrong population"])
    screening.decide(st, 13, "ana", "exclude", reasons=["Wrong population"])  # one of two reviewers so far
    c = prisma_counts(st)
    assert c.records_screened == 18
    assert c.records_excluded == 6 and c.dbr_sought_reports == 7  # 1-6 and 17
    assert c.records_awaiting == 5  # 7, 8, 9 in conflict; 13 half decided; 14 not yet screened
    assert c.other_sought_reports == 3 and c.reports_awaiting_retrieval == 7
    assert c.other_reports_awaiting_retrieval == 3
    assert c.other_records_awaiting == 1  # 26, from citation searching, not screened yet
    assert check_invariants(c) == [] and c.awaiting == 16
    resolve(st, 7, "include", "ana")
    resolve(st, 8, "include", "ana")
    resolve(st, 9, "exclude", "ana", reasons=["Wrong population"])
    screening.clear_decision(st, 13, "ana")
    # the team stops on the stopping rule: 13, 14 (databases) and 26 (citations) left unscreened
    assert stop_screening(st, "ana", force=True)["excluded_by_automation"] == 3
    c = prisma_counts(st)
    assert c.excluded_automatic == 2 and c.other_records_awaiting == 0
    assert c.records_screened == 16 and c.records_excluded == 7 and c.dbr_sought_reports == 9
    assert (c.records_excluded_human, c.records_excluded_automation) == (7, 0)
    assert c.records_awaiting == 0 and check_invariants(c) == []

    # -- full text: retrieval, assessment, reasons, a reason conflict -------------------------------
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(PDF)
    fulltext.attach_pdf(st, 1, pdf, added_by="ana", folder=folder)
    fulltext.mark_not_retrieved(st, 8, by="ana", folder=folder)
    fulltext.mark_not_retrieved(st, 17, by="ana", folder=folder)
    fulltext.mark_not_retrieved(st, 22, by="ana", folder=folder)
    c = prisma_counts(st)
    assert (c.dbr_notretrieved_reports, c.dbr_assessed, c.reports_awaiting_retrieval) == (2, 1, 6)
    assert c.reports_awaiting_assessment == 1  # the attached PDF nobody has decided on yet
    assert (c.other_notretrieved_reports, c.other_assessed, c.other_reports_awaiting_retrieval) == (1, 0, 2)
    assert check_invariants(c) == []

    for rid in (1, 2, 3, 23):
        both(st, rid, "include", stage="ft")
    both(st, 4, "include", stage="ft", label_b="exclude", reasons_b=["Wrong outcome"])
    both(st, 5, "exclude", stage="ft", reasons_a=["Wrong outcome"])
    both(st, 6, "exclude", stage="ft", reasons_a=["Wrong outcome"], reasons_b=["Wrong population"])
    both(st, 7, "exclude", stage="ft", reasons_a=["Wrong study design"])
    both(st, 25, "exclude", stage="ft", reasons_a=["Wrong outcome"])
    c = prisma_counts(st)
    assert c.dbr_assessed == 7 and c.reports_awaiting_assessment == 2  # 4: labels differ; 6: reasons differ
    assert check_invariants(c) == []
    resolve(st, 4, "include", "ana", stage="ft")
    resolve(st, 6, "exclude", "ana", stage="ft", reasons=["Wrong population"])

    # -- studies: record 2 is a second report of study 1; the website's 23 reports study 3 ----------
    link_report(st, 2, 1)
    link_report(st, 23, 3)
    set_previous_counts(st, 10, 12)
    c = prisma_counts(st)
    assert (c.dbr_sought_reports, c.dbr_notretrieved_reports, c.dbr_assessed) == (9, 2, 7)
    assert dict(c.dbr_excluded) == {"Wrong outcome": 1, "Wrong population": 1, "Wrong study design": 1}
    assert (c.other_sought_reports, c.other_notretrieved_reports, c.other_assessed) == (3, 1, 2)
    assert dict(c.other_excluded) == {"Wrong outcome": 1}
    assert (c.new_studies, c.new_reports) == (3, 5)  # studies 1 (reports 1, 2), 3 (3, 23) and 4
    assert (c.previous_studies, c.previous_reports, c.total_studies, c.total_reports) == (10, 12, 13, 17)
    assert c.awaiting == 0 and check_invariants(c) == []

    doc = prisma_document(st, c)
    assert doc["invariant_problems"] == [] and doc["new_studies"] == 3 and doc["previous_reports"] == 12
    n = _template_n(c)
    assert n["database_results"] == "17" and n["database_specific_results"] == "PubMed, 11; Scopus, 6"
    assert n["register_specific_results"] == "ClinicalTrials.gov, 3; ICTRP, 2"
    assert (n["duplicates"], n["excluded_automatic"], n["excluded_other"]) == ("3", "2", "1")
    assert (n["records_screened"], n["records_excluded"]) == ("16", "7")
    assert n["dbr_excluded"] == "Wrong outcome, 1; Wrong population, 1; Wrong study design, 1"
    assert (n["new_studies"], n["new_reports"], n["total_studies"], n["total_reports"]) == ("3", "5", "13", "17")
    assert (n["previous_studies"], n["other_notretrieved_reports"]) == ("10", "1")

    # unlinking a report makes it a study of its own again
    from screener.services.studies import unlink_report

    unlink_report(st, 2)
    assert prisma_counts(st).new_studies == 4


def test_previous_counts_are_checked(review):
    from screener.core.errors import UserError

    st, _ = review
    with pytest.raises(UserError, match="both"):
        set_previous_counts(st, 3, None)
    with pytest.raises(UserError, match="at least one report"):
        set_previous_counts(st, 5, 4)
    with pytest.raises(UserError, match="negative"):
        set_previous_counts(st, -1, 2)
    set_previous_counts(st, 4, 6)
    assert prisma_counts(st).is_update
    set_previous_counts(st, None, None)
    c = prisma_counts(st)
    assert not c.is_update and c.previous_studies is None
