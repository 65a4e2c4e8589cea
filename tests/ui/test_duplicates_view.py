"""The Duplicates view: find candidates, decide pairs by keyboard (merge, not a duplicate), split a
merge from the groups tab; every outcome checked through the services."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from screener.core.records import ParsedFile, RecordData
from screener.services import screening
from screener.services.dedup import duplicates_by_source, find_candidates, list_groups, pairs_to_review
from screener.services.export import record_data
from screener.services.importing import import_parsed
from screener.services.project import init_project, open_project
from screener.ui.duplicates_view import DuplicatesDialog, differing_fields, open_duplicates, word_diff_html
from tests.ui.helpers import open_as, settle

A = RecordData(title="Segment anything in medical images", authors=("Ma, Jun", "He, Yuting", "Wang, Bo"),
               year=2024, journal="Nature Communications", volume="15", pages="654", doi="10.1038/s41467-024-44824-z")
A2 = RecordData(title="Segment Anything in Medical Images.", authors=("Ma J", "He Y", "Wang B"), year=2024,
                journal="Nat Commun", volume="15", pages="654", doi="10.1038/S41467-024-44824-Z",
                abstract="Medical image segmentation is a critical component in clinical practice.")
D = RecordData(title="Foundation models for retinal image analysis: a review", authors=("Zhou, Y.", "Li, K."),
               year=2023, journal="Eye")
D2 = RecordData(title="Foundation models in retinal image analysis - a review", authors=("Zhou Y",), year=2024,
                journal="Eye (Lond)")
P = RecordData(title="Towards generalist biomedical AI", authors=("Tu, Tao",), year=2023, journal="arXiv",
               arxiv_id="2307.14334")
P2 = RecordData(title="Towards generalist biomedical AI", authors=("Tu, Tao",), year=2024,
                doi="10.1056/aioa2300138", journal="NEJM AI")
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def dup_project(tmp_path) -> Path:
    """Records 1-3 from PubMed, 4-6 their duplicates from Scopus; 1 and 4 carry differing decisions."""
    path = tmp_path / "dups.screener"
    store = init_project(path, title="Dedup review", reviewers=["ana", "ben"])
    import_parsed(store, ParsedFile("pubmed.nbib", "medline", "utf-8", (A, D, P)), source="PubMed")
    import_parsed(store, ParsedFile("scopus.ris", "ris", "utf-8", (A2, D2, P2)), source="Scopus")
    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 4, "ana", "exclude", reasons=["Wrong population"])
    store.close()
    return path


def _key(qtbot, dialog, key) -> None:
    qtbot.keyClick(dialog.list, key)


def _wait(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: dialog.idle, timeout=10000)


def test_differences_are_found():
    from screener.services.dto import RecordView

    def view(rid, rec):
        return RecordView(rid, rec.title, rec.abstract, rec.authors, rec.year, rec.journal, rec.volume, rec.issue,
                          rec.pages, rec.doi, rec.pmid, rec.arxiv_id, rec.url, rec.keywords, rec.pub_type,
                          rec.language, {}, (), None)

    diff = differing_fields(view(1, A), view(4, A2))
    # case and a final full stop are not differences; the journal's abbreviation is
    assert "title" not in diff and "doi" not in diff and diff["journal"] == "differ"
    assert diff["abstract"] == "missing" and "year" not in diff
    a, b = word_diff_html(D.title, D2.title, "x")
    assert '<span style="x">for</span>' in a and '<span style="x">in</span>' in b and "retinal" in a


def test_find_review_merge_not_duplicate_split(qtbot, main_window, dup_project):
    w = main_window
    open_as(qtbot, w, dup_project, "ana")
    # opened the way the main window's menu action does it
    action = QAction("Duplicates…", w)
    action.setShortcut(QKeySequence("Ctrl+Shift+D"))
    action.triggered.connect(partial(open_duplicates, w))
    action.trigger()
    dialog = w.dialogs["duplicates"]
    assert isinstance(dialog, DuplicatesDialog) and dialog.isVisible()
    _wait(qtbot, dialog)
    assert dialog.list.count() == 0

    # find, with the sure pairs merged at once: 1-4 is sure but carries decisions, so it comes here
    dialog.auto_box.setChecked(True)
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_find is not None and dialog.idle, timeout=10000)
    assert dialog.last_find["merged"] == 0 and dialog.last_find["links"] == 1
    assert [g.ids for g in dialog.items] == [(1, 4), (2, 5)]
    qtbot.waitUntil(lambda: "#1" in dialog.pane.toPlainText() and "Nat Commun" in dialog.pane.toPlainText())
    assert "same DOI" in dialog.pane.toPlainText() and "Decisions" in dialog.pane.toPlainText()

    # M merges the first pair: its records carry differing decisions → a clear notice
    _key(qtbot, dialog, Qt.Key.Key_M)
    assert dialog.current().ids == (2, 5)  # the next group shows at once
    qtbot.waitUntil(lambda: "Foundation models in" in dialog.pane.toPlainText(), timeout=5000)
    _wait(qtbot, dialog)
    assert dialog.notice.isVisible()
    assert "differing screening decisions" in dialog.notice.text() and "Split" in dialog.notice.text()

    # N: not a duplicate
    _key(qtbot, dialog, Qt.Key.Key_N)
    _wait(qtbot, dialog)
    assert dialog.list.count() == 0 and "Nothing" in dialog.count_label.text()

    # the preprint/published link is listed under its own filter
    dialog.filter.setCurrentIndex(dialog.filter.findData("link"))
    _wait(qtbot, dialog)
    assert [g.ids for g in dialog.items] == [(3, 6)]
    _key(qtbot, dialog, Qt.Key.Key_S)  # S skips it: it moves to the skipped pairs
    _wait(qtbot, dialog)
    assert dialog.list.count() == 0

    with open_project(dup_project) as store:
        assert pairs_to_review(store, "not_duplicate")[0].a_id == 2
        assert pairs_to_review(store) == []
        assert [(p.a_id, p.b_id) for p in pairs_to_review(store, "skipped")] == [(3, 6)]
        assert len(record_data(store)) == 6  # a merge keeps every source record
        assert sum(duplicates_by_source(store).values()) == 1

    # the groups tab lists the merge; Split undoes it
    dialog.tabs.setCurrentIndex(1)
    assert dialog.group_table.rowCount() == 1
    assert dialog.group_table.item(0, 1).text() in ("#1", "#4")
    dialog.group_table.selectRow(0)
    assert dialog.split_button.isEnabled()
    qtbot.mouseClick(dialog.split_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, dialog)
    assert dialog.group_table.rowCount() == 0
    with open_project(dup_project) as store:
        assert duplicates_by_source(store) == {}
        assert dict(record_data(store, [1]))[1] == A and dict(record_data(store, [4]))[4] == A2
        # after the split the pair is back for review
        assert [(p.a_id, p.b_id) for p in pairs_to_review(store)] == [(1, 4)]
    settle(qtbot, w)
    dialog.close()


def test_merged_differing_decisions_wait_in_conflicts_until_resolved(qtbot, main_window, dup_project):
    from screener.services.outcomes import stage_outcomes
    from screener.ui.conflicts_view import ConflictsDialog

    w = main_window
    dialog = _open(qtbot, w, dup_project)
    dialog.auto_box.setChecked(True)
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_find is not None and dialog.idle, timeout=10000)
    assert dialog.current().ids == (1, 4)
    dialog.kept_choice[(1, 4)] = 4
    _key(qtbot, dialog, Qt.Key.Key_M)
    _wait(qtbot, dialog)
    assert dialog.notice.isVisible() and "#4 is listed under Conflicts" in dialog.notice.text()
    dialog.close()

    w.actions_by_name["conflicts"].trigger()
    qtbot.waitUntil(lambda: isinstance(w.dialogs.get("conflicts"), ConflictsDialog), timeout=5000)
    conflicts = w.dialogs["conflicts"]
    qtbot.waitUntil(lambda: not conflicts.busy and conflicts.list.count() == 1, timeout=5000)
    assert conflicts.list.item(0).text().startswith("#4 ")
    assert "(#1) were screened differently" in conflicts.title_label.text()
    headers = [conflicts.table.horizontalHeaderItem(c).text() for c in range(conflicts.table.columnCount())]
    assert headers == ["ana", "ana on #1"]
    assert [conflicts.table.item(0, c).text() for c in range(2)] == ["exclude", "include"]
    qtbot.keyClick(conflicts.list, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: not conflicts.busy and conflicts.list.count() == 0, timeout=5000)
    assert "No conflicts left" in conflicts.count_label.text()
    with open_project(dup_project) as store, store.read() as s:
        outcome = stage_outcomes(s, "title_abstract")[4]
    assert outcome.state == "include" and outcome.resolved
    settle(qtbot, w)
    conflicts.close()


A3 = RecordData(title="SEGMENT ANYTHING IN MEDICAL IMAGES", authors=("Ma, J.", "He, Y."), year=2024,
                journal="NATURE COMMUNICATIONS", volume="15", issue="1", pages="654", pmid="38253604")


@pytest.fixture
def triple_project(tmp_path) -> Path:
    """Records 1 (PubMed), 2 (Scopus), 3 (Web of Science): one paper; 1 carries a decision, so
    the three come to review as one group."""
    path = tmp_path / "triple.screener"
    store = init_project(path, title="Dedup review", reviewers=["ana"])
    import_parsed(store, ParsedFile("pubmed.nbib", "medline", "utf-8", (A, D)), source="PubMed")
    import_parsed(store, ParsedFile("scopus.ris", "ris", "utf-8", (A2,)), source="Scopus")
    import_parsed(store, ParsedFile("wos.txt", "wos", "utf-8", (A3,)), source="Web of Science")
    screening.decide(store, 1, "ana", "include")
    find_candidates(store, auto=True, by="ana")
    store.close()
    return path


def _open(qtbot, main_window, project) -> DuplicatesDialog:
    open_as(qtbot, main_window, project, "ana")
    dialog = open_duplicates(main_window)
    _wait(qtbot, dialog)
    return dialog


def _columns(dialog, pane) -> list[int]:
    """Record ids in the order of the side-by-side columns, read from the rendered pane."""
    import re

    heading = pane.toPlainText().split("Title")[0]
    return [int(x) for x in re.findall(r"#(\d+)", heading)]


def test_three_copies_reviewed_at_once_kept_record_chosen_one_taken_out(qtbot, main_window, triple_project):
    dialog = _open(qtbot, main_window, triple_project)
    assert [g.ids for g in dialog.items] == [(1, 3, 4)]
    assert "(3 records)" in dialog.list.item(0).text()
    qtbot.waitUntil(lambda: _columns(dialog, dialog.pane) == [3, 1, 4], timeout=5000)  # the most complete first
    assert "kept" in dialog.pane.toPlainText() and "38253604" in dialog.pane.toPlainText()

    # → chooses the next record; K keeps it: it moves to the first column
    _key(qtbot, dialog, Qt.Key.Key_Right)
    assert dialog.chosen["review"] == 1
    _key(qtbot, dialog, Qt.Key.Key_K)
    assert dialog.kept_of(dialog.current()) == 1 and _columns(dialog, dialog.pane) == [1, 3, 4]

    # 3 chooses the third column; X takes record 4 out, the two others stay on screen
    _key(qtbot, dialog, Qt.Key.Key_3)
    assert dialog.chosen["review"] == 4
    _key(qtbot, dialog, Qt.Key.Key_X)
    assert dialog.current().ids == (1, 3)
    _wait(qtbot, dialog)
    assert [g.ids for g in dialog.items] == [(1, 3)]
    with open_project(triple_project) as store:
        assert {(p.a_id, p.b_id) for p in pairs_to_review(store, "not_duplicate")} == {(1, 4), (3, 4)}

    # Ctrl+Z brings it back
    qtbot.keyClick(dialog.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _wait(qtbot, dialog)
    assert [g.ids for g in dialog.items] == [(1, 3, 4)]

    # M merges all three into the record chosen to keep
    dialog.kept_choice[(1, 3, 4)] = 1
    _key(qtbot, dialog, Qt.Key.Key_M)
    _wait(qtbot, dialog)
    assert dialog.list.count() == 0
    with open_project(triple_project) as store:
        groups = list_groups(store)
        assert [(g["kept"], g["merged"]) for g in groups] == [(1, [3, 4])]
        data = dict(record_data(store))
        assert data[1].abstract == A2.abstract and data[4] == A3  # best metadata kept, sources intact

    # Merged groups: choose record 4 with "3" and keep it (K); Ctrl+Z goes back to record 1
    dialog.tabs.setCurrentIndex(1)
    dialog.group_table.selectRow(0)
    qtbot.waitUntil(lambda: _columns(dialog, dialog.group_pane) == [1, 3, 4], timeout=5000)
    qtbot.keyClick(dialog.group_table, Qt.Key.Key_3)
    assert dialog.chosen["groups"] == 4
    qtbot.keyClick(dialog.group_table, Qt.Key.Key_K)
    _wait(qtbot, dialog)
    qtbot.waitUntil(lambda: _columns(dialog, dialog.group_pane) == [4, 1, 3], timeout=5000)
    with open_project(triple_project) as store:
        data = dict(record_data(store))
        assert list_groups(store)[0]["kept"] == 4 and data[1] == A and data[4].abstract == A2.abstract
    qtbot.keyClick(dialog.group_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _wait(qtbot, dialog)
    with open_project(triple_project) as store:
        data = dict(record_data(store))
        assert list_groups(store)[0]["kept"] == 1 and data[4] == A3 and data[1].abstract == A2.abstract

    # X takes the chosen record out of the merged group; the other two stay merged
    qtbot.waitUntil(lambda: _columns(dialog, dialog.group_pane) == [1, 3, 4], timeout=5000)
    qtbot.keyClick(dialog.group_table, Qt.Key.Key_1)
    assert dialog.chosen["groups"] == 1
    qtbot.keyClick(dialog.group_table, Qt.Key.Key_Left)  # from the kept record round to the last
    assert dialog.chosen["groups"] == 4
    qtbot.mouseClick(dialog.out_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, dialog)
    assert dialog.group_table.rowCount() == 1 and dialog.group_table.item(0, 1).text() == "#3"
    with open_project(triple_project) as store:
        assert dict(record_data(store, [4]))[4] == A3
        assert duplicates_by_source(store) == {"Scopus": 1}
    settle(qtbot, main_window)
    dialog.close()


def test_render_docs_image(qtbot, main_window, triple_project, tmp_path):
    """An offscreen grab of the review tab with a group of three; written to docs/duplicates.png
    with SCREENER_RENDER_DOCS=1."""
    dialog = _open(qtbot, main_window, triple_project)
    dialog.resize(1200, 720)
    qtbot.waitUntil(lambda: _columns(dialog, dialog.pane) == [3, 1, 4], timeout=5000)
    _key(qtbot, dialog, Qt.Key.Key_Right)
    out = DOCS / "duplicates.png" if os.environ.get("SCREENER_RENDER_DOCS") else tmp_path / "duplicates.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(out))
    assert out.stat().st_size > 10000
    dialog.close()
