"""The desktop app: a project another screener holds opens read-only (writing disabled and
explained), File → Back up and the daily backup, and bugs, Qt warnings and native crashes in
the log file while the app stays alive."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication, QMessageBox

from screener.services.backup import backup_dir, list_backups
from screener.storage.lock import lock_path
from tests.reliability.crash_harness import integrity
from tests.reliability.test_lock import HOLDER
from tests.ui.conftest import OFFSCREEN_NOISE, app_setup, isolated_user_state, main_window, project  # noqa: F401
from tests.ui.helpers import open_as, settle, wait_idle

TEST_WARNING = "screener reliability test warning"
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, TEST_WARNING)]


@pytest.fixture
def holder(project):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(project)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    yield proc
    proc.stdin.close()
    proc.wait(timeout=30)
    proc.stdout.close()


def _decisions(project) -> int:
    con = sqlite3.connect(project)
    try:
        return con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    finally:
        con.close()


def _message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_a_project_open_elsewhere_is_offered_read_only_with_writing_disabled(qtbot, main_window, project, holder,
                                                                            tmp_path):
    before = _decisions(project)
    main_window.open_project(str(project), "ana")
    qtbot.waitUntil(lambda: "locked" in main_window.dialogs, timeout=10000)
    box = main_window.dialogs["locked"]
    assert "open in another screener" in box.text() and str(holder.pid) in box.text()
    read_only = next(b for b in box.buttons() if "read-only" in b.text())
    read_only.click()
    wait_idle(qtbot, main_window, lambda: main_window.session is not None and main_window.session.view() is not None)
    settle(qtbot, main_window)
    w = main_window
    assert w.ctx.store.read_only and w.read_only_label.isVisible()
    assert "read-only" in w.windowTitle() and "opened read-only" in w.read_only_label.toolTip()
    for name in ("include", "exclude", "maybe", "clear", "note", "attach"):
        assert not w.screen.actions_by_name[name].isEnabled(), name
    for name in ("import", "merge", "settings"):
        assert not w.actions_by_name[name].isEnabled(), name
    assert w.actions_by_name["export"].isEnabled() and w.screen.actions_by_name["next"].isEnabled()
    w.screen.actions_by_name["next"].trigger()  # moving on re-enables nothing that writes
    settle(qtbot, w)
    assert not w.screen.actions_by_name["include"].isEnabled()
    w.grab().save(str(tmp_path / "read_only.png"))
    # A write that slips through anyway is refused with the reason, and nothing is written.
    w.session.decide("include")
    qtbot.waitUntil(lambda: any("read-only" in b.text() for b in _message_boxes()), timeout=10000)
    settle(qtbot, w)
    assert _decisions(project) == before
    assert read_holder_pid(project) == holder.pid  # the reader never touched the lock
    for b in _message_boxes():
        b.close()


def read_holder_pid(project):
    from screener.storage.lock import read_holder

    return read_holder(lock_path(project)).pid


def test_the_same_project_chosen_again_reopens_here(qtbot, main_window, project):
    open_as(qtbot, main_window, project, "ana")
    first = main_window.ctx.store
    main_window.open_project(str(project), "ana")
    wait_idle(qtbot, main_window, lambda: main_window.ctx is not None and main_window.ctx.store is not first)
    settle(qtbot, main_window)
    assert not main_window.ctx.store.read_only and "locked" not in main_window.dialogs
    main_window.close_project()
    assert not lock_path(project).exists()


def test_back_up_action_and_daily_backup(qtbot, main_window, project, tmp_path, monkeypatch):
    open_as(qtbot, main_window, project, "ana")
    wait_idle(qtbot, main_window, lambda: bool(list_backups(main_window.ctx.store)))
    daily = list_backups(main_window.ctx.store)
    assert len(daily) == 1 and integrity(daily[0].path) == [("ok",)]
    assert os.path.dirname(daily[0].path) == str(backup_dir(main_window.ctx.store))
    target = tmp_path / "elsewhere" / "copy.screener"
    target.parent.mkdir()
    from PySide6.QtWidgets import QFileDialog

    # The file dialog is the one part a test cannot click through: answer it with our path.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    main_window.session.decide("include")  # screening goes on around the backup
    main_window.actions_by_name["backup"].trigger()
    main_window.screen.actions_by_name["next"].trigger()
    main_window.session.decide("exclude", ["Not medical imaging"])
    wait_idle(qtbot, main_window, lambda: target.exists())
    settle(qtbot, main_window)
    assert integrity(target) == [("ok",)]
    assert "Backed up to" in main_window.statusBar().currentMessage()
    main_window.close_project()
    main_window.open_project(str(project), "ana")  # reopened the same day: no second daily backup
    wait_idle(qtbot, main_window, lambda: main_window.session is not None)
    settle(qtbot, main_window)
    assert len(list_backups(main_window.ctx.store)) == 1


# -- the log file ----------------------------------------------------------------------------------------

@pytest.fixture
def log_file():
    from screener.ui.errors import setup_logging, shutdown_logging

    hooks = sys.excepthook, threading.excepthook
    path = setup_logging()
    yield path
    shutdown_logging()
    sys.excepthook, threading.excepthook = hooks


@pytest.mark.qt_no_exception_capture
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the thread's bug is the test
def test_a_bug_in_a_slot_is_logged_and_the_app_stays_alive(qtbot, main_window, project, log_file):
    from screener.ui.errors import BugReportDialog, install_excepthook

    install_excepthook(lambda: main_window)
    fired = []

    def broken_slot() -> None:
        fired.append("broken")
        raise ZeroDivisionError("a bug in a slot")

    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: any(isinstance(w, BugReportDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=10000)
    text = log_file.read_text(encoding="utf-8")
    assert "ZeroDivisionError: a bug in a slot" in text and "broken_slot" in text
    # alive: events still run, and the app still opens a project and records a decision
    QTimer.singleShot(0, lambda: fired.append("after"))
    qtbot.waitUntil(lambda: "after" in fired, timeout=5000)
    for w in QApplication.topLevelWidgets():
        if isinstance(w, BugReportDialog):
            w.close()
    open_as(qtbot, main_window, project, "ana")
    main_window.session.decide("include")
    settle(qtbot, main_window)
    assert _decisions(project) == 1
    # a bug in a plain Python thread is logged too
    t = threading.Thread(target=lambda: 1 / 0, name="worker-x")
    t.start()
    t.join()
    assert "bug in thread worker-x" in log_file.read_text(encoding="utf-8")


def test_qt_warnings_go_to_the_log_file(qtbot, log_file):
    qWarning(TEST_WARNING)
    assert TEST_WARNING in log_file.read_text(encoding="utf-8")
    assert "WARNING screener.qt" in log_file.read_text(encoding="utf-8")


def test_environment_errors_are_messages_not_bug_reports(qtbot, main_window, log_file):
    from screener.ui.errors import BugReportDialog, show_error

    box = show_error(main_window, OSError(28, "No space left on device", "/data/records.csv"))
    assert isinstance(box, QMessageBox) and "No space left" in box.text() and "/data/records.csv" in box.text()
    box.close()
    bug = show_error(main_window, RuntimeError("a real bug"))
    assert isinstance(bug, BugReportDialog)
    bug.close()


CRASH = textwrap.dedent("""
    import faulthandler, sys
    from screener.ui.errors import setup_logging
    print(setup_logging(), flush=True)
    faulthandler._sigsegv()
""")


def test_a_native_crash_leaves_its_traceback_in_the_log_file(tmp_path):
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"), QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode != 0  # it really crashed
    with open(run.stdout.strip().splitlines()[0], encoding="utf-8") as fh:
        log = fh.read()
    assert "Fatal Python error: Segmentation fault" in log
    assert "most recent call first" in log and "<module>" in log
