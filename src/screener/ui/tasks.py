"""A small task runner: database and CPU work off the GUI thread, results back on it.

Three lanes: ``db`` is serial (one thread) and carries every write, in the order they were
made, plus reads that must see those writes (re-running the list query); ``read`` carries reads
that may run beside writes (page rows, prefetched records); ``cpu`` carries parsing and other
computation. A job's result travels by a queued signal to the runner, a QObject on the GUI
thread, which then calls the job's callbacks there: callbacks never run on a worker thread.
Long jobs get a progress dialog that appears only after ~600 ms and can cancel the job through
the Qt-free :class:`~screener.core.progress.Progress` that services accept.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from screener.core.errors import Cancelled
from screener.core.progress import Progress

PROGRESS_DELAY_MS = 600
LANES = ("db", "read", "cpu")


class _Signals(QObject):
    finished = Signal(int, object)
    failed = Signal(int, object, str)
    progressed = Signal(int, int, int, str)


class _Job(QRunnable):
    def __init__(self, jid: int, fn: Callable, args: tuple, kwargs: dict, signals: _Signals):
        super().__init__()
        self.setAutoDelete(True)
        self._jid, self._fn, self._args, self._kwargs, self._signals = jid, fn, args, kwargs, signals

    def run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # delivered to the GUI thread, which decides what it is
            self._signals.failed.emit(self._jid, exc, traceback.format_exc())
        else:
            self._signals.finished.emit(self._jid, result)


@dataclass
class Task:
    """The GUI-side handle of a submitted job."""

    id: int
    lane: str
    done: Callable[[Any], None] | None
    failed: Callable[[BaseException, str], None] | None
    progress: Progress | None = None
    title: str = ""
    parent: QWidget | None = None
    dialog: QProgressDialog | None = None
    finished: bool = False
    job: QRunnable | None = None

    def cancel(self) -> None:
        if self.progress is not None:
            self.progress.cancel()


class TaskRunner(QObject):
    """Runs callables on worker threads and calls back on the GUI thread."""

    busy_changed = Signal(bool)
    error = Signal(object, str)  # unhandled failures: (exception, traceback text)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pools = {lane: QThreadPool(self) for lane in LANES}
        self._pools["db"].setMaxThreadCount(1)
        self._pools["read"].setMaxThreadCount(2)
        self._pools["cpu"].setMaxThreadCount(max(1, QThreadPool.globalInstance().maxThreadCount() - 1))
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._signals.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._signals.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._tasks: dict[int, Task] = {}
        self._ids = itertools.count(1)

    # -- submitting ---------------------------------------------------------------------------

    def submit(self, fn: Callable, *args, lane: str = "db", done: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException, str], None] | None = None, title: str = "",
               parent: QWidget | None = None, with_progress: bool = False, **kwargs) -> Task:
        """Run ``fn(*args, **kwargs)`` on ``lane``; ``done(result)`` or ``failed(exc, tb)`` follow.

        With ``with_progress`` the job gets a ``progress=`` keyword argument (a Progress whose
        reports reach the GUI), and with a ``title`` a cancellable progress dialog appears over
        ``parent`` if the job is still running after ~600 ms.
        """
        if lane not in self._pools:
            raise ValueError(f"unknown lane {lane!r}")
        jid = next(self._ids)
        task = Task(jid, lane, done, failed, title=title, parent=parent)
        if with_progress:
            task.progress = Progress(self._progress_callback(jid))
            kwargs["progress"] = task.progress
        self._tasks[jid] = task
        if len(self._tasks) == 1:
            self.busy_changed.emit(True)
        if title:
            QTimer.singleShot(PROGRESS_DELAY_MS, self, lambda: self._show_dialog(jid))
        # The task holds the job until it reports: PySide would otherwise let the Python half
        # of a queued QRunnable be collected, and the pool would run an empty C++ shell.
        task.job = _Job(jid, fn, args, kwargs, self._signals)
        self._pools[lane].start(task.job)
        return task

    def _progress_callback(self, jid: int) -> Callable[[int, int, str], None]:
        signals = self._signals

        def report(done: int, total: int, text: str) -> None:  # runs on the worker thread
            signals.progressed.emit(jid, done, total, text)

        return report

    # -- state ----------------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        return not self._tasks

    def pending(self, lane: str | None = None) -> int:
        return sum(1 for t in self._tasks.values() if lane is None or t.lane == lane)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the worker threads are done (used on close, before the store goes)."""
        return all(pool.waitForDone(msecs) for pool in self._pools.values())

    def cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    # -- delivery on the GUI thread ---------------------------------------------------------------

    def _finish(self, jid: int) -> Task | None:
        task = self._tasks.pop(jid, None)
        if task is None:
            return None
        task.finished = True
        task.job = None
        if task.dialog is not None:
            task.dialog.reset()
            task.dialog.hide()
            task.dialog.deleteLater()
            task.dialog = None
        if not self._tasks:
            self.busy_changed.emit(False)
        return task

    @Slot(int, object)
    def _on_finished(self, jid: int, result: object) -> None:
        task = self._finish(jid)
        if task is not None and task.done is not None:
            task.done(result)

    @Slot(int, object, str)
    def _on_failed(self, jid: int, exc: object, tb: str) -> None:
        task = self._finish(jid)
        if task is None:
            return
        if task.failed is not None:
            task.failed(exc, tb)
        elif not isinstance(exc, Cancelled):
            self.error.emit(exc, tb)

    @Slot(int, int, int, str)
    def _on_progress(self, jid: int, done: int, total: int, text: str) -> None:
        task = self._tasks.get(jid)
        if task is None or task.dialog is None:
            return
        dialog = task.dialog
        if total > 0:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        else:
            dialog.setMaximum(0)  # busy indicator
        if text:
            dialog.setLabelText(text)

    def _show_dialog(self, jid: int) -> None:
        task = self._tasks.get(jid)
        if task is None or task.finished or not task.title:
            return
        dialog = QProgressDialog(task.title, self.tr("Cancel"), 0, 0, task.parent)
        dialog.setWindowTitle(task.title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setAccessibleName(task.title)
        if task.progress is None:
            dialog.setCancelButton(None)
        else:
            dialog.canceled.connect(task.progress.cancel)
        task.dialog = dialog
        dialog.show()
