"""Relevance ranking over a real project's decisions (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys

from screener.core.records import ParsedFile, RecordData
from screener.services import screening
from screener.services.importing import import_parsed
from screener.services.project import init_project, update_settings
from screener.services.ranking import rank_summary, relevance_order


def test_ranking_puts_similar_records_first(project_location):
    st = init_project(project_location, reviewers=["ana"])
    seg = [RecordData(title=f"Segment anything model for {organ} segmentation in CT") for organ in
           ("liver", "kidney", "spleen", "lung", "pancreas", "heart")]
    other = [RecordData(title=f"Crop yield prediction from {x} weather data") for x in
             ("rainfall", "sunshine", "frost", "wind", "humidity", "drought")]
    import_parsed(st, ParsedFile("x.ris", "ris", "utf-8", tuple(seg + other)))
    update_settings(st, stage_changes={"ta": {"reviewers_required": 1}})
    screening.decide(st, 1, "ana", "include")
    screening.decide(st, 7, "ana", "exclude")
    order = [r for r in relevance_order(st, "ta", "ana") if r not in (1, 7)]
    summary = rank_summary(st)
    assert summary["model_fitted"] and summary["n_labeled"] == 2 and summary["n_unlabeled"] == 10
    assert set(order[:5]) == {2, 3, 4, 5, 6} and set(summary["top"][:5]) == {2, 3, 4, 5, 6}
    assert rank_summary(st)["stopping"]["safe_to_stop"] is False
    st.close()


def test_simulate_cli_json(shared_data, tmp_path):
    order = tmp_path / "order.csv"
    res = subprocess.run([sys.executable, "-m", "screener.cli.main", "simulate",
                          str(shared_data / "labeled" / "Cohen_2006_Triptans.csv"), "--json", "--prior-rows", "270,658",
                          "--order-out", str(order)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    for key in ("n_records", "n_included", "seed", "wss95", "wss100", "recall_at_10pct", "atd", "records_to_95",
                "records_to_100", "seconds", "mean_retrain_seconds"):
        assert key in doc
    assert doc["n_records"] == 671 and doc["wss95"] > 0.3
    assert order.read_text().splitlines()[0] == "position,row,label,prior"
