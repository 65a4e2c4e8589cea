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
from screener.services.methods_text import methods_text
from screener.services.prisma import prisma_counts, prisma_document
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
    # per source (PRISMA-S), in the JSON document and in the methods paragraph
    assert c.duplicates_by_source == (("PubMed", 1),)
    assert prisma_document(store, c)["duplicates_by_source"] == {"PubMed": 1}
    assert "duplicates per source: PubMed 1)" in methods_text(store)
    with store.read() as s:
        from screener.storage.models import DuplicateGroup
        from sqlalchemy import select

        gid = s.scalar(select(DuplicateGroup.id))
    assert split_group(store, gid) == [1, 4]
    assert dict(record_data(store))[4] == A2  # the kept record is back as imported
    assert prisma_counts(store).duplicates == 0
    assert prisma_document(store)["duplicates_by_source"] == {}
    assert "per source" not in methods_text(store)


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


def _kept_and_other(res) -> tuple[int, int]:
    return res["kept"], res["merged"][0]


def test_differing_decisions_merged_are_a_conflict_of_the_kept_record_until_resolved(store):
    from screener.services.conflicts import list_conflicts, resolve, unblind
    from screener.services.outcomes import stage_outcomes
    from screener.services.queries import RecordQuery, display_rows, record_ids
    from screener.services.status import project_status

    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 4, "ben", "exclude")
    assert list_conflicts(store)["count"] == 0  # one vote each: pending, no conflict yet
    res = merge_records(store, [1, 4], by="ana", kept=4)
    assert res["decision_conflict"] is True and res["conflict_stages"] == ["title_abstract"]
    kept, other = _kept_and_other(res)
    doc = list_conflicts(store)
    assert doc["count"] == 1
    entry = doc["conflicts"][0]
    assert entry["record_id"] == kept and entry["merged_conflict"] is True and entry["merged"] == [other]
    assert [(d["reviewer"], d["label"], d["record_id"]) for d in entry["decisions"]] == [
        ("ben", "exclude", kept), ("ana", "include", other)]
    with store.read() as s:
        outcome = stage_outcomes(s, "title_abstract")[kept]
    # not silently counted as excluded by ben's vote: it waits for an adjudicator
    assert outcome.state == "conflict" and outcome.merged and outcome.n_decisions == 2
    assert project_status(store)["stages"]["title_abstract"]["conflicts"] == 1
    # the record table and its conflict filter say the same once the stage is open
    unblind(store, "title_abstract")
    assert [r.status for r in display_rows(store, [kept, 2], "ana", "title_abstract")] == ["conflict", "unscreened"]
    assert record_ids(store, RecordQuery("ana", filter="conflict")) == [kept]
    c = prisma_counts(store)
    assert c.records_excluded == 0 and c.dbr_sought_reports == 0 and c.records_awaiting == 3  # 2 unscreened
    assert check_invariants(c) == []

    resolve(store, kept, "include", by="ana")
    assert list_conflicts(store)["count"] == 0
    with store.read() as s:
        outcome = stage_outcomes(s, "title_abstract")[kept]
    assert outcome.state == "include" and outcome.resolved
    assert prisma_counts(store).dbr_sought_reports == 1


def test_agreeing_decisions_merged_are_no_conflict_and_count_no_vote(store):
    from screener.services.conflicts import list_conflicts
    from screener.services.outcomes import stage_outcomes

    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 4, "ben", "include")
    res = merge_records(store, [1, 4], kept=4)
    assert res["decision_conflict"] is False and res["conflict_stages"] == []
    assert list_conflicts(store)["count"] == 0
    with store.read() as s:
        # the duplicate's vote never makes up the kept record's second reviewer
        assert stage_outcomes(s, "title_abstract")[4].state == "pending"


def test_a_resolution_older_than_the_merge_does_not_settle_the_duplicates(store):
    from screener.services.conflicts import list_conflicts, resolve

    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 1, "ben", "exclude")
    resolve(store, 1, "include", by="ana")
    screening.decide(store, 4, "ana", "exclude")
    screening.decide(store, 4, "ben", "exclude")
    res = merge_records(store, [1, 4], kept=1)
    assert res["conflict_stages"] == ["title_abstract"]
    entry = list_conflicts(store)["conflicts"][0]
    assert entry["record_id"] == 1 and entry["merged_conflict"] and entry["version"] == 1
    resolve(store, 1, "exclude", by="ana", version=entry["version"])
    assert list_conflicts(store)["count"] == 0
    # undoing the merge leaves each record with its own outcome again
    split_group(store, res["group"])
    assert list_conflicts(store)["count"] == 0


