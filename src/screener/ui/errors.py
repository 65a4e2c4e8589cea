"""Errors in the GUI: a user's mistake gets a message, a bug gets a report and a log entry.

A :class:`~screener.core.errors.UserError` (bad file, unknown record, project too new) is shown
as one clear message. Anything else is a bug: it is written with its traceback to a log file in
the user's log folder and shown in a report dialog, and the app keeps running.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMessageBox, QPlainTextEdit, QVBoxLayout,
                               QWidget)

from screener import __version__
from screener.core.errors import Cancelled, UserError

log = logging.getLogger("screener.ui")
_log_file: Path | None = None


def tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def log_path() -> Path:
    import platformdirs

    return platformdirs.user_log_path("screener") / "screener.log"


def setup_logging() -> Path:
    """Send the app's log (warnings and bugs) to a rotating file in the user log folder."""
    global _log_file
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if _log_file != path:
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger("screener")
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        _log_file = path
    # A library that calls logging.config.dictConfig() (import-linter does) disables every
    # logger that exists at that moment, ours included: bugs must still reach the file.
    for name in [n for n in logging.root.manager.loggerDict if n == "screener" or n.startswith("screener.")]:
        logging.getLogger(name).disabled = False
    return path


class BugReportDialog(QDialog):
    """Shows a bug's traceback, where it was logged, and lets the user copy it for a report."""

    def __init__(self, exc: BaseException, tb: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Something went wrong"))
        self.setAccessibleName(self.tr("Error report"))
        self.report = (f"screener {__version__}, Python {sys.version.split()[0]}\n"
                       f"{type(exc).__name__}: {exc}\n\n{tb}")
        layout = QVBoxLayout(self)
        where = str(_log_file) if _log_file else self.tr("(no log file)")
        intro = QLabel(self.tr("screener hit an internal error. Your work so far is saved; you can keep "
                               "working. Please send this report to the developers.\nLogged to: %1")
                       .replace("%1", where))
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)
        text = QPlainTextEdit(self.report)
        text.setReadOnly(True)
        text.setAccessibleName(self.tr("Error details"))
        text.setMinimumSize(560, 240)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(self.tr("Copy report"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report)


def show_error(parent: QWidget | None, exc: BaseException, tb: str | None = None) -> QWidget | None:
    """Show ``exc`` the right way; returns the (non-blocking) dialog, or None for a cancel."""
    if isinstance(exc, Cancelled):
        return None
    if isinstance(exc, UserError):
        log.info("user error: %s", exc)
        box = QMessageBox(QMessageBox.Icon.Warning, tr("screener"), str(exc), QMessageBox.StandardButton.Ok, parent)
        box.setAccessibleName(tr("Error message"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box
    tb = tb or "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("bug: %s: %s\n%s", type(exc).__name__, exc, tb)
    dialog = BugReportDialog(exc, tb, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def install_excepthook(parent_getter) -> None:
    """Route uncaught exceptions of GUI-thread code (slots, event handlers) to :func:`show_error`."""
    previous = sys.excepthook

    def hook(kind, exc, tb_obj):
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb_obj)
            return
        text = "".join(traceback.format_exception(kind, exc, tb_obj))
        try:
            show_error(parent_getter(), exc, text)
        except Exception:  # never let the error path itself take the app down
            previous(kind, exc, tb_obj)

    sys.excepthook = hook
