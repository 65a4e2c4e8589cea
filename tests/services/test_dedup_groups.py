"""Reviewing duplicates as groups: three copies at once, the kept record chosen, one record taken
out; every change undone exactly, every source record and its provenance kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from screener.core.records import ParsedFile, RecordData
from screener.services import screening
from screener.services.dedup import (decide_group, duplicates_by_source, find_candidates, list_groups, merge_records,
                                     pairs_to_review, review_groups, separate_record, set_kept_record,
                                     split_group, take_out_of_group, undo_change)
from screener.services.export import record_data
from screener.services.importing import import_parsed
from screener.services.project import init_project
from screener.storage.models import DuplicatePair, RecordSource

TITLE = "Segment anything in medical images"
A = RecordData(title=TITLE, authors=("Ma, Jun", "He, Yuting", "Wang, Bo"), year=2024,
               journal="Nature Communications", volume="15", pages="654", doi="10.1038/s41467-024-44824-z")
A2 = RecordData(title=TITLE + ".", authors=("Ma J", "He Y", "Wang B"), year=2024, journal="Nat Commun",
                volume="15", pages="654", doi="10.1038/S41467-024-44824-Z",
                abstract="Medical image segmentation is a critical component in clinical practice.")
A3 = RecordData(title=TITLE.upper(), authors=("Ma, J.", "He, Y."), year=2024, journal="NATURE COMMUNICATIONS",
                volume="15", issue="1", pages="654", pmid="38253604")
OTHER = RecordData(title="A completely different paper on retinal images", authors=("Zhou, Y.",), year=2023)


@pytest.fixture
def store(project_location):
    """Records 1 (PubMed), 2 (Scopus) and 3 (Web of Science): one paper; 4 another; 1 carries a
    decision, so the sure cluster comes to review as one group of three."""
    st = init_project(project_location, reviewers=["ana"])
    import_parsed(st, ParsedFile("pubmed.nbib", "medline", "utf-8", (A,)), source="PubMed")
    import_parsed(st, ParsedFile("scopus.ris", "ris", "utf-8", (A2,)), source="Scopus")
    import_parsed(st, ParsedFile("wos.txt", "wos", "utf-8", (A3, OTHER)), source="Web of Science")
    screening.decide(st, 1, "ana", "include")
    res = find_candidates(st, auto=True)
    assert res["merged"] == 0
    yield st
    st.close()


def _data(store) -> dict[int, RecordData]:
    return dict(record_data(store))


def _sources(store) -> set[tuple[int, int]]:
    with store.read() as s:
        return {(r.record_id, r.source_id) for r in s.scalars(select(RecordSource))}


def test_three_copies_are_one_group_with_the_most_complete_record_suggested(store):
    groups = review_groups(store)
    assert len(groups) == 1
    g = groups[0]
    assert g.ids == (1, 2, 3) and len(g.pairs) == 3
    assert g.suggested_kept == 2  # the Scopus record has the abstract
    assert "records carry decisions" in g.reasons


def test_merge_all_into_the_chosen_record_and_undo(store):
    before, sources = _data(store), _sources(store)
    g = review_groups(store)[0]
    res = decide_group(store, g.pair_ids, "merge", by="ana", kept=3)
    assert res["kept"] == 3 and sorted(res["merged"]) == [1, 2]
    data = _data(store)
    # The chosen record takes the group's most complete metadata: the abstract and DOI of 2.
    assert data[3].abstract == A2.abstract and data[3].doi and data[3].pmid == "38253604"
    assert data[1] == before[1] and data[2] == before[2]  # the others keep their own data
    assert _sources(store) == sources  # and their provenance
    assert duplicates_by_source(store) == {"PubMed": 1, "Scopus": 1}
    assert review_groups(store) == []
    undo_change(store, res["undo"])
    assert _data(store) == before and list_groups(store) == []


def test_not_duplicates_and_skip_can_be_undone(store):
    g = review_groups(store)[0]
    res = decide_group(store, g.pair_ids, "not_duplicate", by="ana")
    assert review_groups(store) == [] and len(pairs_to_review(store, "not_duplicate")) == 3
    undo_change(store, res["undo"])
    assert review_groups(store)[0].ids == (1, 2, 3)
    res = decide_group(store, g.pair_ids, "skip")
    assert review_groups(store, "skipped")[0].ids == (1, 2, 3)
    undo_change(store, res["undo"])
    assert review_groups(store)[0].ids == (1, 2, 3)


def test_take_one_record_out_of_a_review_group(store):
    g = review_groups(store)[0]
    res = separate_record(store, g.ids, 3, by="ana")
    assert res["others"] == [1, 2]
    assert [x.ids for x in review_groups(store)] == [(1, 2)]
    refused = {(p.a_id, p.b_id) for p in pairs_to_review(store, "not_duplicate")}
    assert refused == {(1, 3), (2, 3)}
    # remembered: a later automatic merge leaves 3 apart
    screening.decide(store, 1, "ana", "include")
    find_candidates(store, auto=True)
    assert [x.ids for x in review_groups(store)] == [(1, 2)]
    undo_change(store, res["undo"])
    assert review_groups(store)[0].ids == (1, 2, 3)


def test_separating_makes_the_missing_not_duplicate_pair(store):
    # 4 was never paired with anything: taking it out of a hand-made group records both verdicts.
    with store.read() as s:
        n = len(list(s.scalars(select(DuplicatePair))))
    res = separate_record(store, [1, 4], 4)
    assert len(res["undo"]["created"]) == 1
    undo_change(store, res["undo"])
    with store.read() as s:
        assert len(list(s.scalars(select(DuplicatePair)))) == n


def test_choose_another_kept_record_after_the_merge_and_back(store):
    before, sources = _data(store), _sources(store)
    g = review_groups(store)[0]
    merged = decide_group(store, g.pair_ids, "merge", by="ana")
    assert merged["kept"] == 2
    after_merge = _data(store)
    gid = merged["group"]
    res = set_kept_record(store, gid, 1)
    assert res["previous"] == 2 and list_groups(store)[0]["kept"] == 1
    data = _data(store)
    assert data[2] == before[2]  # the record kept before is back as imported
    assert data[1].abstract == A2.abstract and data[1].authors == A2.authors  # the group's best metadata
    assert duplicates_by_source(store) == {"Scopus": 1, "Web of Science": 1}
    assert _sources(store) == sources
    undo_change(store, res["undo"])
    assert list_groups(store)[0]["kept"] == 2 and _data(store) == after_merge
    split_group(store, gid)
    assert _data(store) == before


def test_take_a_record_out_of_a_merged_group(store):
    before = _data(store)
    g = review_groups(store)[0]
    merged = decide_group(store, g.pair_ids, "merge", by="ana", kept=2)
    res = take_out_of_group(store, merged["group"], 3, by="ana")
    assert res["kept"] == 2 and res["group"] is not None
    groups = list_groups(store)
    assert [(x["kept"], x["merged"]) for x in groups] == [(2, [1])]
    data = _data(store)
    assert data[3] == before[3] and data[1] == before[1] and data[2].abstract == A2.abstract
    assert not data[2].pmid  # 3's PMID left with it
    assert find_candidates(store, auto=True)["merged"] == 0  # 3 stays apart
    undo_change(store, res["undo"], by="ana")
    groups = list_groups(store)
    assert [(x["kept"], sorted(x["merged"])) for x in groups] == [(2, [1, 3])]
    assert _data(store)[2].pmid == "38253604"


def test_taking_out_the_kept_record_keeps_the_best_of_the_rest(store):
    before = _data(store)
    merged = merge_records(store, [1, 2, 3], kept=2)
    res = take_out_of_group(store, merged["group"], 2)
    assert res["kept"] in (1, 3) and _data(store)[2] == before[2]
    res = take_out_of_group(store, res["group"], 1)
    assert res["group"] is None and list_groups(store) == [] and _data(store) == before


def test_merging_into_a_merged_group_keeps_the_true_originals(store):
    before = _data(store)
    first = merge_records(store, [1, 2])
    second = merge_records(store, [first["kept"], 3])
    groups = list_groups(store)
    assert len(groups) == 1 and sorted([groups[0]["kept"], *groups[0]["merged"]]) == [1, 2, 3]
    assert second["kept"] == groups[0]["kept"]
    split_group(store, groups[0]["id"])
    assert _data(store) == before


def test_a_decision_on_a_merged_record_still_stops_a_silent_merge(store):
    merge_records(store, [1, 2], kept=2)  # 1, with its decision, is now merged into 2
    assert find_candidates(store, auto=True)["merged"] == 0
    assert [g.ids for g in review_groups(store)] == [(2, 3)]
