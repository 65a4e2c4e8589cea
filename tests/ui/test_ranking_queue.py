"""The relevance queue in the real window: background refit, the queue following the ranking,
the score column, the stopping rules shown and a stop that records exclusions by automation."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from screener.core.records import ParsedFile, RecordData
from screener.services.importing import import_parsed
from screener.services.prisma import prisma_counts
from screener.services.project import init_project, open_project
from screener.services.ranking import automation_report, ranking_snapshot
from screener.ui.models.record_table import SCORE_COLUMN
from tests.ui.helpers import open_as, settle

SEG = ("liver", "kidney", "spleen", "lung", "pancreas", "heart", "brain", "prostate", "colon", "bone")
CROPS = ("rainfall", "sunshine", "frost", "wind", "humidity", "drought", "soil", "hail", "heat", "fog")


@pytest.fixture
def two_topics(tmp_path) -> Path:
    """20 records, imported alternately on two topics: 1, 3, 5... segmentation; 2, 4, 6... crops."""
    path = tmp_path / "topics.screener"
    store = init_project(path, reviewers=["ana"])
    recs = []
    for organ, weather in zip(SEG, CROPS, strict=True):
        recs.append(RecordData(title=f"Segment anything model for {organ} segmentation in CT",
                               abstract=f"A foundation model segments the {organ} in computed tomography scans."))
        recs.append(RecordData(title=f"Crop yield prediction from {weather} data",
                               abstract=f"Regression of wheat yield on {weather} records of farms."))
    import_parsed(store, ParsedFile("x.ris", "ris", "utf-8", tuple(recs)), source="Made")
    store.close()
    return path


def key(qtbot, window, k):
    qtbot.keyClick(window.focusWidget() or window.screen.table, k)


def exclude(qtbot, window):
    key(qtbot, window, Qt.Key.Key_E)
    if window.screen.decision_panel.picking:  # the reason picker: optional at title/abstract
        key(qtbot, window, Qt.Key.Key_Return)


def test_queue_follows_the_ranking_after_a_background_refit(qtbot, main_window, two_topics):
    w = main_window
    open_as(qtbot, w, two_topics)
    panel = w.screen.ranking_panel
    panel.set_delay(20)
    w.screen.order_combo.setCurrentIndex(w.screen.order_combo.findData("relevance"))
    settle(qtbot, w)
    # no model yet: imported order
    assert w.session.model.ids[:4] == [1, 2, 3, 4] and w.session.current == 1
    key(qtbot, w, Qt.Key.Key_I)  # 1: segmentation, include
    exclude(qtbot, w)  # 2: crops
    settle(qtbot, w)
    qtbot.waitUntil(lambda: panel.snapshot is not None and panel.snapshot.model_fitted, timeout=10000)
    settle(qtbot, w)
    current = w.session.current
    assert current == 3  # the record on screen stays where the reviewer is
    ids = w.session.model.ids
    assert ids[:2] == [1, 2]  # what ana decided, in the order decided, then her queue
    queue = [rid for rid in ids if rid not in (1, 2)]
    assert all(rid % 2 == 1 for rid in queue[:9]) and all(rid % 2 == 0 for rid in queue[9:])
    # the list is the service's ranking, with the record on screen kept at the head
    with open_project(two_topics) as store:
        snap = ranking_snapshot(store, "ta", "ana")
    assert [r for r in queue if r != current] == [r for r in snap.order if r not in (1, 2, current)]
    # the relevance column shows the model's score (a percentile: the crops at the bottom)
    model = w.session.model
    scores = {rid: float(model.data(model.index(model.row_of(rid), SCORE_COLUMN))) for rid in (5, 6)}
    assert scores[5] > 50 > scores[6]
    # deciding goes on down the ranked queue
    key(qtbot, w, Qt.Key.Key_I)
    settle(qtbot, w)
    assert w.session.current % 2 == 1
    # the screening view shows the estimated recall and both stopping rules
    assert "Estimated recall" in panel.recall_label.text()
    assert "Stopping rule" in panel.rule_label.text() and "keep screening" in panel.rule_label.text()
    assert "excluded in a row" in panel.heuristic_label.text()
    w.grab().save(str(two_topics.parent / "ranking.png"))


def test_stop_records_the_rest_as_excluded_by_automation(qtbot, main_window, two_topics):
    w = main_window
    open_as(qtbot, w, two_topics)
    panel = w.screen.ranking_panel
    panel.set_delay(20)
    key(qtbot, w, Qt.Key.Key_I)
    exclude(qtbot, w)
    settle(qtbot, w)
    qtbot.waitUntil(lambda: panel.snapshot is not None and panel.snapshot.n_labeled == 2, timeout=10000)
    assert panel.stop_button.isEnabled()
    with qtbot.waitSignal(panel.stopped, timeout=10000) as blocker:
        panel.stop(force=True)  # the button asks first; the rule does not allow it yet
    assert blocker.args == [18]
    settle(qtbot, w)
    with open_project(two_topics) as store:
        c = prisma_counts(store)
        assert c.excluded_automatic == 18 and c.records_screened == 2
        report = automation_report(store)
    assert report["excluded_by_automation"] == 18 and report["criterion"]["forced"]
    assert report["model"]["settings"]["model"] and "stopped after 2 of 20 records" in report["sentence"]


def test_a_plain_reviewer_cannot_stop_screening_for_the_team(qtbot, main_window, two_topics):
    from screener.services.reviewers import add_reviewer

    with open_project(two_topics) as store:
        add_reviewer(store, "ben")
    w = main_window
    open_as(qtbot, w, two_topics, reviewer="ben")
    panel = w.screen.ranking_panel
    panel.set_delay(20)
    key(qtbot, w, Qt.Key.Key_I)
    exclude(qtbot, w)
    settle(qtbot, w)
    qtbot.waitUntil(lambda: panel.snapshot is not None and panel.snapshot.n_labeled == 2, timeout=10000)
    assert not panel.stop_button.isEnabled()
    assert "owner or an adjudicator" in panel.stop_button.toolTip()