def test_a_resolved_duplicate_counts_with_its_resolution(store):
    """A merged record whose own conflict was resolved carries its resolution, not its votes."""
    from screener.services.conflicts import list_conflicts, resolve

    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 1, "ben", "exclude")
    resolve(store, 1, "exclude", by="ana")
    screening.decide(store, 4, "ana", "exclude")
    assert merge_records(store, [1, 4], kept=4)["decision_conflict"] is False
    assert list_conflicts(store)["count"] == 0
    screening.decide(store, 2, "ana", "exclude")
    screening.decide(store, 3, "ana", "include")
    res = merge_records(store, [2, 3], kept=2)
    assert res["decision_conflict"] is True
    assert [e["record_id"] for e in list_conflicts(store)["conflicts"]] == [2]


def test_duplicates_disagreeing_at_full_text_only(store):
    from screener.services.conflicts import list_conflicts
    from screener.services.project import update_settings

    update_settings(store, stage_changes={"title_abstract": {"reviewers_required": 1},
                                          "full_text": {"reviewers_required": 1}})
    for rid in (1, 4):
        screening.decide(store, rid, "ana", "include")
    screening.decide(store, 1, "ana", "include", stage="full_text")
    screening.decide(store, 4, "ben", "exclude", stage="full_text", reasons=["Wrong population"])
    res = merge_records(store, [1, 4], kept=1)
    assert res["conflict_stages"] == ["full_text"]
    assert list_conflicts(store, "title_abstract")["count"] == 0
    ft = list_conflicts(store, "full_text")
    assert [e["record_id"] for e in ft["conflicts"]] == [1] and ft["conflicts"][0]["merged_conflict"]
    c = prisma_counts(store)
    assert c.reports_awaiting_assessment == 1 and check_invariants(c) == []


PUBMED_RIS = """TY  - JOUR
TI  - Segment anything in medical images
AU  - Ma, Jun
AU  - He, Yuting
AU  - Wang, Bo
PY  - 2024
JO  - Nature Communications
VL  - 15
SP  - 654
DO  - 10.1038/s41467-024-44824-z
ER  - 

TY  - JOUR
TI  - A completely different paper on retinal images
AU  - Zhou, Y.
PY  - 2023
ER  - 
"""
SCOPUS_RIS = """TY  - JOUR
TI  - Segment Anything in Medical Images.
AU  - Ma J
AU  - He Y
AU  - Wang B
PY  - 2024
JO  - Nat Commun
VL  - 15
SP  - 654
DO  - 10.1038/S41467-024-44824-Z
AB  - Medical image segmentation is a critical component in clinical practice.
ER  - 
"""


@pytest.fixture
def ris_files(tmp_path):
    a, b = tmp_path / "pubmed.ris", tmp_path / "scopus.ris"
    a.write_text(PUBMED_RIS, encoding="utf-8")
    b.write_text(SCOPUS_RIS, encoding="utf-8")
    return a, b


@pytest.mark.parametrize("auto", [True, False])
def test_import_merges_sure_duplicates_when_the_project_says_so(project_location, ris_files, auto):
    from screener.services.dedup import list_groups
    from screener.services.importing import import_files
    from screener.services.project import get_settings

    st = init_project(project_location, reviewers=["ana"], auto_dedup=auto)
    try:
        assert get_settings(st).auto_dedup is auto
        summary = import_files(st, ris_files, imported_by="ana")
        assert [f.imported for f in summary.files] == [2, 1]
        groups = list_groups(st)
        if auto:
            assert len(groups) == 1 and groups[0]["method"] == "auto" and groups[0]["by"] == "ana"
            # the Scopus copy has the abstract: it is kept, the PubMed one is merged into it
            assert groups[0]["kept"] == 3 and groups[0]["merged"] == [1]
            assert duplicates_by_source(st) == {"pubmed": 1}
            c = prisma_counts(st)
            assert c.duplicates == 1 and c.records_screened == 2 and check_invariants(c) == []
        else:
            assert groups == [] and prisma_counts(st).records_screened == 3
    finally:
        st.close()


def test_import_never_merges_a_record_that_carries_decisions(project_location, ris_files):
    from screener.services.importing import import_files

    st = init_project(project_location, reviewers=["ana"], auto_dedup=True)
    try:
        import_files(st, ris_files[:1])
        screening.decide(st, 1, "ana", "include")
        import_files(st, ris_files[1:])
        assert duplicates_by_source(st) == {}
        assert [{p.a_id, p.b_id} for p in pairs_to_review(st)] == [{1, 3}]  # waits for a person
    finally:
        st.close()
