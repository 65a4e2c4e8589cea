"""Per-tag, per-reason and over-time agreement, checked against scikit-learn's Cohen's kappa."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from screener.core.records import ParsedFile, RecordData
from screener.services import screening
from screener.services.agreement import stage_agreement
from screener.services.agreement_detail import agreement_details, agreement_over_time, reason_agreement, tag_agreement
from screener.services.importing import import_parsed
from screener.services.project import init_project

TAGS = ["Task>Segmentation", "Task>Classification", "Imaging modality>CT"]
REASONS = ["Not medical imaging", "Not in English"]


@pytest.fixture
def store(project_location):
    st = init_project(project_location, reviewers=["ana", "ben", "cy"], template="medical-imaging-fm")
    recs = tuple(RecordData(title=f"Paper {i}", abstract="x", year=2021) for i in range(40))
    import_parsed(st, ParsedFile(path="m.ris", format="ris", encoding="utf-8", records=recs), source="Made")
    yield st
    st.close()


def _screen(store, seed: int = 7) -> dict[tuple[int, str], set[str]]:
    """ana and ben decide records 1..30 (cy only 1..5); returns each decision's tags."""
    rng = random.Random(seed)
    given = {}
    for rid in range(1, 31):
        for who in ("ana", "ben") + (("cy",) if rid <= 5 else ()):
            label = rng.choice(["include", "exclude", "maybe"])
            reasons = [rng.choice(REASONS)] if label == "exclude" else []
            tags = [t for t in TAGS if rng.random() < 0.4]
            screening.decide(store, rid, who, label, reasons=reasons, tags=tags)
            given[(rid, who)] = set(tags)
    screening.decide(store, 35, "ana", "include", tags=[TAGS[0]])  # one reviewer only: not counted
    return given


def test_tag_kappa_matches_sklearn(store):
    given = _screen(store)
    rows = {r["tag"]: r for r in tag_agreement(store)}
    seg = "Task > Segmentation" if "Task > Segmentation" in rows else next(t for t in rows if "Segmentation" in t)
    assert set(rows) == {seg, seg.replace("Segmentation", "Classification"),
                         next(t for t in rows if t.endswith("CT"))}
    # records 6..30 have exactly two raters (ana, ben); 1..5 three; Light's kappa there, so compare
    # on a store where only the two-rater subset counts: the pair statistic of ana–ben over all 30
    a = ["yes" if TAGS[0] in given[(rid, "ana")] else "no" for rid in range(1, 31)]
    b = ["yes" if TAGS[0] in given[(rid, "ben")] else "no" for rid in range(1, 31)]
    expected_pair = cohen_kappa_score(a, b)
    assert rows[seg]["n_items"] == 30
    assert rows[seg]["yes"] == sum(TAGS[0] in given[k] for k in given)
    # three raters on some records → cohen_kappa is the mean of the pairwise kappas (Light's)
    c_ids = range(1, 6)
    ac = cohen_kappa_score([a[i - 1] for i in c_ids], ["yes" if TAGS[0] in given[(i, "cy")] else "no" for i in c_ids])
    bc = cohen_kappa_score([b[i - 1] for i in c_ids], ["yes" if TAGS[0] in given[(i, "cy")] else "no" for i in c_ids])
    defined = [k for k in (expected_pair, ac, bc) if k == k]  # NaN (undefined) pairs are skipped
    assert rows[seg]["cohen_kappa"] == pytest.approx(sum(defined) / len(defined))


def test_two_raters_tag_and_reason_kappa(store):
    rng = random.Random(3)
    a_tags, b_tags, a_rs, b_rs = [], [], [], []
    for rid in range(1, 26):
        for who, tags_out, rs_out in (("ana", a_tags, a_rs), ("ben", b_tags, b_rs)):
            label = rng.choice(["include", "exclude"])
            reason = rng.choice(REASONS) if label == "exclude" else None
            tag = rng.random() < 0.5
            screening.decide(store, rid, who, label, reasons=[reason] if reason else [],
                             tags=[TAGS[1]] if tag else [])
            tags_out.append("yes" if tag else "no")
            rs_out.append("yes" if reason == REASONS[0] else "no")
    details = agreement_details(store, block_size=10)
    tag_row = details["tags"][0]
    assert tag_row["tag"].endswith("Classification") and tag_row["n_items"] == 25
    assert tag_row["cohen_kappa"] == pytest.approx(cohen_kappa_score(a_tags, b_tags))
    reason_row = next(r for r in details["reasons"] if r["reason"] == REASONS[0])
    assert reason_row["cohen_kappa"] == pytest.approx(cohen_kappa_score(a_rs, b_rs))
    assert reason_agreement(store) == details["reasons"]
    blocks = details["over_time"]
    assert [b["n_items"] for b in blocks] == [10, 10, 5]
    assert [(b["first"], b["last"]) for b in blocks] == [(1, 10), (11, 20), (21, 25)]
    # blocks follow the order of second decisions, which here is record order
    labels = stage_agreement(store)
    assert labels["n_items"] == 25


def test_undefined_and_empty(store):
    assert agreement_details(store) == {"stage": "title_abstract", "tags": [], "reasons": [], "over_time": []}
    for rid in (1, 2, 3):
        screening.decide(store, rid, "ana", "include", tags=[TAGS[2]])
        screening.decide(store, rid, "ben", "include", tags=[TAGS[2]])
    (row,) = tag_agreement(store)
    assert row["percent_agreement"] == 1.0 and row["cohen_kappa"] is None  # one category: undefined
    (block,) = agreement_over_time(store, block_size=5)
    assert block["n_items"] == 3 and block["cohen_kappa"] is None
