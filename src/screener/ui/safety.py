"""The main window's safety features: File → Back up, the daily backup, and read-only projects.

A project another screener has open (its lock beside the file) is offered read-only; a project
in a place that cannot be written opens read-only by itself. Either way the window says so in
the status bar (with the reason) and disables every action that would write.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from screener.services.backup import BackupInfo, auto_backup, backup_dir, backup_project
from screener.storage.lock import ProjectLockedError

if TYPE_CHECKING:  # pragma: no cover
    from screener.ui.context import ProjectContext
    from screener.ui.main_window import MainWindow

#: The store's reason when the user asked for read-only (storage.session.Store.open).
ASKED = "opened read-only"
#: Window actions and screen actions that write to the project.
WRITE_ACTIONS = ("import", "merge", "settings", "duplicates", "conflicts", "study")
WRITE_COMMANDS = ("include", "exclude", "maybe", "clear", "note", "tags", "attach", "not_retrieved")


def tr(text: str) -> str:
    return QCoreApplication.translate("safety", text)


# -- backups -------------------------------------------------------------------------------------------

def back_up(window: "MainWindow") -> None:
    """File → Back up…: a copy of the open project where the user says, made while work goes on."""
    ctx = window.ctx
    if ctx is None:
        return
    if not ctx.store.is_file:
        window._on_error(_server_backup_error(ctx))
        return
    stem = Path(ctx.project).stem
    suggested = backup_dir(ctx.store) / f"{stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.screener"
    path, _ = QFileDialog.getSaveFileName(window, tr("Back up the project"), str(suggested),
                                          tr("screener projects (*.screener)"))
    if path:
        start_backup(window, path)


def start_backup(window: "MainWindow", path: str | Path) -> None:
    """Back the open project up to ``path`` on the task runner's read lane (writes keep going)."""
    window.show_status(tr("Backing up…"))
    window.runner.submit(backup_project, window.ctx.store, str(path), lane="read", title=tr("Backing up…"),
                         parent=window, done=lambda info: _backed_up(window, info), failed=window._on_error)


