"""Errors in the GUI: a user's mistake gets a message, a bug gets a report and a log entry.

A :class:`~screener.core.errors.UserError` (bad file, unknown record, project too new) is shown
as one clear message, and so is an environment problem the user can fix (a full disk, a folder
that cannot be written). Anything else is a bug: it is written with its traceback to a log file
in the user's log folder and shown in a report dialog, and the app keeps running.

The same log file also receives Qt's own warnings (a message handler) and, if the interpreter
itself crashes (a segfault in a native library), the Python traceback of every thread
(``faulthandler``), so a crash that leaves no dialog still leaves a trace.
"""

from __future__ import annotations

import errno
import faulthandler
import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QtMsgType, Qt, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMessageBox, QPlainTextEdit, QVBoxLayout,
                               QWidget)

from screener import __version__
from screener.core.errors import Cancelled, UserError

log = logging.getLogger("screener.ui")
qt_log = logging.getLogger("screener.qt")
_log_file: Path | None = None
_handler: logging.Handler | None = None
#: Errors of the environment, not of the program: shown as a message, not as a bug report.
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT}


def tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def log_path() -> Path:
    import platformdirs

    return platformdirs.user_log_path("screener") / "screener.log"


class _LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log, which is also where faulthandler writes a native crash."""

    def doRollover(self) -> None:
        super().doRollover()
        _point_faulthandler(self.stream)


def _point_faulthandler(stream) -> None:
    # faulthandler writes to the file descriptor at crash time, without Python's help; it keeps
    # a reference to the stream, so the fd stays valid until the next rollover re-points it.
    if stream is not None and not stream.closed:
        faulthandler.enable(file=stream, all_threads=True)


def setup_logging(qt_messages: bool = True) -> Path:
    """Send the app's log (warnings and bugs) to a rotating file in the user log folder, with Qt's
    warnings (when ``qt_messages``) and native crashes (faulthandler) in the same file."""
    global _log_file, _handler
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if _log_file != path:
        shutdown_logging()
        handler = _LogFile(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger("screener")
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        _log_file, _handler = path, handler
        _point_faulthandler(handler.stream)
        if qt_messages:
            install_qt_message_handler()
    # A library that calls logging.config.dictConfig() (import-linter does) disables every
    # logger that exists at that moment, ours included: bugs must still reach the file.
    for name in [n for n in logging.root.manager.loggerDict if n == "screener" or n.startswith("screener.")]:
        logging.getLogger(name).disabled = False
    return path


def shutdown_logging() -> None:
    """Close the log file (the app quits, or a test is done with it); crashes go to stderr again."""
    global _log_file, _handler
    if _handler is not None:
        logging.getLogger("screener").removeHandler(_handler)
        _handler.close()
        if sys.__stderr__ is not None:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)
    _log_file, _handler = None, None


_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}


def install_qt_message_handler() -> None:
    """Log Qt's own messages (a failed connection, a missing plugin...) to the log file.

    The handler installed before (Qt's default, which prints, or a test harness's) still gets
    every message after it is logged.
    """
    previous = None

    def handler(mode, context, message) -> None:
        level = _QT_LEVELS.get(mode, logging.WARNING)
        where = f" ({context.file}:{context.line})" if context is not None and context.file else ""
        qt_log.log(level, "%s%s", message, where)
        if previous is not None:
            previous(mode, context, message)
        elif level >= logging.WARNING and sys.stderr is not None:
            sys.stderr.write(f"{message}\n")

    previous = qInstallMessageHandler(handler)


def is_environment_error(exc: BaseException) -> bool:
    """A full disk, a read-only place, a missing permission: the user's to fix, not a bug."""
    return isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS


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
    if isinstance(exc, UserError) or is_environment_error(exc):
        log.info("user error: %s", exc)
        text = str(exc)
        if is_environment_error(exc) and exc.filename:
            text = tr("%1: %2").replace("%1", str(exc.filename)).replace("%2", exc.strerror or str(exc))
        box = QMessageBox(QMessageBox.Icon.Warning, tr("screener"), text, QMessageBox.StandardButton.Ok, parent)
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
    """Route uncaught exceptions of GUI-thread code (slots, event handlers) to :func:`show_error`.

    An exception escaping a plain Python thread is logged (a dialog belongs to the GUI thread).
    """
    previous = sys.excepthook
    previous_thread_hook = threading.excepthook

    def thread_hook(args) -> None:
        if args.exc_type is SystemExit:
            return
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        log.error("bug in thread %s: %s", getattr(args.thread, "name", "?"), text)
        previous_thread_hook(args)

    threading.excepthook = thread_hook

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
