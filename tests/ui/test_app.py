"""Starting the app, long work with a delayed cancellable progress dialog, the PySide6 guard."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from screener.services.project import init_project, open_project
from screener.services.status import project_status
from screener.ui import pyside_fix
from screener.ui.app import parse_args, run
from screener.ui.main_window import MainWindow
from screener.ui.tasks import PROGRESS_DELAY_MS, TaskRunner
from tests.ui.helpers import open_as, settle, wait_idle, write_ris


def test_parse_args():
    args = parse_args(["review.screener", "--reviewer", "ana"])
    assert (args.project, args.reviewer, args.demo) == ("review.screener", "ana", False)
    assert parse_args([]).project is None and parse_args(["--demo"]).demo


def test_run_opens_a_project_as_the_given_reviewer(qtbot, project):
    seen = {}
    hook = sys.excepthook

    def close_when_open():
        window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)
        if window is not None and window.session is not None and window.screen.record_pane.shown_id:
            seen["reviewer"] = window.ctx.reviewer
            seen["rows"] = window.session.model.rowCount()
            window.close()
        else:
            QTimer.singleShot(50, close_when_open)

    QTimer.singleShot(50, close_when_open)
    try:
        assert run([str(project), "--reviewer", "ben"]) == 0
    finally:
        sys.excepthook = hook
    assert seen == {"reviewer": "ben", "rows": 30}


def test_progress_dialog_appears_late_and_cancel_rolls_back(qtbot, tmp_path):
    path = tmp_path / "big.screener"
    init_project(path, title="Big", reviewers=["ana"]).close()
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.open_project(str(path), "ana")
    wait_idle(qtbot, w, lambda: w.session is not None and not w.session.loading)
    ris = write_ris(tmp_path / "big.ris", 40000, broken=False)
    dialog = w.import_files([ris])
    wait_idle(qtbot, w, timeout=60000)
    assert dialog.files.item(0, 3).text() == "40000"
    started = time.monotonic()
    task = dialog.start_import()
    assert not [d for d in dialog.findChildren(QProgressDialog) if d.isVisible()]  # not at once
    qtbot.waitUntil(lambda: task.finished or any(d.isVisible() for d in dialog.findChildren(QProgressDialog)),
                    timeout=10000)
    if not task.finished:  # the import outlived the delay: the dialog is up, and its Cancel works
        assert time.monotonic() - started >= PROGRESS_DELAY_MS / 1000 * 0.9
        progress = next(d for d in dialog.findChildren(QProgressDialog) if d.isVisible())
        progress.findChild(QPushButton).click()  # the dialog's Cancel button
        assert task.progress.cancelled
    wait_idle(qtbot, w, timeout=60000)
    with open_project(path) as store:
        n = project_status(store)["records"]
    assert n in (0, 40000)  # whole or nothing, whenever the cancel arrived
    assert ("cancelled" in dialog.result.text()) == (n == 0)

    # a cancel before the first batch: nothing is written
    dialog.summary = None
    task = dialog.start_import()
    task.cancel()
    wait_idle(qtbot, w, timeout=60000)
    assert "cancelled" in dialog.result.text()
    with open_project(path) as store:
        assert project_status(store)["records"] == n
    dialog.reject()
    w.close()


def test_runner_delivers_on_the_gui_thread_and_reports_failures(qtbot):
    from PySide6.QtCore import QThread

    runner = TaskRunner()
    got, errors = [], []
    runner.submit(lambda: QThread.currentThread(), lane="cpu", done=got.append)
    runner.error.connect(lambda exc, tb: errors.append(exc))
    runner.submit(lambda: 1 / 0, lane="db")
    qtbot.waitUntil(lambda: runner.idle)
    assert got and got[0] is not QThread.currentThread()  # ran on a worker...
    assert isinstance(errors[0], ZeroDivisionError)  # ...and failures come back as signals
    runner.wait()


def test_pyside_guard_keeps_singletons_alive():
    if pyside_fix.leaks_singletons():
        assert pyside_fix.install()
        assert sys.getrefcount(None) > 1 << 28 and sys.getrefcount(True) > 1 << 28
    else:
        assert not pyside_fix.install() or sys.version_info < (3, 12)


def test_switch_reviewer_keeps_the_project_open(qtbot, main_window, project):
    from screener.ui.dialogs.reviewer import ReviewerDialog

    w = main_window
    open_as(qtbot, w, project)
    store = w.ctx.store
    w.switch_reviewer()
    dialog = w.dialogs["reviewer"]
    assert isinstance(dialog, ReviewerDialog)
    dialog.combo.setCurrentIndex(dialog.combo.findData("ben"))
    dialog.accept()
    settle(qtbot, w)
    assert w.ctx.reviewer == "ben" and w.ctx.store is store and w.session.reviewer == "ben"
