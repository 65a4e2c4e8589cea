"""The record list model: Qt's model tester, lazy pages, targeted updates, sorting by SQL."""

from __future__ import annotations

from functools import partial

import pytest
from PySide6.QtCore import Qt

from screener.services import queries, screening
from screener.services.project import open_project
from screener.ui.models.record_table import COLUMNS, ID_ROLE, PAGE_SIZE, RecordTableModel
from screener.ui.tasks import TaskRunner


@pytest.fixture
def store(project):
    st = open_project(project)
    yield st
    st.close()


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.wait()


def make_model(store, runner, reviewer="ana"):
    model = RecordTableModel(runner, partial(queries.display_rows, store, reviewer=reviewer, stage="ta"))
    ids = queries.record_ids(store, queries.RecordQuery(reviewer))
    model.set_ids(ids, mine=queries.my_labels(store, reviewer, "ta"), show_others=False)
    return model


def test_model_passes_qt_model_tester(qtmodeltester, qtbot, store, runner):
    screening.decide(store, 2, "ana", "exclude")
    model = make_model(store, runner)
    model.data(model.index(0, 1))  # the tester reads column 0 only; load a page of rows too
    qtbot.waitUntil(lambda: runner.idle)
    assert model.data(model.index(0, 1)).startswith("Record 1:")
    qtmodeltester.check(model, force_py=True)
    # the tester stays connected: a reset, a page arriving and a decision are checked as they happen
    model.set_ids(list(reversed(model.ids)), mine=model.mine)
    model.data(model.index(0, 1))
    qtbot.waitUntil(lambda: runner.idle)
    model.record_changed(2)
    model.refetch(2)
    qtbot.waitUntil(lambda: runner.idle)
    assert model.data(model.index(model.row_of(2), 4)) == "Exclude"
    model.set_ids([])
    assert model.rowCount() == 0


def test_rows_load_lazily_by_page(qtbot, store, runner):
    model = make_model(store, runner)
    assert model.rowCount() == 30 and model.columnCount() == len(COLUMNS)
    assert model.data(model.index(3, 1)) == "Loading…"  # not fetched yet: a placeholder, no DB on the GUI thread
    assert model.data(model.index(3, 0)) == "4" and model.data(model.index(3, 0), ID_ROLE) == 4
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        pass
    assert model.data(model.index(3, 1)).startswith("Record 4:")
    assert model.data(model.index(3, 2)) == "2023"
    assert model.cached_row(3).first_author == "Author4"
    assert PAGE_SIZE >= 30 and model.data(model.index(29, 1)).startswith("Record 30:")


def test_decision_repaints_only_its_row(qtbot, store, runner):
    model = make_model(store, runner)
    model.data(model.index(0, 1))
    qtbot.waitUntil(lambda: runner.idle)
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    model.mine[5] = "include"
    screening.decide(store, 5, "ana", "include")
    model.record_changed(5)  # at once: the reviewer's own label
    assert changed == [(4, 4)]
    model.refetch(5)  # then the row's status, from the database
    qtbot.waitUntil(lambda: runner.idle)
    assert changed and all(a == b == 4 for a, b in changed)
    assert model.data(model.index(4, 4)) == "Include"
    assert model.data(model.index(4, 4), Qt.ItemDataRole.DecorationRole) is not None
    assert model.data(model.index(4, 5)) == "Pending"  # refetched after the write: 1 of 2 reviewers


def test_header_sort_asks_for_a_new_query(qtbot, store, runner):
    model = make_model(store, runner)
    with qtbot.waitSignal(model.sort_requested) as blocker:
        model.sort(1, Qt.SortOrder.DescendingOrder)
    assert blocker.args == ["title", True]
    with qtbot.assertNotEmitted(model.sort_requested):
        model.sort(5)  # status is not sortable
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Title"
    assert model.headerData(1, Qt.Orientation.Vertical) is None
