"""Several reviewers on the command line: `agreement --json` against the reference implementations
(scikit-learn, statsmodels, the krippendorff package, Gwet's AC1 formula), degenerate stages read
null / "undefined" and never NaN; `conflicts` with tag disagreements, `resolve --tag`, `merge`."""

from __future__ import annotations

import csv
import json
import random
import shutil
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from screener.core.records import ParsedFile, RecordData
from screener.services import screening
from screener.services.conflicts import list_conflicts, resolve
from screener.services.decisions_io import import_decisions
from screener.services.importing import import_parsed
from screener.services.merge import merge_projects
from screener.services.project import init_project, open_project
from screener.services.reviewers import add_reviewer
from tests.cli.test_cli import run

LABELS = ["include", "exclude", "maybe"]
REASON = "Not medical imaging"
CT, SEG = "Imaging modality > CT", "Task > Segmentation"
N = 40


def _no_nan(text: str):
    def refuse(name):
        raise AssertionError(f"{name} in a JSON document")

    return json.loads(text, parse_constant=refuse)


def _write_decisions(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "reviewer", "stage", "label", "reasons", "tags", "note"])
        w.writerows(rows)


def _labels(seed: int) -> dict[str, list[str]]:
    """Three reviewers' labels on N records: ben mostly follows ana, cy is noisier."""
    rng = random.Random(seed)
    ana = [rng.choices(LABELS, weights=[3, 6, 1])[0] for _ in range(N)]
    ben = [a if rng.random() < 0.75 else rng.choice(LABELS) for a in ana]
    cy = [a if rng.random() < 0.5 else rng.choice(LABELS) for a in ana]
    return {"ana": ana, "ben": ben, "cy": cy}


def _rows(name: str, labels: list[str], tags_of) -> list[list]:
    return [[rid, name, "ta", label, REASON if label == "exclude" else "", tags_of(rid), ""]
            for rid, label in enumerate(labels, start=1)]


def _gwet_ac1(counts: np.ndarray, q: int) -> float:
    """Gwet's AC1 for complete data (every item rated by the same number of raters), by the book."""
    r = counts.sum(axis=1)[0]
    pa = float(np.mean((counts * (counts - 1)).sum(axis=1) / (r * (r - 1))))
    pi = counts.sum(axis=0) / counts.sum()
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    return (pa - pe) / (1 - pe)


def _check_against_references(doc: dict, labels: dict[str, list[str]]) -> None:
    raters = sorted(labels)
    assert doc["raters"] == raters and doc["n_items"] == N
    counts = np.array([[sum(labels[r][i] == k for r in raters) for k in LABELS] for i in range(N)])
    for pair, (a, b) in zip(doc["pairs"], combinations(raters, 2)):
        assert (pair["a"], pair["b"], pair["n_items"]) == (a, b, N)
        assert pair["cohen_kappa"] == pytest.approx(cohen_kappa_score(labels[a], labels[b], labels=LABELS), abs=1e-12)
        table = np.array([[sum(x == i and y == j for x, y in zip(labels[a], labels[b])) for j in LABELS]
                          for i in LABELS])
        ref = sm_cohens_kappa(table)
        assert pair["cohen_kappa_ci95"] == pytest.approx([max(-1, ref.kappa_low), min(1, ref.kappa_upp)], abs=1e-9)
    kappas = [cohen_kappa_score(labels[a], labels[b], labels=LABELS) for a, b in combinations(raters, 2)]
    assert doc["cohen_kappa"] == pytest.approx(float(np.mean(kappas)), abs=1e-12)  # Light's kappa for 3+
    if len(raters) == 2:
        assert doc["cohen_kappa_ci95"] == doc["pairs"][0]["cohen_kappa_ci95"]
    else:
        assert doc["cohen_kappa_ci95"] is None
    assert doc["fleiss_kappa"] == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
    assert doc["pabak"] == pytest.approx(sm_fleiss_kappa(counts, method="randolph"), abs=1e-12)
    code = {k: float(i) for i, k in enumerate(LABELS)}
    data = np.array([[code[x] for x in labels[r]] for r in raters])
    assert doc["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal", value_domain=[0.0, 1.0, 2.0]),
        abs=1e-10)
    assert doc["gwet_ac1"] == pytest.approx(_gwet_ac1(counts, len(LABELS)), abs=1e-12)
    agree = np.mean((counts * (counts - 1)).sum(axis=1) / (len(raters) * (len(raters) - 1)))
    assert doc["percent_agreement"] == pytest.approx(float(agree), abs=1e-12)


