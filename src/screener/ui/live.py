"""Live updates in the window: other reviewers' work shows up by itself, and a lost server is noticed.

For a project on a PostgreSQL server a :class:`ListenerThread` runs
:func:`screener.services.live.listen` and hands its events to :class:`LiveUpdates` on the GUI
thread through queued signals. ``LiveUpdates`` merges a burst of changes into one
``changed`` signal, at most one every 1.5 s (so ten colleagues screening fast cost no more than
one), leaves out the viewer's own decisions where the notice says whose they are, and
keeps one ``online`` state for the window: offline when the listener loses its connection or a
unit of work failed to reach the server, online again when the listener is back or a probe
query on a fresh pooled connection succeeds.

A SQLite project starts nothing: a file project has one writer at a time by design (reviewers
screen their own copies and merge them), a CLI run beside the GUI is the rare case that the
Refresh action (F5) covers, and no project file should carry a polling thread for it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel
from shiboken6 import isValid

from screener.services import live
from screener.storage.session import Store
from screener.ui.tasks import TaskRunner

#: A burst of changes is shown once, this long after its first change...
DEBOUNCE_MS = 300
#: ...and refreshes come at most this often, however many reviewers are screening: the cost of
#: a refresh must not grow with the size of the team.
MIN_INTERVAL_MS = 1500
#: Probes of a server that a unit of work could not reach: waits between them (the last repeats).
PROBE_BACKOFF_MS = (1000, 2000, 5000, 10000)

_stopping: set[QThread] = set()  # threads asked to stop, kept alive until they have finished


class ListenerThread(QThread):
    """Runs the blocking listener; its signals are emitted on this thread and queued to the GUI."""

    event = Signal(object)  # a services.live.LiveEvent

    def __init__(self, params: dict[str, Any], parent: QObject | None = None):
        super().__init__(parent)
        self._params = params
        self._stop = threading.Event()

    def run(self) -> None:
        for ev in live.listen(self._params, self._stop):
            if self._stop.is_set():
                break
            self.event.emit(ev)

    def request_stop(self) -> None:
        self._stop.set()


class LiveUpdates(QObject):
    """The window's view of the server: batched changes by others, and whether it is reachable."""

    changed = Signal(object)  # tuple[live.Change, ...], merged over DEBOUNCE_MS
    online_changed = Signal(bool, str)  # reachable?, the error that made it unreachable
    listening_changed = Signal(bool)  # the listener's own connection is up (or not)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.thread: ListenerThread | None = None
        self.store: Store | None = None
        self.own_reviewer_id: int | None = None
        self.online = True
        self.listening = False
        self._pending: list[live.Change] = []
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._flush)
        self._probe_timer = QTimer(self)
        self._probe_timer.setSingleShot(True)
        self._probe_timer.timeout.connect(self._probe)
        self._probes = 0
        self._generation = 0
        self._last_emit = 0.0

    # -- lifetime -----------------------------------------------------------------------------------

    def start(self, store: Store, own_reviewer_id: int | None = None) -> bool:
        """Follow ``store``'s server (nothing for a SQLite project); True when a listener runs."""
        self.stop()
        self.store = store
        self.own_reviewer_id = own_reviewer_id
        self.online = True
        params = live.listen_params(store)
        if params is None:
            return False
        self.thread = ListenerThread(params)
        self.thread.event.connect(self._on_event)
        self.thread.start()
        return True

    def stop(self) -> None:
        """Stop listening and probing; the listener thread ends within a poll interval."""
        self._generation += 1
        self._debounce.stop()
        self._probe_timer.stop()
        self._pending.clear()
        self.listening = False
        self.store = None
        thread, self.thread = self.thread, None
        if thread is None:
            return
        thread.event.disconnect(self._on_event)
        thread.request_stop()
        # Not waited for here: closing a project must not pause the window while the listener
        # finishes its poll (or a connect to a server that does not answer). The thread is kept
        # referenced until it has ended; the window waits for it only when the app quits.
        _prune()
        _stopping.add(thread)

    # -- events of the listener ---------------------------------------------------------------------------

    @Slot(object)
    def _on_event(self, ev: live.LiveEvent) -> None:
        if self.sender() is not self.thread:  # queued by a listener stopped since
            return
        if ev.kind == "connected":
            self.listening = True
            self.listening_changed.emit(True)
            self._set_online(True, "")
        elif ev.kind == "lost":
            was, self.listening = self.listening, False
            if was:
                self.listening_changed.emit(False)
            self._set_online(False, ev.error)
        elif ev.kind == "changes":
            mine = self.own_reviewer_id
            news = [c for c in ev.changes if not (c.table == "decisions" and mine is not None and c.reviewer_id == mine)]
            if news:
                self._pending.extend(news)
                if not self._debounce.isActive():
                    since = (time.monotonic() - self._last_emit) * 1000
                    self._debounce.start(int(max(DEBOUNCE_MS, MIN_INTERVAL_MS - since)))

    def _flush(self) -> None:
        changes, self._pending = tuple(self._pending), []
        if changes:
            self._last_emit = time.monotonic()
            self.changed.emit(changes)

    # -- reachability -------------------------------------------------------------------------------

    def report_failure(self, exc: BaseException) -> None:
        """A unit of work could not reach the server: go offline and probe until it answers."""
        self._set_online(False, live.error_text(exc))
        if self.store is not None and not self._probe_timer.isActive():
            self._probes = 0
            self._probe_timer.start(PROBE_BACKOFF_MS[0])

    def _probe(self) -> None:
        if self.store is None or self.online:
            return
        generation = self._generation
        self.runner.submit(live.ping, self.store, lane="read", done=lambda _r: self._on_probe(generation, None),
                           failed=lambda exc, _tb: self._on_probe(generation, exc))

    def _on_probe(self, generation: int, exc: BaseException | None) -> None:
        if generation != self._generation or self.online:
            return
        if exc is None:
            self._set_online(True, "")
            return
        self._probes += 1
        self._probe_timer.start(PROBE_BACKOFF_MS[min(self._probes, len(PROBE_BACKOFF_MS) - 1)])

    def _set_online(self, online: bool, error: str) -> None:
        if online == self.online:
            return
        self.online = online
        if online:
            self._probe_timer.stop()
        self.online_changed.emit(online, error)


