"""Clusters from pairs: strongest pairs first, never two conflicting records in one cluster."""

from __future__ import annotations

from screener.dedup import find_duplicates
from screener.dedup.cluster import cluster_indices
from screener.dedup.normalize import normalize_record

from .helpers import rec

TITLE = "Human papillomavirus testing in primary cervical screening and abnormal Papanicolaou management"


def paper(**fields):
    base = dict(authors="Cox, J T", year=2006, journal="Obstetrical and Gynecological Survey", volume="61")
    base.update(fields)
    return rec(TITLE, base.pop("authors"), **base)


def test_chain_through_a_record_without_doi_never_joins_two_dois():
    # B (no DOI) matches both A and C, but A and C carry different DOIs.
    records = [(1, paper(doi="10.1097/01.ogx.0000219000.1")), (2, paper()), (3, paper(doi="10.1097/01.ogx.0000219000.2"))]
    result = find_duplicates(records)
    assert {(p.a_id, p.b_id) for p in result.by_status("sure")} == {(1, 2), (2, 3)}
    clusters = result.clusters()
    assert len(clusters) == 1 and len(clusters[0]) == 2 and 2 in clusters[0]


def test_cluster_veto_on_pages_years_and_kinds():
    norms = [normalize_record(r) for r in (
        paper(pages="15-25"), paper(), paper(pages="100-110"), paper(year=2009),
        rec("Erratum: " + TITLE, "Cox, J T", year=2006),
    )]
    # Every record is offered to record 1 (no pages); none of the conflicting ones may join.
    edges = [(0.9, 0, 1), (0.8, 1, 2), (0.7, 1, 3), (0.6, 1, 4)]
    assert cluster_indices(norms, edges) == [[0, 1]]


def test_strongest_pairs_win():
    norms = [normalize_record(r) for r in (paper(pages="15-25"), paper(), paper(pages="100-110"))]
    assert cluster_indices(norms, [(0.5, 0, 1), (0.9, 1, 2)]) == [[1, 2]]
    assert cluster_indices(norms, [(0.9, 0, 1), (0.5, 1, 2)]) == [[0, 1]]


def test_a_record_moves_to_the_group_it_matches_most():
    # Record 0 joins 1 first (strongest pair); 2 and 3 then may not join 0 while 1 is there
    # (1 conflicts with them), though 0 matches both. It ends with them.
    norms = [normalize_record(r) for r in (paper(), paper(pages="15-25"), paper(pages="100-110"),
                                          paper(pages="100-110"))]
    edges = [(0.95, 0, 1), (0.9, 0, 2), (0.9, 0, 3), (0.9, 2, 3)]
    assert cluster_indices(norms, edges) == [[0, 2, 3]]
    # Not when it matches its own group as much.
    assert cluster_indices(norms, [(0.95, 0, 1), (0.4, 0, 2), (0.4, 0, 3), (0.9, 2, 3)]) == [[0, 1], [2, 3]]


def test_a_record_holding_its_group_together_stays():
    # 1 and 4 are joined only through 0. 0 matches {2, 3, 5} with more weight (2.7 against
    # 1.9), but leaving would keep 1 and 4 together with no match between them.
    norms = [normalize_record(r) for r in (paper(), paper(pages="15-25"), paper(pages="100-110"),
                                          paper(pages="100-110"), paper(pages="15-25"), paper(pages="100-110"))]
    edges = [(0.99, 2, 3), (0.99, 2, 5), (0.95, 0, 1), (0.95, 0, 4), (0.9, 0, 2), (0.9, 0, 3), (0.9, 0, 5)]
    assert cluster_indices(norms, edges) == [[0, 1, 4], [2, 3, 5]]
    # With 1 and 4 matched to each other, 0 may go.
    assert cluster_indices(norms, edges + [(0.5, 1, 4)]) == [[0, 2, 3, 5], [1, 4]]


def test_a_shared_doi_outweighs_differing_pages():
    records = [(10, paper(doi="10.1016/j.chb.2020.106482", pages="11")),
               (20, paper(doi="10.1016/j.chb.2020.106482", pages="106482"))]
    assert find_duplicates(records).clusters() == [[10, 20]]


def test_uncertain_pairs_join_only_when_asked_and_links_never():
    records = [
        (1, paper()),
        (2, paper(journal="Workshop on Cervical Screening")),  # the venue differs: uncertain
        (3, rec(TITLE, "Cox, J T", year=2005, arxiv_id="0501.00001")),  # a preprint: link
    ]
    result = find_duplicates(records)
    statuses = {(p.a_id, p.b_id): p.status for p in result.pairs}
    assert statuses[(1, 2)] == "uncertain"
    assert {statuses.get((1, 3)), statuses.get((2, 3))} == {"link"}
    assert result.clusters() == []
    assert result.clusters(sure_only=False) == [[1, 2]]