@pytest.fixture
def project(tmp_path):
    """A project file built in-process (fast); only the commands under test run as subprocesses."""
    path = tmp_path / "review.screener"
    store = init_project(path, reviewers=["ana", "ben"], template="medical-imaging-fm")
    records = tuple(RecordData(title=f"Paper {i + 1} on foundation models", year=2020 + i % 5) for i in range(N))
    import_parsed(store, ParsedFile("refs.ris", "ris", "utf-8", records), source="PubMed")
    store.close()
    return path


def test_agreement_json_equals_the_reference_implementations(project, tmp_path):
    labels = _labels(seed=5)
    two = tmp_path / "two.csv"
    # at full text everyone excludes: a single category, kappa-like statistics undefined
    full_text = [[rid, who, "ft", "exclude", "Wrong outcome", "", ""] for rid in range(1, 6) for who in ("ana", "ben")]
    _write_decisions(two, _rows("ana", labels["ana"], lambda rid: "") + _rows("ben", labels["ben"], lambda rid: "")
                     + full_text)
    with open_project(project) as store:
        import_decisions(store, two)
    doc = _no_nan(run("agreement", str(project), "--json").stdout)
    assert doc["stage"] == "title_abstract"
    _check_against_references(doc, {k: labels[k] for k in ("ana", "ben")})

    ft = _no_nan(run("agreement", str(project), "--stage", "ft", "--json").stdout)
    assert (ft["n_items"], ft["percent_agreement"], ft["pabak"], ft["gwet_ac1"]) == (5, 1.0, 1.0, 1.0)
    assert ft["cohen_kappa"] is None and ft["cohen_kappa_ci95"] is None
    assert ft["fleiss_kappa"] is None and ft["krippendorff_alpha"] is None
    text = run("agreement", str(project), "--stage", "ft").stdout
    assert "undefined" in text and "nan" not in text.lower()

    three = tmp_path / "three.csv"
    _write_decisions(three, _rows("cy", labels["cy"], lambda rid: ""))
    with open_project(project) as store:
        add_reviewer(store, "cy")
        import_decisions(store, three)
    doc = _no_nan(run("agreement", str(project), "--json").stdout)
    _check_against_references(doc, labels)


def test_conflicts_tags_resolve_and_merge(project, tmp_path):
    copy = tmp_path / "ben-laptop.screener"
    shutil.copy(project, copy)
    with open_project(project) as store:
        screening.decide(store, 1, "ana", "include", tags=[CT, SEG], note="two cohorts")
        screening.decide(store, 2, "ana", "include", tags=[CT])
        screening.decide(store, 3, "ana", "include")
    with open_project(copy) as store:  # ben screens offline in his copy
        screening.decide(store, 1, "ben", "include", tags=[SEG])
        screening.decide(store, 2, "ben", "include", tags=[CT])
        screening.decide(store, 3, "ben", "exclude", reasons=[REASON], note="not imaging")

    merged = _no_nan(run("merge", str(project), str(copy), "--json").stdout)
    assert (merged["decisions_added"], merged["unchanged"]) == (3, 0)
    assert merged["new_conflicts"]["title_abstract"] == [3]
    assert merged["new_tag_disagreements"]["title_abstract"] == [1]
    again = _no_nan(run("merge", str(project), str(copy), "--json").stdout)
    assert (again["decisions_added"], again["decisions_updated"], again["unchanged"]) == (0, 0, 3)

    doc = _no_nan(run("conflicts", str(project), "--json").stdout)
    assert doc["count"] == 1 and doc["conflicts"][0]["record_id"] == 3
    assert {d["reviewer"]: d["label"] for d in doc["conflicts"][0]["decisions"]} == {"ana": "include",
                                                                                     "ben": "exclude"}
    assert doc["tag_count"] == 1 and doc["tag_disagreements"][0]["record_id"] == 1
    text = run("conflicts", str(project)).stdout
    assert "1 conflicts" in text and "tagged differently" in text and f"ben: {SEG}" in text

    res = run("resolve", str(project), "1", "include", "--by", "ben", "--tag", SEG, check=1)
    assert "only an adjudicator or owner" in res.stderr
    out = _no_nan(run("resolve", str(project), "1", "include", "--by", "ana", "--tag", SEG, "--json").stdout)
    assert out["tags"] == [SEG]
    with open_project(project) as store:
        resolve(store, 3, "exclude", "ana", reasons=[REASON])
        doc = list_conflicts(store)
    assert doc["count"] == 0 and doc["tag_count"] == 0

    back = _no_nan(run("merge", str(copy), str(project), "--json").stdout)
    assert (back["decisions_added"], back["resolutions"]) == (3, 2)
    with open_project(copy) as store:
        assert merge_projects(store, project)["resolutions"] == 0
        doc = list_conflicts(store)
    assert doc["count"] == 0 and doc["tag_count"] == 0


