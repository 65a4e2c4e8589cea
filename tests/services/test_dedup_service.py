"""Duplicates in a real project: find, auto-merge, review, split, PRISMA counts."""

from __future__ import annotations

import csv

import pytest

from screener.core.records import ParsedFile, RecordData
from screener.services import screening
from screener.services.dedup import (decide_pair, duplicates_by_source, find_candidates, merge_records,
                                     pairs_to_review, split_group)
from screener.services.export import export_table, record_data
from screener.services.importing import import_parsed
from screener.services.prisma import prisma_counts
from screener.services.project import init_project
from screener.stats.prisma import check_invariants

A = RecordData(title="Segment anything in medical images", authors=("Ma, Jun", "He, Yuting", "Wang, Bo"),
               year=2024, journal="Nature Communications", volume="15", pages="654", doi="10.1038/s41467-024-44824-z")
A2 = RecordData(title="Segment Anything in Medical Images.", authors=("Ma J", "He Y", "Wang B"), year=2024,
                journal="Nat Commun", volume="15", pages="654", doi="10.1038/S41467-024-44824-Z",
                abstract="Medical image segmentation is a critical component in clinical practice.")
B = RecordData(title="Towards generalist biomedical AI", authors=("Tu, Tao",), year=2024, doi="10.1056/aioa2300138")
C = RecordData(title="A completely different paper on retinal images", authors=("Zhou, Y.",), year=2023)


@pytest.fixture
def store(project_location):
    st = init_project(project_location, reviewers=["ana", "ben"])
    import_parsed(st, ParsedFile("pubmed.nbib", "medline", "utf-8", (A, B, C)), source="PubMed")
    import_parsed(st, ParsedFile("scopus.ris", "ris", "utf-8", (A2,)), source="Scopus")
    yield st
    st.close()


def test_auto_merge_split_and_export(store, tmp_path):
    res = find_candidates(store, auto=True)
    assert res["merged"] == 1 and res["groups"] == 1
    # the Scopus record has the abstract, so it is the more complete one and is kept
    assert duplicates_by_source(store) == {"PubMed": 1}
    kept = dict(record_data(store))[4]
    assert kept.abstract.startswith("Medical image segmentation") and kept.authors == A2.authors
    out = tmp_path / "records.csv"
    export_table(store, "records", out)
    rows = {r["record_id"]: r for r in csv.DictReader(out.read_text(encoding="utf-8").splitlines())}
    assert rows["1"]["duplicate_of"] == "4" and rows["4"]["duplicate_of"] == ""
    c = prisma_counts(store)
    assert c.duplicates == 1 and c.records_screened == 3 and check_invariants(c) == []
    with store.read() as s:
        from screener.storage.models import DuplicateGroup
        from sqlalchemy import select

        gid = s.scalar(select(DuplicateGroup.id))
    assert split_group(store, gid) == [1, 4]
    assert dict(record_data(store))[4] == A2  # the kept record is back as imported
    assert prisma_counts(store).duplicates == 0


def test_records_with_decisions_are_not_merged_silently(store):
    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 4, "ana", "exclude", reasons=["Wrong population"])
    res = find_candidates(store, auto=True)
    assert res["merged"] == 0 and res["to_review"] >= 1
    pair = [p for p in pairs_to_review(store) if {p.a_id, p.b_id} == {1, 4}][0]
    out = decide_pair(store, pair.id, "merge", by="ana")
    assert out["decision_conflict"] is True and out["kept"] in (1, 4)


def test_not_duplicate_is_remembered(store):
    res = merge_records(store, [2, 3])
    assert res["merged"] and not res["decision_conflict"]
    find_candidates(store)
    pair = [p for p in pairs_to_review(store) if {p.a_id, p.b_id} == {1, 4}]
    if pair:
        decide_pair(store, pair[0].id, "not_duplicate")
        assert find_candidates(store, auto=True)["merged"] == 0
