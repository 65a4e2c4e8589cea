"""Relevance ranking over a real project's decisions (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


def _two_topics(st):
    seg = [RecordData(title=f"Segment anything model for {organ} segmentation in CT") for organ in
           ("liver", "kidney", "spleen", "lung", "pancreas", "heart")]
    other = [RecordData(title=f"Crop yield prediction from {x} weather data") for x in
             ("rainfall", "sunshine", "frost", "wind", "humidity", "drought")]
    import_parsed(st, ParsedFile("x.ris", "ris", "utf-8", tuple(seg + other)))
    update_settings(st, stage_changes={"ta": {"reviewers_required": 1}})


def test_snapshot_queue_scores_and_cached_features(project_location):
    from screener.ranking.model import RankerSettings
    from screener.services import ranking

    st = init_project(project_location, reviewers=["ana", "ben"])
    _two_topics(st)
    first = ranking.ranking_snapshot(st, "ta", "ana")
    assert not first.model_fitted and first.order == tuple(range(1, 13)) and first.scores == {}
    screening.decide(st, 7, "ana", "exclude")
    screening.decide(st, 1, "ana", "include")
    screening.decide(st, 2, "ben", "include")  # ben's decision teaches the model too
    settings = RankerSettings(exploration=0.0)
    snap = ranking.ranking_snapshot(st, "ta", "ana", settings)
    assert snap.model_fitted and snap.n_labeled == 3 and snap.n_included == 2
    # ana's decided records first, in the order she decided them, then her queue by relevance
    assert snap.order[:2] == (7, 1) and set(snap.order[2:7]) == {2, 3, 4, 5, 6}
    assert 2 not in snap.next_up and set(snap.next_up[:4]) == {3, 4, 5, 6}
    assert min(snap.scores[r] for r in (3, 4, 5, 6)) > max(snap.scores[r] for r in (8, 9, 10, 11, 12))
    assert 0.0 <= min(snap.scores.values()) and max(snap.scores.values()) == 100.0
    assert snap.stopping is not None and snap.stopping.n_screened == 3 and not snap.heuristic_says_stop
    # the features are kept: the next refit reuses them, and the settings last used stay
    entry = ranking._entry(st, "title_abstract", None)
    assert entry.settings == settings
    again = ranking.ranking_snapshot(st, "ta", "ana")
    assert ranking._entry(st, "title_abstract", None).ranker is entry.ranker and again.order == snap.order
    # a new record changes the project: the features are built again
    import_parsed(st, ParsedFile("y.ris", "ris", "utf-8", (RecordData(title="Segment anything for the eye"),)))
    assert ranking._entry(st, "title_abstract", None).ranker is not entry.ranker
    assert len(ranking.ranking_snapshot(st, "ta", "ana").order) == 13
    ranking.forget_features(st)
    st.close()


def test_resolutions_override_and_stop_records_model_and_criterion(project_location):
    from screener.core.errors import UserError
    from screener.services import ranking
    from screener.services.conflicts import resolve

    st = init_project(project_location, reviewers=["ana", "ben"])
    _two_topics(st)
    update_settings(st, stage_changes={"ta": {"reviewers_required": 2}})
    screening.decide(st, 1, "ana", "include")
    screening.decide(st, 1, "ben", "include")
    screening.decide(st, 7, "ana", "include")
    screening.decide(st, 7, "ben", "exclude")
    assert ranking.ranking_snapshot(st, "ta").n_included == 2  # one include is a signal...
    resolve(st, 7, "exclude", "ana", "ta")
    assert ranking.ranking_snapshot(st, "ta").n_included == 1  # ...until the conflict is resolved
    assert ranking.automation_report(st) is None
    with pytest.raises(UserError):
        ranking.stop_screening(st, "ana")
    res = ranking.stop_screening(st, "ana", force=True)
    assert res["excluded_by_automation"] == 10 and res["forced"]
    report = ranking.automation_report(st)
    assert report["excluded_by_automation"] == 10
    c = report["criterion"]
    assert (c["n_screened"], c["n_records"], c["recall_target"], c["confidence"]) == (2, 12, 0.95, 0.95)
    assert c["forced"] and report["model"]["settings"]["svm_c"] == 0.11
    assert "linear SVM on TF-IDF" in report["model"]["description"]
    assert "stopped after 2 of 12 records, before the stopping rule allowed it" in report["sentence"]
    # records excluded by automation are no evidence for the model
    snap = ranking.ranking_snapshot(st, "ta")
    assert snap.n_labeled == 2 and snap.next_up == ()
    st.close()


def test_rank_cli_reports_settings_and_both_stopping_rules(tmp_path):
    path = tmp_path / "p.screener"
    st = init_project(path, reviewers=["ana"])
    _two_topics(st)
    screening.decide(st, 1, "ana", "include")
    screening.decide(st, 7, "ana", "exclude")
    st.close()
    cli = [sys.executable, "-m", "screener.cli.main", "rank", str(path)]
    res = subprocess.run(cli + ["--json", "--exploration", "0"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["settings"]["exploration"] == 0.0 and doc["model_fitted"] and set(doc["top"][:5]) == {2, 3, 4, 5, 6}
    assert doc["heuristic"] == {"in_a_row": 100, "says_stop": False}
    res = subprocess.run(cli, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "estimated recall" in res.stdout and "excluded in a row" in res.stdout
    res = subprocess.run(cli + ["--exploration", "2"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "between 0 and 1" in res.stderr