def test_merged_duplicates_with_differing_decisions_are_a_conflict_in_json(project_location):
    """On a project file and on a PostgreSQL project (the command line takes its URL)."""
    from screener.services.dedup import merge_records

    project = project_location
    store = init_project(project, reviewers=["ana", "ben"], template="medical-imaging-fm")
    import_parsed(store, ParsedFile("refs.ris", "ris", "utf-8", tuple(
        RecordData(title=f"Paper {i + 1} on foundation models", year=2020 + i % 5) for i in range(8))), source="PubMed")
    store.close()
    with open_project(project) as store:
        screening.decide(store, 5, "ana", "include")
        screening.decide(store, 6, "ben", "exclude", reasons=[REASON])
        res = merge_records(store, [5, 6], by="ana", kept=5)
    assert res["conflict_stages"] == ["title_abstract"]
    doc = _no_nan(run("conflicts", str(project), "--json").stdout)
    assert doc["count"] == 1
    entry = doc["conflicts"][0]
    assert (entry["record_id"], entry["kind"], entry["label"]) == (5, "label", "conflict")
    assert entry["merged_conflict"] is True and entry["merged"] == [6] and entry["version"] == 0
    assert [(d["reviewer"], d["label"], d["record_id"]) for d in entry["decisions"]] == [
        ("ana", "include", 5), ("ben", "exclude", 6)]
    assert "ben on #6: exclude" in run("conflicts", str(project)).stdout
    status = _no_nan(run("status", str(project), "--json").stdout)
    assert status["stages"]["title_abstract"]["conflicts"] == 1
    run("resolve", str(project), "5", "include", "--by", "ana")
    assert _no_nan(run("conflicts", str(project), "--json").stdout)["count"] == 0


def test_init_auto_dedup_merges_at_import_and_prisma_counts_per_source(tmp_path):
    from tests.services.test_dedup_service import PUBMED_RIS, SCOPUS_RIS

    path = tmp_path / "auto.screener"
    made = _no_nan(run("init", str(path), "--reviewer", "ana", "--auto-dedup", "--json").stdout)
    assert made["auto_dedup"] is True
    files = []
    for name, text in (("pubmed.ris", PUBMED_RIS), ("scopus.ris", SCOPUS_RIS)):
        files.append(tmp_path / name)
        files[-1].write_text(text, encoding="utf-8")
    run("import", str(path), str(files[0]), "--source", "PubMed")
    run("import", str(path), str(files[1]), "--source", "Scopus")
    prisma = _no_nan(run("prisma", str(path), "--json").stdout)
    assert prisma["duplicates"] == 1 and prisma["records_screened"] == 2
    assert prisma["duplicates_by_source"] == {"PubMed": 1} and prisma["invariant_problems"] == []
    assert "database_specific_results" in prisma and "records_excluded_human" in prisma  # the keys stay
    assert "duplicates per source: PubMed 1" in run("prisma", str(path), "--methods").stdout

    plain = tmp_path / "plain.screener"
    assert _no_nan(run("init", str(plain), "--no-auto-dedup", "--json").stdout)["auto_dedup"] is False
    run("import", str(plain), *map(str, files))
    prisma = _no_nan(run("prisma", str(plain), "--json").stdout)
    assert prisma["duplicates"] == 0 and prisma["duplicates_by_source"] == {}
