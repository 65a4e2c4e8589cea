"""End to end on the real labeled sets: the sets' own scorer, against bib-dedupe's published scores.

``baseline_metrics.csv`` beside the sets holds bib-dedupe's and ASySD's pairwise scores on each
of them; screener must keep precision at 0.999 or more and reach at least bib-dedupe's F1.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from screener.dedup import find_duplicates

from .helpers import records_from_csv

SETS = ["sra_cytology_screening", "sra_haematology", "sra_respiratory", "sra_stroke", "colrev_digital_work"]


@pytest.mark.parametrize("name", SETS)
def test_precision_and_f1_at_least_bib_dedupes(name, dedup_data, evaluate, tmp_path):
    path = dedup_data / name / "records.csv"
    df, records = records_from_csv(path)
    clusters = find_duplicates(records).clusters()
    out = tmp_path / "clusters.csv"
    with out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "cluster"])
        for n, group in enumerate(clusters):
            w.writerows([df["record_id"][k], f"c{n}"] for k in group)
    m = evaluate(str(path), str(out), "cluster")
    base = pd.read_csv(dedup_data / "baseline_metrics.csv")
    bib_dedupe = base[(base["dataset"] == name) & (base["tool"] == "bibdedupe")].iloc[0]
    assert m["pair_precision"] >= max(0.999, bib_dedupe["pair_precision"])
    assert m["pair_F1"] >= bib_dedupe["pair_F1"] - 1e-9