def _prune() -> None:
    for thread in [t for t in _stopping if t.isFinished()]:
        _stopping.discard(thread)


def wait_stopped(msecs: int = (live.CONNECT_OPTIONS["connect_timeout"] + 1) * 1000) -> bool:
    """Wait for stopped listeners to end (before the app quits: a running QThread must not be freed)."""
    ok = all(t.wait(msecs) for t in list(_stopping))
    _prune()
    return ok


#: Tables whose change alters what the whole window shows (settings, blinding, reasons, tags, people).
CONTEXT_TABLES = frozenset({"project", "stage_settings", "reviewers", "reasons", "tags"})
#: Tables whose change alters which records are listed.
LIST_TABLES = frozenset({"records", "record_sources", "attachments"})


class LivePresenter(QObject):
    """The main window's side of team mode.

    It refreshes what other reviewers changed (progress, the list's rows, the shown record, an
    open Conflicts view), shows whether the server is reachable, and keeps the decisions that did
    not reach the server in a "not saved" list with a Retry button, until they are retried or
    the reviewer decides those records again.
    """

    refreshed = Signal(object)  # the changes that were just applied (for tests and the curious)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.session = None
        self.updates = LiveUpdates(window.runner, self)
        self.updates.changed.connect(self._on_changes)
        self.updates.online_changed.connect(self._on_online)
        self.updates.listening_changed.connect(self._show_server)
        self.unsaved: dict[tuple[int, str], Any] = {}
        self._undo_count = 0
        self.server_label = QLabel()
        self.server_label.setAccessibleName(self.tr("Server connection"))
        self.unsaved_label = QLabel()
        self.unsaved_label.setAccessibleName(self.tr("Decisions not saved"))
        self.unsaved_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        # A link, not a button: a status bar is as tall as its tallest widget, hidden ones included.
        self.retry_link = QLabel("<a href='retry'>%s</a>" % self.tr("Retry saving"))
        self.retry_link.setAccessibleName(self.tr("Retry saving"))
        self.retry_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse |
                                                  Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.retry_link.linkActivated.connect(self._on_retry_link)
        bar = window.statusBar()
        for w in (self.unsaved_label, self.retry_link, self.server_label):
            bar.addPermanentWidget(w)
            w.setVisible(False)

    # -- a project opens and closes ----------------------------------------------------------------

    def start(self, ctx, session) -> None:
        """Follow the project of ``ctx`` (a SQLite project: only the not-saved list is kept)."""
        self.stop()
        self.session = session
        session.not_saved.connect(self._on_not_saved)
        session.undo_stack.indexChanged.connect(self._on_undo_index)
        self._undo_count = session.undo_stack.count()
        me = next((r.id for r in ctx.reviewers if r.name == ctx.reviewer), None)
        self.server_label.setVisible(self.updates.start(ctx.store, me))
        self._show_server()

    def stop(self) -> None:
        self.updates.stop()
        if self.session is not None:
            self.session.not_saved.disconnect(self._on_not_saved)
            self.session.undo_stack.indexChanged.disconnect(self._on_undo_index)
            self.session = None
        self.unsaved.clear()
        self._show_unsaved()
        self.server_label.setVisible(False)

    # -- errors and reachability ---------------------------------------------------------------------

    def handle_error(self, exc: BaseException) -> bool:
        """Take a failure of a unit of work: True when it was a lost server (then no dialog is due)."""
        if not live.is_connection_error(exc):
            return False
        if self.updates.online:
            self.window.show_status(self.tr("The server cannot be reached (%1); reconnecting…")
                                    .replace("%1", live.error_text(exc)))
        self.updates.report_failure(exc)
        return True

    def _show_server(self, *_args) -> None:
        u = self.updates
        if not u.online:
            self.server_label.setText(self.tr("Server unreachable"))
            self.server_label.setStyleSheet("color: #b3261e;")
            self.server_label.setVisible(True)
            return
        self.server_label.setStyleSheet("")
        if u.listening:
            self.server_label.setText(self.tr("Live"))
            self.server_label.setToolTip(self.tr("Connected: other reviewers' work shows up as they save it"))
        else:
            self.server_label.setText(self.tr("Connecting…"))
            self.server_label.setToolTip("")

    def _on_online(self, online: bool, error: str) -> None:
        self._show_server()
        if not online:
            self.server_label.setToolTip(self.tr("Reconnecting… (%1)").replace("%1", error))
        if online:
            if self.window.ctx is not None:
                # Changes made while the link was down were not announced: read everything again.
                self.window.reload_context()
                self._reload_conflicts()
            if self.unsaved:
                self.window.show_status(self.tr("Connected to the server again. %1 decisions were not saved: "
                                                "press Retry saving.").replace("%1", str(len(self.unsaved))))

    # -- decisions that did not reach the server ------------------------------------------------------

    def _on_not_saved(self, record_id: int, stage: str, state, exc: BaseException) -> None:
        if live.is_connection_error(exc):
            self.unsaved[(record_id, stage)] = state
        self._show_unsaved()
        self.window.show_status(self.tr("Record %1: your decision was NOT saved.").replace("%1", str(record_id)))

    def _on_undo_index(self, _index: int) -> None:
        # A new command (the reviewer decided a record again) supersedes what was not saved on it.
        stack = self.session.undo_stack
        count = stack.count()
        if count > self._undo_count:
            cmd = stack.command(count - 1)
            if self.unsaved.pop((cmd.record_id, cmd.stage), None) is not None:
                self._show_unsaved()
        self._undo_count = count

    def _on_retry_link(self, _link: str) -> None:
        self.retry()

    def retry(self) -> None:
        """Write the decisions that did not reach the server again (those still failing come back)."""
        session = self.session
        if session is None or not self.unsaved:
            return
        items, self.unsaved = self.unsaved, {}
        for (record_id, stage), state in items.items():
            session.apply_state(record_id, stage, state, origin="gui")
        self._show_unsaved()
        self.window.show_status(self.tr("Saving %1 decisions again…").replace("%1", str(len(items))))

    def _show_unsaved(self) -> None:
        n = len(self.unsaved)
        if n:
            ids = [str(rid) for rid, _stage in self.unsaved]
            self.unsaved_label.setText(self.tr("Not saved: record %1").replace("%1", ids[0]) if n == 1 else
                                       self.tr("Not saved: %1 records").replace("%1", str(n)))
            self.unsaved_label.setToolTip(self.tr("Your decisions on these records did not reach the server: %1")
                                          .replace("%1", ", ".join(ids)))
        self.unsaved_label.setVisible(bool(n))
        self.retry_link.setVisible(bool(n))

    # -- others' changes ----------------------------------------------------------------------------

    def _on_changes(self, changes: tuple) -> None:
        session = self.window.session
        if session is None:
            return
        tables = {c.table for c in changes}
        if tables & CONTEXT_TABLES:
            self.window.reload_context()  # the session reloads its list and progress with it
        elif tables & LIST_TABLES:
            session.reload()
        else:
            session.refresh_progress()
            ids = {c.record_id for c in changes}
            if None in ids or len(ids) > 50:
                # A blind stage's notice names no record (it must not say whose decision on
                # what): the shown rows' counts are fetched again.
                session.model.refresh_rows()
            else:
                for rid in ids:
                    session.model.refetch(rid)
            if session.current is not None and (None in ids or session.current in ids):
                session.forget_view(session.current)
        self._reload_conflicts()
        self.refreshed.emit(changes)

    def _reload_conflicts(self) -> None:
        dialog = self.window.dialogs.get("conflicts")
        if dialog is None or not isValid(dialog) or not dialog.isVisible():
            return
        # Never under the adjudicator's hands: not while a resolution is saved, a reason is being
        # picked or final tags are being edited.
        if not (getattr(dialog, "busy", False) or getattr(dialog, "picking", False) or getattr(dialog, "edited", False)):
            dialog.reload(max(0, dialog.list.currentRow()))
