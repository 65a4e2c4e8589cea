"""A new user's first minutes: every empty place says what to do next, the main actions explain
themselves, and an error names the next step."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from screener.services.project import init_project
from tests.ui.helpers import open_as, settle, wait_idle


def test_first_start_says_where_to_begin(main_window, project):
    page = main_window.start_page
    assert page.recent_empty.isVisible() and not page.recent.isVisible()
    assert "New project…" in page.recent_empty.text()
    tips = [b.toolTip() for b in page.buttons]
    assert "(Ctrl+N)" in tips[0] and "(Ctrl+O)" in tips[1] and all(tips)
    before = main_window.minimumSizeHint()
    page.set_recent([str(project)])
    assert page.recent.isVisible() and not page.recent_empty.isVisible()
    assert main_window.minimumSizeHint() == before  # the window does not grow for the swap


def test_empty_project_points_to_import(qtbot, main_window, tmp_path):
    path = tmp_path / "empty.screener"
    init_project(path, title="Empty", reviewers=["ana"]).close()
    main_window.open_project(str(path), "ana")
    wait_idle(qtbot, main_window, lambda: main_window.session is not None and not main_window.session.loading)
    settle(qtbot, main_window)
    text = main_window.screen.record_pane.toPlainText()
    assert "no records yet" in text and "Import records…" in text and "(Ctrl+I)" in text
    main_window.screen.set_stage("ft")
    wait_idle(qtbot, main_window, lambda: main_window.session.stage == "full_text" and not main_window.session.loading)
    settle(qtbot, main_window)
    assert "reached the full text" in main_window.screen.record_pane.toPlainText()


def test_search_without_match_says_how_to_get_back(qtbot, main_window, project):
    open_as(qtbot, main_window, project)
    main_window.screen.search.setText("no such words anywhere")
    wait_idle(qtbot, main_window, lambda: main_window.session.model.rowCount() == 0)
    settle(qtbot, main_window)
    assert "Clear the search box" in main_window.screen.record_pane.toPlainText()


def test_main_actions_explain_themselves(main_window):
    actions = main_window.actions_by_name
    for name in ("new", "open", "import", "merge", "settings", "stage_ft", "duplicates", "help"):
        assert len(actions[name].statusTip()) > 15, name


def test_a_missing_project_file_says_how_to_find_it(qtbot, main_window, tmp_path):
    missing = str(tmp_path / "moved.screener")
    main_window.open_project(missing, "ana")
    qtbot.waitUntil(lambda: any(b.isVisible() for b in main_window.findChildren(QMessageBox)), timeout=10000)
    box = next(b for b in main_window.findChildren(QMessageBox) if b.isVisible())
    assert "no such project file" in box.text() and "File → Open project… (Ctrl+O)" in box.text()
    box.accept()
