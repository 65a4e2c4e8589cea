"""The screening session: which records are listed, which one is shown, and the reviewer's decisions.

Decisions are optimistic: a key press updates the in-memory state, the list row and the
progress at once, pushes an undo command and moves to the next record, while the write runs on
the runner's serial database lane. If a write fails, the record's state is read back from the
database, the undo history (which no longer matches it) is cleared, and the error is shown.
Record views are prefetched for the next records of the queue, so the next record is usually
on screen in the same event-loop turn as the key press.
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from screener.core.enums import Label, Stage
from screener.core.errors import UserError
from screener.services import queries, screening
from screener.services.dto import DecisionInfo, RecordView
from screener.services.queries import RecordQuery, StageProgress
from screener.storage.session import Store
from screener.ui.context import ProjectContext
from screener.ui.models.record_table import RecordTableModel
from screener.ui.tasks import TaskRunner
from screener.ui.undo import DecisionCommand, State

VIEW_CACHE = 200
PREFETCH = 4


def to_state(d: DecisionInfo | None) -> State:
    if d is None:
        return None
    return {"label": d.label, "reasons": list(d.reasons), "tags": list(d.tags), "note": d.note}


# -- work that runs on the runner's worker threads (plain functions of plain data) -------------

def _load_list(store: Store, query: RecordQuery) -> tuple[list[int], dict[int, str], bool]:
    ids = queries.record_ids(store, query)
    labels = queries.my_labels(store, query.reviewer, query.stage)
    return ids, labels, queries.blinded_stages(store)[Stage.parse(query.stage).value]


def _load_views(store: Store, ids: Sequence[int], reviewer: str) -> list[RecordView]:
    return [queries.record_view(store, rid, reviewer) for rid in ids]


def _write(store: Store, rid: int, reviewer: str, stage: str, state: State, origin: str,
           validate: bool) -> tuple[State, DecisionInfo | None]:
    before = to_state(screening.get_decision(store, rid, reviewer, stage))
    if validate and state is not None:
        # A first decision goes through decide(), which checks reasons and tags strictly.
        info = screening.decide(store, rid, reviewer, state["label"], stage, state.get("reasons", ()),
                                state.get("tags", ()), state.get("note", ""), origin)
    else:
        info = screening.restore_decision(store, rid, reviewer, stage, state, origin)
    return before, info


class ScreeningSession(QObject):
    list_changed = Signal()
    current_changed = Signal(int)  # record id, -1 for none
    view_changed = Signal(object)  # RecordView of the current record, or None while it loads
    state_changed = Signal(int)  # the reviewer's own decision on this record changed
    progress_changed = Signal(object)  # StageProgress
    message = Signal(str)
    error = Signal(object, str)
    not_saved = Signal(int, str, object, object)  # record id, stage, state the database did not take, why

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, order: str = "imported", seed: int = 1,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.model = RecordTableModel(runner, None, self)
        self.model.sort_requested.connect(self._on_sort)
        self.undo_stack = QUndoStack(self)
        self.stage = Stage.TITLE_ABSTRACT.value
        self.query = RecordQuery(reviewer=ctx.reviewer, stage=self.stage, order=order, seed=seed)
        self.current: int | None = None
        self.progress: StageProgress | None = None
        self.loading = False
        self._views: OrderedDict[int, RecordView] = OrderedDict()
        self._loading_views: set[int] = set()
        self._states: dict[tuple[int, str], State] = {}
        self._pending: dict[tuple[int, str], dict[str, Any]] = {}
        self._list_token = 0
        self._writes = 0
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(1200)
        self._progress_timer.timeout.connect(self.refresh_progress)
        # Work for the worker threads is handed over just after the next paint: a worker running
        # Python holds the GIL in turns with the GUI thread, which would delay the paint itself.
        self._deferred: list = []
        self._defer_timer = QTimer(self)
        self._defer_timer.setSingleShot(True)
        self._defer_timer.setInterval(0)
        self._defer_timer.timeout.connect(self._flush_deferred)

    def _defer(self, fn, *args, **kwargs) -> None:
        self._deferred.append(partial(fn, *args, **kwargs))
        self._defer_timer.start()

    def _flush_deferred(self) -> None:
        jobs, self._deferred = self._deferred, []
        for job in jobs:  # in order: a write before the row refetch that must see it
            job()

    def flush(self) -> None:
        """Hand deferred work to the runner now (before closing, or in tests)."""
        self._defer_timer.stop()
        self._flush_deferred()

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def reviewer(self) -> str:
        return self.ctx.reviewer

    @property
    def blinded(self) -> bool:
        return self.ctx.blinded.get(self.stage, True)

    @property
    def idle(self) -> bool:
        """Nothing waiting to be handed to the runner (the runner may still be busy)."""
        return not self._deferred

    @property
    def writes_pending(self) -> int:
        return self._writes

    def set_context(self, ctx: ProjectContext) -> None:
        """New settings, reasons, tags or blinding: rows and views are fetched again."""
        self.ctx = ctx
        self._views.clear()
        self.reload()

    # -- the list ------------------------------------------------------------------------------

    def set_query(self, **changes) -> None:
        """Change search, filter, sort or order; the list is queried again."""
        query = replace(self.query, **changes)
        if query != self.query:
            self.query = query
            self.reload()

    def set_stage(self, stage: str) -> None:
        stage = Stage.parse(stage).value
        if stage == self.stage:
            return
        self.stage = stage
        self.current = None
        self.query = replace(self.query, stage=stage, filter="all" if self.query.filter == "conflict" else
                             self.query.filter)
        self.progress = None
        self.reload()

    def reload(self) -> None:
        """Query the ids again (on the serial lane, so it sees every decision written before)."""
        self._list_token += 1
        token, query = self._list_token, self.query
        self.loading = True
        self.runner.submit(_load_list, self.store, query, lane="db",
                           done=partial(self._on_list, token, query), failed=partial(self._on_list_failed, token))

    def _on_list_failed(self, token: int, exc: BaseException, tb: str) -> None:
        if token == self._list_token:
            self.loading = False
            self.error.emit(exc, tb)

    def _on_list(self, token: int, query: RecordQuery, result: tuple[list[int], dict[int, str], bool]) -> None:
        if token != self._list_token:
            return
        ids, labels, blind = result
        self.loading = False
        if blind != self.ctx.blinded.get(query.stage):
            self.ctx = replace(self.ctx, blinded={**self.ctx.blinded, query.stage: blind})
        self.model.set_fetcher(partial(queries.display_rows, self.store, reviewer=self.reviewer, stage=query.stage))
        self.model.set_ids(ids, mine=labels, show_others=not blind)
        # Everything alive now (the id list, caches, Qt wrappers) lives as long as the project:
        # move it out of the collector's reach, or one full collection pauses a keystroke for a
        # quarter of a second on a 100k-record project. The window unfreezes on close.
        gc.freeze()
        self.list_changed.emit()
        if self.current is not None and self.model.row_of(self.current) is not None:
            self.go_to(self.current)
        else:
            self.go_to(self._first_todo())
        self.refresh_progress()

    def _on_sort(self, key: str, descending: bool) -> None:
        self.set_query(sort=key, descending=descending)

    def _first_todo(self) -> int | None:
        mine = self.model.mine
        return next((rid for rid in self.model.ids if rid not in mine), self.model.id_at(0))

    def next_todo_after(self, record_id: int | None) -> int | None:
        """The next record of the list that the reviewer has not decided, wrapping around."""
        ids, mine = self.model.ids, self.model.mine
        if not ids:
            return None
        start = self.model.row_of(record_id) if record_id is not None else None
        start = -1 if start is None else start
        n = len(ids)
        for step in range(1, n + 1):
            rid = ids[(start + step) % n]
            if rid not in mine and rid != record_id:
                return rid
        return None

    # -- the shown record ------------------------------------------------------------------------

    def go_to(self, record_id: int | None) -> None:
        self.current = record_id
        self.current_changed.emit(-1 if record_id is None else record_id)
        if record_id is None:
            self.view_changed.emit(None)
            return
        view = self._views.get(record_id)
        if view is not None:
            self._views.move_to_end(record_id)
            self.view_changed.emit(view)
        else:
            self.view_changed.emit(None)
            self._fetch_views([record_id])
        self._prefetch()

    def show_record(self, record_id: int, stage: str) -> None:
        """Bring a record into view after an undo or redo (if it is in this stage's list)."""
        if stage == self.stage and self.model.row_of(record_id) is not None:
            self.go_to(record_id)

    def step(self, delta: int) -> None:
        row = self.model.row_of(self.current) if self.current is not None else None
        target = self.model.id_at((row if row is not None else -1) + delta)
        if target is not None:
            self.go_to(target)

    def advance(self) -> None:
        nxt = self.next_todo_after(self.current)
        if nxt is None:
            self.message.emit(self.tr("Every record in this list has your decision."))
            return
        self.go_to(nxt)

    def view(self, record_id: int | None = None) -> RecordView | None:
        return self._views.get(self.current if record_id is None else record_id)

    def forget_view(self, record_id: int) -> None:
        """Drop a cached record view (its attachment or others' decisions changed) and refetch it."""
        self._views.pop(record_id, None)
        if record_id == self.current:
            self._fetch_views([record_id])

    def _prefetch(self) -> None:
        ids, rid = [], self.current
        for _ in range(PREFETCH):
            rid = self.next_todo_after(rid)
            if rid is None or rid == self.current or rid in ids:
                break
            if rid not in self._views and rid not in self._loading_views:
                ids.append(rid)
        row = self.model.row_of(self.current) if self.current is not None else None
        nxt = self.model.id_at(row + 1) if row is not None else None
        if nxt is not None and nxt not in self._views and nxt not in self._loading_views and nxt not in ids:
            ids.append(nxt)
        if ids:
            self._loading_views.update(ids)
            self._defer(self._fetch_views, ids)

    def _fetch_views(self, ids: list[int]) -> None:
        self._loading_views.update(ids)
        self.runner.submit(_load_views, self.store, ids, self.reviewer, lane="read",
                           done=self._on_views, failed=partial(self._on_views_failed, ids))

    def _on_views(self, views: list[RecordView]) -> None:
        for v in views:
            self._loading_views.discard(v.id)
            self._views[v.id] = v
            self._views.move_to_end(v.id)
            if v.id == self.current:
                self.view_changed.emit(v)
                self.state_changed.emit(v.id)
        while len(self._views) > VIEW_CACHE:
            self._views.popitem(last=False)

    def _on_views_failed(self, ids: list[int], exc: BaseException, tb: str) -> None:
        self._loading_views.difference_update(ids)
        self.error.emit(exc, tb)

    # -- the reviewer's decision ------------------------------------------------------------------

    def state(self, record_id: int | None = None, stage: str | None = None) -> State:
        """The reviewer's own decision as this session knows it (local changes first)."""
        rid = self.current if record_id is None else record_id
        stage = stage or self.stage
        if rid is None:
            return None
        key = (rid, stage)
        if key in self._states:
            return self._states[key]
        view = self._views.get(rid)
        if view is not None:
            return to_state(queries.my_decision(view, self.reviewer, stage))
        label = self.model.mine.get(rid) if stage == self.stage else None
        return {"label": label, "reasons": [], "tags": [], "note": ""} if label else None

    def draft(self, record_id: int | None = None) -> dict[str, Any]:
        """Tags and note chosen for a record not decided yet (they go with the decision)."""
        rid = self.current if record_id is None else record_id
        return dict(self._pending.get((rid, self.stage), {}))

    def decide(self, label: str, reasons: Sequence[str] = ()) -> bool:
        """Decide the shown record and move to the next one; False if nothing was done."""
        rid = self.current
        if rid is None:
            return False
        label = Label.parse(label).value
        stage = self.stage
        before = self.state(rid)
        pending = self._pending.get((rid, stage), {})
        reasons = list(dict.fromkeys(reasons)) if label == Label.EXCLUDE.value else []
        if label == Label.EXCLUDE.value and not reasons and self.ctx.reason_required(stage):
            raise UserError(self.tr("A reason is required to exclude at this stage: pick one with its number key."))
        after = {"label": label, "reasons": reasons,
                 "tags": list(pending.get("tags", before["tags"] if before else [])),
                 "note": pending.get("note", before["note"] if before else "")}
        # Move on first, then record: the decided record is no longer shown, so applying the
        # decision does not render it once more on its way out.
        self.advance()
        if after != before:
            text = self.tr("%1 record %2").replace("%1", self.tr(label.capitalize())).replace("%2", str(rid))
            self.undo_stack.push(DecisionCommand(self, rid, stage, before, after, text))
        return True

    def clear(self) -> None:
        rid = self.current
        before = self.state(rid)
        if rid is None or before is None:
            return
        text = self.tr("Clear decision on record %1").replace("%1", str(rid))
        self.undo_stack.push(DecisionCommand(self, rid, self.stage, before, None, text))

    def _change(self, field: str, value: Any, text: str) -> None:
        rid = self.current
        if rid is None:
            return
        before = self.state(rid)
        if before is None:  # not decided yet: keep it for the decision
            self._pending.setdefault((rid, self.stage), {})[field] = value
            self.state_changed.emit(rid)
            return
        if before.get(field) == value:
            return
        after = {**before, field: value}
        self.undo_stack.push(DecisionCommand(self, rid, self.stage, before, after, text))

    def set_tags(self, tags: Sequence[str]) -> None:
        rid = self.current
        self._change("tags", sorted(dict.fromkeys(tags)), self.tr("Tags of record %1").replace("%1", str(rid)))

    def set_note(self, note: str) -> None:
        rid = self.current
        self._change("note", note.strip(), self.tr("Note on record %1").replace("%1", str(rid)))

    def set_reasons(self, reasons: Sequence[str]) -> None:
        """Change the reasons of an existing exclusion (a new one goes through :meth:`decide`)."""
        before = self.state()
        if before is None or before["label"] != Label.EXCLUDE.value:
            return
        reasons = list(dict.fromkeys(reasons))
        if not reasons and self.ctx.reason_required(self.stage):
            raise UserError(self.tr("A reason is required to exclude at this stage."))
        self._change("reasons", reasons, self.tr("Reasons of record %1").replace("%1", str(self.current)))

    def apply_state(self, record_id: int, stage: str, state: State, origin: str, first: bool = False) -> None:
        """Show ``state`` at once and write it on the serial lane (called by undo commands)."""
        key = (record_id, stage)
        old = self.state(record_id, stage)
        self._states[key] = state
        self._pending.pop(key, None)
        # The write is queued before the row refetch on the same lane, which must see it.
        self._writes += 1
        self._defer(self.runner.submit, _write, self.store, record_id, self.reviewer, stage, state, origin, first,
                    lane="db", done=self._on_written,
                    failed=partial(self._on_write_failed, record_id, stage, state))
        if stage == self.stage:
            mine = self.model.mine
            if state is None:
                mine.pop(record_id, None)
            else:
                mine[record_id] = state["label"]
            self.model.record_changed(record_id)
            self._defer(self.model.refetch, record_id)
            if self.progress is not None and (old is None) != (state is None):
                self.progress = replace(self.progress, mine=self.progress.mine + (1 if old is None else -1))
                self.progress_changed.emit(self.progress)
        self.state_changed.emit(record_id)
        self._progress_timer.start()

    def _on_written(self, _result) -> None:
        self._writes -= 1

    def _on_write_failed(self, record_id: int, stage: str, state: State, exc: BaseException, tb: str) -> None:
        self._writes -= 1
        # The database did not take the change: the undo history no longer matches it.
        self.undo_stack.clear()
        self._states.pop((record_id, stage), None)
        # Until the database answers the re-read, the record is shown as not decided: a decision
        # that did not reach it (the server is gone, say) must never look saved.
        if stage == self.stage and self.model.mine.pop(record_id, None) is not None:
            self.model.record_changed(record_id)
            if self.progress is not None:
                self.progress = replace(self.progress, mine=max(0, self.progress.mine - 1))
                self.progress_changed.emit(self.progress)
        self.state_changed.emit(record_id)
        self.runner.submit(screening.get_decision, self.store, record_id, self.reviewer, stage, lane="db",
                           done=partial(self._on_reread, record_id, stage), failed=self._on_reread_failed)
        self.not_saved.emit(record_id, stage, state, exc)
        self.error.emit(exc, tb)

    def _on_reread_failed(self, exc: BaseException, tb: str) -> None:
        # Most likely the same unreachable server: the record stays shown as not decided, and the
        # window reloads the list once the server is back.
        self.error.emit(exc, tb)

    def _on_reread(self, record_id: int, stage: str, info: DecisionInfo | None) -> None:
        self._states[(record_id, stage)] = to_state(info)
        if stage == self.stage:
            if info is None:
                self.model.mine.pop(record_id, None)
            else:
                self.model.mine[record_id] = info.label
            self.model.record_changed(record_id)
            self.model.refetch(record_id)
        self.state_changed.emit(record_id)
        self.refresh_progress()

    # -- progress -----------------------------------------------------------------------------------

    def refresh_progress(self) -> None:
        stage = self.stage
        self.runner.submit(queries.stage_progress, self.store, self.reviewer, stage, lane="db",
                           done=partial(self._on_progress, stage))

    def _on_progress(self, stage: str, progress: StageProgress) -> None:
        if self._writes:
            # Decisions made after this count was taken are in flight: keep the optimistic
            # count and ask again once they are written.
            self._progress_timer.start()
            return
        if stage == self.stage:
            self.progress = progress
            self.progress_changed.emit(progress)