def _backed_up(window: "MainWindow", info: BackupInfo) -> None:
    window.show_status(tr("Backed up to %1 (%2 KB, checked)").replace("%1", info.path)
                       .replace("%2", str(max(1, info.size // 1024))))


def _server_backup_error(ctx: "ProjectContext") -> Exception:
    from screener.core.errors import UserError

    return UserError(tr("A project on a server is backed up by the server (pg_dump); "
                        "`screener pull URL FILE.screener` makes a file copy of it."))


def daily_backup(window: "MainWindow", ctx: "ProjectContext") -> None:
    """On open: the automatic backup when the last one is more than a day old (off the GUI thread)."""
    if ctx.store.is_file and not ctx.store.read_only:
        window.runner.submit(auto_backup, ctx.store, lane="read",
                             done=lambda info: _auto_done(window, info),
                             failed=lambda exc, tb: _auto_failed(window, exc, tb))


def _auto_done(window: "MainWindow", info: BackupInfo | None) -> None:
    if info is not None:
        window.show_status(tr("Daily backup made: %1").replace("%1", Path(info.path).name))


def _auto_failed(window: "MainWindow", exc: BaseException, tb: str) -> None:
    # Not worth a dialog over the user's work: the status bar and the log say it.
    import logging

    logging.getLogger("screener.ui").warning("daily backup failed: %s\n%s", exc, tb)
    window.show_status(tr("The daily backup failed: %1").replace("%1", str(exc)))


# -- read-only projects --------------------------------------------------------------------------------

def offer_read_only(window: "MainWindow", project: str, reviewer: str | None, exc: BaseException) -> bool:
    """When another screener has the project: ask whether to open it read-only. True if handled."""
    if not isinstance(exc, ProjectLockedError):
        return False
    holder = exc.holder
    if holder is not None and holder.pid == os.getpid() and window.ctx is not None and \
            Path(window.ctx.project).resolve() == Path(project).resolve():
        # This window has it open already (the same project chosen again): reopen it here.
        window.close_project()
        window.open_project(project, reviewer)
        return True
    who = holder.describe() if holder else tr("another screener window")
    box = QMessageBox(QMessageBox.Icon.Question, tr("Project in use"),
                      tr("%1 is open in another screener: %2.\n\nTwo people screening one file at once would not "
                         "see each other's work. You can open it read-only to look, search and export.")
                      .replace("%1", Path(project).name).replace("%2", who), QMessageBox.StandardButton.Cancel, window)
    read_only = box.addButton(tr("Open read-only"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(read_only)
    box.setAccessibleName(tr("Project in use"))

    def answered(_result: int) -> None:
        window.dialogs.pop("locked", None)
        if box.clickedButton() is read_only:
            window.open_project(project, reviewer, read_only=True)
        else:
            window.show_status(tr("Not opened"))
        box.deleteLater()

    box.finished.connect(answered)
    window.dialogs["locked"] = box
    box.open()
    window.show_status("")
    return True


def apply_read_only(window: "MainWindow") -> None:
    """Disable every writing action while the open project is read-only, and say why."""
    label = _label(window)
    store = window.ctx.store if window.ctx is not None else None
    read_only = bool(store is not None and store.read_only)
    label.setVisible(read_only)
    if not read_only:
        return
    label.setToolTip(tr("Nothing can be changed: %1").replace("%1", store.read_only_reason))
    suffix = tr("(read-only)")
    if not window.windowTitle().endswith(suffix):
        window.setWindowTitle(f"{window.windowTitle()} {suffix}")
    for name in WRITE_ACTIONS:
        if name in window.actions_by_name:
            window.actions_by_name[name].setEnabled(False)
    for name in WRITE_COMMANDS:
        if name in window.screen.actions_by_name:
            window.screen.actions_by_name[name].setEnabled(False)
    window.screen.decision_panel.set_enabled_for_record(False)
    window.screen.tag_panel.setEnabled(False)
    pane = window.screen.fulltext_pane
    ranking = getattr(window.screen, "ranking_panel", None)
    # Buttons their own widgets enable again on a refresh; a write from one of them is still
    # refused by the store, with the same reason in a message.
    for button in (getattr(pane, "attach_button", None), getattr(pane, "not_retrieved_button", None),
                   getattr(ranking, "stop_button", None)):
        if button is not None:
            button.setEnabled(False)


def _label(window: "MainWindow") -> QLabel:
    label = getattr(window, "read_only_label", None)
    if label is None:
        label = QLabel(tr("<b>Read-only</b>"))
        label.setAccessibleName(tr("Read-only"))
        label.setVisible(False)
        window.statusBar().addPermanentWidget(label)
        window.read_only_label = label
    return label


def after_open(window: "MainWindow", ctx: "ProjectContext") -> None:
    """What follows opening a project: the read-only state (explained once) and the daily backup."""
    window.session.current_changed.connect(lambda _rid: apply_read_only(window))
    apply_read_only(window)
    if ctx.store.read_only:
        reason = ctx.store.read_only_reason
        if reason == ASKED:
            window.show_status(tr("Opened read-only"))
        else:  # not asked for: tell the user why they cannot screen
            window.show_status(tr("Opened read-only: %1").replace("%1", reason))
            box = QMessageBox(QMessageBox.Icon.Information, tr("Read-only project"),
                              tr("%1 is open read-only: %2.\n\nYou can read, search and export; to screen, copy "
                                 "it to a folder you can write to.").replace("%1", Path(ctx.project).name)
                              .replace("%2", reason), QMessageBox.StandardButton.Ok, window)
            box.setAccessibleName(tr("Read-only project"))
            box.finished.connect(lambda _r: window.dialogs.pop("read_only", None))
            window.dialogs["read_only"] = box
            box.open()
    daily_backup(window, ctx)
