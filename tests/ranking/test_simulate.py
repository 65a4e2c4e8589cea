"""Replayed screening: the simulate contract on a hand-made file and a floor on real data."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from screener.core.errors import FileFormatError, UserError
from screener.ranking.metrics import post_prior_labels, screening_metrics
from screener.ranking.simulate import draw_priors, read_labeled_csv, simulate_dataset

CONTRACT_FIELDS = {
    "n_records", "n_included", "seed", "n_prior_included", "n_prior_excluded", "wss95", "wss100",
    "recall_at_10pct", "atd", "records_to_95", "records_to_100", "seconds", "mean_retrain_seconds",
}


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "abstract", "label_included"])
        writer.writerows(rows)
    return path


@pytest.fixture
def small_csv(tmp_path):
    rows = []
    for i in range(60):
        if i % 10 == 3:
            rows.append((f"Chest x-ray deep learning study {i}", "neural network radiograph classification", 1))
        else:
            rows.append((f"Farming report {i}", f"crop yields soil and weather in region {i % 5}", 0))
    return _write(tmp_path / "small.csv", rows)


def test_contract_fields_priors_and_order_file(small_csv, tmp_path):
    out = tmp_path / "order.csv"
    doc = simulate_dataset(small_csv, seed=42, prior_rows=[3, 0], order_out=out)
    assert CONTRACT_FIELDS <= doc.keys()
    assert doc["n_records"] == 60 and doc["n_included"] == 6
    assert (doc["n_prior_included"], doc["n_prior_excluded"]) == (1, 1)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["position", "row", "label", "prior"]
    assert [r["position"] for r in rows] == [str(i) for i in range(1, 61)]
    assert sorted(int(r["row"]) for r in rows) == list(range(60))
    assert [int(r["row"]) for r in rows if r["prior"] == "1"] == [3, 0]
    # anyone can recompute the metrics from the order file
    gold = [0] * 60
    for r in rows:
        gold[int(r["row"])] = int(r["label"])
    m = screening_metrics(post_prior_labels([int(r["row"]) for r in rows], gold, [3, 0]))
    assert doc["wss95"] == pytest.approx(m.wss95, abs=1e-4)
    assert doc["records_to_100"] == m.records_to_100
    assert doc["atd"] == pytest.approx(m.atd, abs=0.01)
    # an easy topic: the 5 remaining includes come first
    assert doc["records_to_100"] == 5
    assert doc["recall_at_10pct"] == 1.0


def test_seeded_priors_are_reproducible(small_csv):
    a = simulate_dataset(small_csv, seed=7, n_prior_included=2, n_prior_excluded=3)
    b = simulate_dataset(small_csv, seed=7, n_prior_included=2, n_prior_excluded=3)
    assert a["prior_rows"] == b["prior_rows"]
    assert (a["n_prior_included"], a["n_prior_excluded"]) == (2, 3)
    assert a["wss95"] == b["wss95"]


def test_draw_priors_is_asreviews_draw():
    gold = np.zeros(50, dtype=int)
    gold[[4, 9, 20, 33]] = 1
    rows = draw_priors(gold, 1, 2, seed=42)
    inc = np.random.RandomState(42).choice(np.flatnonzero(gold == 1), 1, replace=False).tolist()
    exc = np.random.RandomState(42).choice(np.flatnonzero(gold == 0), 2, replace=False).tolist()
    assert rows == inc + exc
    with pytest.raises(UserError):
        draw_priors(gold, 5, 1, seed=1)


def test_bad_input(tmp_path, small_csv):
    with pytest.raises(UserError):
        simulate_dataset(small_csv, prior_rows=[99])
    with pytest.raises(UserError):
        simulate_dataset(small_csv, prior_rows=[3, 3])
    bad = _write(tmp_path / "bad.csv", [("t", "a", "maybe")])
    with pytest.raises(FileFormatError) as err:
        read_labeled_csv(bad)
    assert err.value.line == 2
    nolabel = tmp_path / "nolabel.csv"
    nolabel.write_text("title,abstract\nx,y\n", encoding="utf-8")
    with pytest.raises(FileFormatError):
        read_labeled_csv(nolabel)
    none = _write(tmp_path / "none.csv", [("t", "a", 0)])
    with pytest.raises(FileFormatError):
        simulate_dataset(none)


def test_ranking_beats_random_order_on_a_real_dataset(shared_data):
    # a floor, not a benchmark: random order has an expected WSS@95 of about 0
    path = shared_data / "labeled" / "Cohen_2006_NSAIDS.csv"
    doc = simulate_dataset(path, seed=42)
    assert doc["wss95"] > 0.5
    assert doc["recall_at_10pct"] > 0.4
    rng = np.random.default_rng(0)
    texts, gold = read_labeled_csv(path)
    random_wss = np.mean([screening_metrics(np.asarray(gold)[rng.permutation(len(gold))]).wss95 for _ in range(20)])
    assert random_wss < 0.15
