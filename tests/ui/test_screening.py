"""Screening by keyboard in the real window: decide, pick reasons, tag, note, undo, redo."""

from __future__ import annotations

from PySide6.QtCore import Qt

from screener.services import queries, screening
from screener.services.project import open_project
from screener.services.taxonomy import list_tags
from screener.services.taxonomy_keys import set_tag_shortcut
from tests.ui.helpers import open_as, settle


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    """A key press where the user's focus is (the list, unless a field took it)."""
    target = window.focusWidget() or window.screen.table
    qtbot.keyClick(target, k, modifier)


def decisions_of(project, reviewer="ana", stage="ta"):
    with open_project(project) as store:
        return queries.my_labels(store, reviewer, stage)


def test_screen_twenty_records_by_keyboard_then_undo_and_redo(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project)
    assert w.session.current == 1 and w.screen.record_pane.shown_id == 1
    assert w.screen.table.hasFocus()
    plan = []
    for i in range(20):
        if i % 5 == 3:
            key(qtbot, w, Qt.Key.Key_E)  # exclude: the reason picker opens
            assert w.screen.decision_panel.picking
            key(qtbot, w, Qt.Key.Key_2)  # reason 2 of the template
            plan.append("exclude")
        elif i % 5 == 4:
            key(qtbot, w, Qt.Key.Key_M)
            plan.append("maybe")
        else:
            key(qtbot, w, Qt.Key.Key_I)
            plan.append("include")
        # the next record is on screen at once, before the write is done
        assert w.screen.record_pane.shown_id == i + 2 or w.session.view(i + 2) is None
        settle(qtbot, w) if i % 7 == 6 else None
    settle(qtbot, w)
    assert w.session.current == 21 and w.screen.record_pane.shown_id == 21
    saved = decisions_of(project)
    assert [saved[i + 1] for i in range(20)] == plan
    with open_project(project) as store:
        d = screening.get_decision(store, 4, "ana", "ta")
        assert d.label == "exclude" and len(d.reasons) == 1
    assert w.screen.mine_bar.value() == 20

    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, w)
    assert w.session.current == 19  # undo brings back the record it undid
    saved = decisions_of(project)
    assert 19 not in saved and 20 not in saved and len(saved) == 18
    assert w.session.model.data(w.session.model.index(18, 4)) == ""
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, w)
    assert decisions_of(project)[19] == plan[18]
    assert "Redo" in w.actions_by_name["redo"].text() and w.actions_by_name["redo"].isEnabled()


def test_reason_picker_escape_and_optional_reason(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project)
    key(qtbot, w, Qt.Key.Key_E)
    assert w.screen.decision_panel.picking
    key(qtbot, w, Qt.Key.Key_Escape)  # cancel: nothing decided
    assert not w.screen.decision_panel.picking and w.session.current == 1
    key(qtbot, w, Qt.Key.Key_E)
    key(qtbot, w, Qt.Key.Key_Return)  # optional at title/abstract: exclude without a reason
    settle(qtbot, w)
    assert decisions_of(project) == {1: "exclude"} and w.session.current == 2


def test_tags_by_filter_and_shortcut_and_a_note(qtbot, main_window, project):
    with open_project(project) as store:
        ct = next(t for t in list_tags(store) if t.path == "Imaging modality > CT")
        set_tag_shortcut(store, ct.id, "Alt+C")
    w = main_window
    open_as(qtbot, w, project)
    key(qtbot, w, Qt.Key.Key_T)
    assert w.screen.tag_panel.filter.hasFocus()
    qtbot.keyClicks(w.screen.tag_panel.filter, "segmentation")
    key(qtbot, w, Qt.Key.Key_Return)  # ticks the first match
    key(qtbot, w, Qt.Key.Key_Escape)
    assert w.screen.table.hasFocus()
    key(qtbot, w, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert w.session.draft()["tags"] == ["Imaging modality > CT", "Task > Segmentation"]
    key(qtbot, w, Qt.Key.Key_N)
    assert w.screen.decision_panel.note.hasFocus()
    qtbot.keyClicks(w.screen.decision_panel.note, "check the methods")
    key(qtbot, w, Qt.Key.Key_Escape)
    assert w.screen.table.hasFocus()
    key(qtbot, w, Qt.Key.Key_I)
    settle(qtbot, w)
    with open_project(project) as store:
        d = screening.get_decision(store, 1, "ana", "ta")
    assert d.label == "include" and d.tags == ("Imaging modality > CT", "Task > Segmentation")
    assert d.note == "check the methods"
    # tagging a decided record is its own undoable change
    key(qtbot, w, Qt.Key.Key_K)
    assert w.session.current == 1
    key(qtbot, w, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    settle(qtbot, w)
    with open_project(project) as store:
        assert screening.get_decision(store, 1, "ana", "ta").tags == ("Task > Segmentation",)
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, w)
    with open_project(project) as store:
        assert len(screening.get_decision(store, 1, "ana", "ta").tags) == 2


def test_search_filter_and_sort(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project)
    key(qtbot, w, Qt.Key.Key_I)
    settle(qtbot, w)
    key(qtbot, w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.screen.search.hasFocus()
    qtbot.keyClicks(w.screen.search, "MRI")
    qtbot.waitUntil(lambda: w.session.query.search == "MRI", timeout=3000)  # debounced
    settle(qtbot, w)
    assert w.session.model.rowCount() == 15
    key(qtbot, w, Qt.Key.Key_Return)  # back to the list
    assert w.screen.table.hasFocus()
    w.screen.search.clear()
    w.screen.set_filter("todo")
    qtbot.waitUntil(lambda: w.session.model.rowCount() == 29, timeout=3000)
    w.screen.set_filter("all")
    settle(qtbot, w)
    w.screen.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.DescendingOrder)  # year
    settle(qtbot, w)
    assert w.session.query.sort == "year" and w.session.query.descending
    years = [int(w.session.model.data(w.session.model.index(r, 2)) or 0) for r in range(5)]
    assert years == sorted(years, reverse=True)
    w.screen.order_combo.setCurrentIndex(w.screen.order_combo.findData("random"))
    settle(qtbot, w)
    assert w.session.query.order == "random" and w.session.query.sort == "queue"
    assert w.session.model.ids != sorted(w.session.model.ids)
