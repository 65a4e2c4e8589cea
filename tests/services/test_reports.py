"""PRISMA counts and agreement computed from a real project (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from screener.core.records import ParsedFile, RecordData, RecordError
from screener.services import screening
from screener.services.agreement import stage_agreement
from screener.services.conflicts import resolve
from screener.services.importing import import_parsed
from screener.services.prisma import prisma_counts
from screener.services.project import init_project
from screener.stats.prisma import check_invariants
from screener.storage.models import Attachment


@pytest.fixture
def store(project_location):
    st = init_project(project_location, reviewers=["ana", "ben"])
    pubmed = ParsedFile("pubmed.nbib", "medline", "utf-8",
                        tuple(RecordData(title=f"P{i}", line=i) for i in range(8)), (RecordError(3, "record has no title"),))
    scopus = ParsedFile("scopus.ris", "ris", "utf-8", tuple(RecordData(title=f"S{i}", line=i) for i in range(4)))
    cites = ParsedFile("cites.ris", "ris", "utf-8", (RecordData(title="C0"),))
    import_parsed(st, pubmed, source="PubMed")
    import_parsed(st, scopus, source="Scopus")
    import_parsed(st, cites, source="Snowballing", source_type="citation")
    yield st
    st.close()


def test_prisma_counts_add_up_during_and_after_screening(store):
    c = prisma_counts(store)
    assert c.database_results == 13 and dict(c.database_specific_results) == {"PubMed": 9, "Scopus": 4}
    assert c.excluded_other == 1 and c.citations_results == 1
    assert c.records_screened == 12 and c.records_awaiting == 12
    assert check_invariants(c) == []
    for rid in range(1, 13):
        label = "include" if rid <= 4 else "exclude"
        reasons = [] if label == "include" else ["Wrong population"]
        screening.decide(store, rid, "ana", label, reasons=reasons)
        screening.decide(store, rid, "ben", label, reasons=reasons)
    c = prisma_counts(store)
    assert (c.records_excluded, c.dbr_sought_reports, c.records_awaiting) == (8, 4, 0)
    assert c.reports_awaiting_retrieval == 4 and check_invariants(c) == []
    with store.unit() as s:
        s.add(Attachment(record_id=4, status="not_retrieved"))
    for rid in (1, 2, 3):
        screening.decide(store, rid, "ana", "include" if rid < 3 else "exclude", stage="ft",
                         reasons=[] if rid < 3 else ["Wrong outcome"])
        screening.decide(store, rid, "ben", "include" if rid == 1 else "exclude", stage="ft",
                         reasons=[] if rid == 1 else ["Wrong outcome"])
    c = prisma_counts(store)
    assert c.dbr_notretrieved_reports == 1 and c.dbr_assessed == 3
    assert c.new_reports == 1 and dict(c.dbr_excluded) == {"Wrong outcome": 1}
    assert c.reports_awaiting_assessment == 1 and check_invariants(c) == []
    resolve(store, 2, "exclude", "ana", stage="ft", reasons=["Wrong study design"])
    c = prisma_counts(store)
    assert dict(c.dbr_excluded) == {"Wrong outcome": 1, "Wrong study design": 1}
    assert c.reports_awaiting_assessment == 0 and check_invariants(c) == []


def test_agreement_matches_sklearn(store):
    a = ["include", "exclude", "exclude", "maybe", "include", "exclude", "exclude", "include", "exclude", "exclude"]
    b = ["include", "exclude", "include", "maybe", "include", "exclude", "exclude", "exclude", "exclude", "maybe"]
    for rid, (la, lb) in enumerate(zip(a, b), start=1):
        screening.decide(store, rid, "ana", la, reasons=["Wrong population"] if la == "exclude" else [])
        screening.decide(store, rid, "ben", lb, reasons=["Wrong population"] if lb == "exclude" else [])
    screening.decide(store, 11, "ana", "include")  # decided by one reviewer only: not an item
    doc = stage_agreement(store, "ta")
    assert doc["n_items"] == 10 and doc["raters"] == ["ana", "ben"]
    assert doc["cohen_kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert doc["percent_agreement"] == pytest.approx(0.7)


def test_methods_text_states_the_numbers(store):
    from screener.services.methods_text import methods_text

    for rid in range(1, 13):
        label = "include" if rid <= 4 else "exclude"
        reasons = [] if label == "include" else ["Wrong population"]
        screening.decide(store, rid, "ana", label, reasons=reasons)
        screening.decide(store, rid, "ben", label if rid != 12 else "include", reasons=reasons if rid != 12 else [])
    text = methods_text(store)
    assert "PubMed (9); Scopus (4)" in text and "13 records in total" in text
    assert "1 records that could not be read" in text and "12 records were screened" in text
    assert "Agreement on the 12 records" in text and "Cohen's kappa" in text
    assert "await a final decision" in text  # record 12 is a conflict


def test_stopping_records_automation_exclusions(store):
    from screener.core.errors import UserError
    from screener.services.ranking import stop_screening

    for rid in (1, 2, 3, 4):
        screening.decide(store, rid, "ana", "include" if rid == 1 else "exclude",
                         reasons=[] if rid == 1 else ["Wrong population"])
    with pytest.raises(UserError, match="not say it is safe"):
        stop_screening(store, "ana")
    with pytest.raises(UserError, match="only the owner or an adjudicator"):
        stop_screening(store, "ben", force=True)  # a plain reviewer cannot decide for the team
    res = stop_screening(store, "ana", force=True)
    assert res["excluded_by_automation"] == 9 and res["forced"]  # 8 from databases, 1 from citation searching
    c = prisma_counts(store)
    assert c.excluded_automatic == 8 and c.records_screened == 4
    assert check_invariants(c) == []
    from screener.services.methods_text import methods_text

    text = methods_text(store)
    assert "stopped after 4 of 13 records, before the stopping rule allowed it" in text
    assert "the 9 records left unscreened were marked as ineligible by this automation tool" in text
