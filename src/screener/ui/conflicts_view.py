"""The Conflicts view: records whose reviewers disagree, side by side, resolved by keyboard.

I, E and M resolve the selected conflict as include, exclude or maybe; when the stage requires
a reason, E first asks for one, picked with its number key (1…9, 0) and Esc cancels. The note
field goes with the resolution. After a resolution the list reloads and the next conflict is
selected. While a stage is blind only adjudicators and owners may open the view
(:func:`open_conflicts` checks this off the GUI thread before showing anything).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.services import conflicts
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

LABEL_KEYS = {Qt.Key.Key_I: "include", Qt.Key.Key_E: "exclude", Qt.Key.Key_M: "maybe"}
DIGIT_KEYS = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_6, Qt.Key.Key_7,
              Qt.Key.Key_8, Qt.Key.Key_9, Qt.Key.Key_0]
ROWS = ("Label", "Reasons", "Tags", "Note")


def may_view(store, reviewer: str, stage: str) -> bool:
    """Whether ``reviewer`` may see the conflicts of ``stage`` (runs on a worker)."""
    with store.read() as s:
        return conflicts.can_adjudicate(s, reviewer, stage)


def open_conflicts(parent: QWidget, ctx: ProjectContext, runner: TaskRunner, stage: str,
                   on_open=None, on_resolved=None) -> None:
    """Check the reviewer's right, then open the Conflicts view (or say clearly why not)."""
    stage_v = Stage.parse(stage).value

    def done(allowed: bool) -> None:
        if not allowed:
            show_error(parent, UserError(parent.tr(
                "Conflicts are hidden while the %1 stage is blind: only an adjudicator or an owner can see and "
                "resolve them. %2 is a %3.").replace("%1", stage_v.replace("_", "/")).replace("%2", ctx.reviewer)
                .replace("%3", ctx.role or "reviewer")))
            return
        dialog = ConflictsDialog(ctx, runner, stage_v, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if on_resolved is not None:
            dialog.resolved.connect(on_resolved)
        dialog.open()
        if on_open is not None:
            on_open(dialog)

    runner.submit(may_view, ctx.store, ctx.reviewer, stage_v, lane="db", done=done,
                  failed=lambda exc, tb: show_error(parent, exc, tb))


class ConflictsDialog(QDialog):
    """List of a stage's conflicts; the selected one shown with every reviewer's decision."""

    resolved = Signal(int)
    loaded = Signal()

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, stage: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner, self.stage = ctx, runner, stage
        self.items: list[dict[str, Any]] = []
        self.picking = False
        self.busy = False
        self.reasons = [r.name for r in ctx.reasons.get(stage, ()) if not r.retired]
        stage_text = self.tr("title/abstract") if stage == Stage.TITLE_ABSTRACT.value else self.tr("full-text")
        self.setWindowTitle(self.tr("Conflicts — %1 stage").replace("%1", stage_text))
        self.setAccessibleName(self.tr("Conflicts"))
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of conflicts"))
        layout.addWidget(self.count_label)
        split = QSplitter()
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Conflicts"))
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._show_current)
        split.addWidget(self.list)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.title_label.setAccessibleName(self.tr("Record"))
        rl.addWidget(self.title_label)
        self.table = QTableWidget(len(ROWS), 0)
        self.table.setAccessibleName(self.tr("Decisions side by side"))
        self.table.setVerticalHeaderLabels([self.tr(r) for r in ROWS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        rl.addWidget(self.table, 1)
        note_row = QHBoxLayout()
        note_row.addWidget(QLabel(self.tr("Resolution note:")))
        self.note = QLineEdit()
        self.note.setAccessibleName(self.tr("Resolution note"))
        self.note.setPlaceholderText(self.tr("Why this decision (optional); Enter returns to the list"))
        self.note.returnPressed.connect(self.list.setFocus)
        note_row.addWidget(self.note)
        rl.addLayout(note_row)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName(self.tr("Keyboard hint"))
        rl.addWidget(self.hint)
        split.addWidget(right)
        split.setSizes([320, 680])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for w in (self.list, self.table):
            w.installEventFilter(self)
        self._set_hint()
        self.reload()

    # -- loading ----------------------------------------------------------------------------------

    def reload(self, select_row: int = 0) -> None:
        self.busy = True
        self.runner.submit(conflicts.list_conflicts, self.ctx.store, self.stage, lane="db",
                           done=partial(self._on_loaded, select_row), failed=self._on_failed)

    def _on_loaded(self, select_row: int, doc: dict[str, Any]) -> None:
        self.busy = False
        self.items = doc["conflicts"]
        self.list.clear()
        for item in self.items:
            row = QListWidgetItem(f"#{item['record_id']}  {item['title']}")
            row.setToolTip(item["title"])
            self.list.addItem(row)
        self.count_label.setText(self.tr("%1 conflicts to resolve").replace("%1", str(len(self.items)))
                                 if self.items else self.tr("No conflicts left at this stage."))
        if self.items:
            self.list.setCurrentRow(min(select_row, len(self.items) - 1))
        else:
            self._show_current(-1)
        self.list.setFocus()
        self.loaded.emit()

    def _on_failed(self, exc: BaseException, tb: str) -> None:
        self.busy = False
        show_error(self, exc, tb)

    def current(self) -> dict[str, Any] | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _show_current(self, _row: int) -> None:
        self._cancel_pick()
        item = self.current()
        self.note.clear()
        if item is None:
            self.title_label.setText("")
            self.table.setColumnCount(0)
            return
        self.title_label.setText(f"<b>#{item['record_id']}</b> {item['title']}")
        decisions = item["decisions"]
        self.table.setColumnCount(len(decisions))
        self.table.setHorizontalHeaderLabels([d["reviewer"] for d in decisions])
        for col, d in enumerate(decisions):
            values = (d["label"], "\n".join(d["reasons"]) or "—", "\n".join(d["tags"]) or "—", d["note"] or "—")
            for row, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, col, cell)

    # -- keyboard -----------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and self.handle_key(event):
            return True
        return super().eventFilter(obj, event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """I / E / M resolve; digits pick a reason; Esc cancels a pick. True when consumed."""
        mods = Qt.KeyboardModifier
        if event.modifiers() & (mods.ControlModifier | mods.AltModifier | mods.MetaModifier):
            return False
        key = event.key()
        if self.picking:
            if key == Qt.Key.Key_Escape:
                self._cancel_pick()
                return True
            if key in DIGIT_KEYS and DIGIT_KEYS.index(key) < len(self.reasons):
                self.resolve_current("exclude", [self.reasons[DIGIT_KEYS.index(key)]])
                return True
            return key in LABEL_KEYS
        if key in LABEL_KEYS and self.current() is not None:
            label = LABEL_KEYS[key]
            if label == "exclude" and self.ctx.reason_required(self.stage) and self.reasons:
                self.picking = True
                self._set_hint()
            else:
                self.resolve_current(label)
            return True
        return False

    def _cancel_pick(self) -> None:
        if self.picking:
            self.picking = False
            self._set_hint()

    def _set_hint(self) -> None:
        if self.picking:
            keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
            lines = [f"<b>{keys[i]}</b> {name}" for i, name in enumerate(self.reasons[:10])]
            self.hint.setText(self.tr("Exclude because… (Esc cancels)") + "<br>" + "<br>".join(lines))
        else:
            self.hint.setText(self.tr("Resolve: <b>I</b> include · <b>E</b> exclude · <b>M</b> maybe; "
                                      "↑/↓ choose a conflict"))

    # -- resolving ----------------------------------------------------------------------------------

    def resolve_current(self, label: str, reasons: list[str] | tuple[str, ...] = ()) -> None:
        """Resolve the selected conflict as the current reviewer, then show the next one."""
        item = self.current()
        if item is None or self.busy:
            return
        self.picking = False
        self._set_hint()
        self.busy = True
        row = self.list.currentRow()
        self.runner.submit(conflicts.resolve, self.ctx.store, item["record_id"], label, self.ctx.reviewer,
                           self.stage, tuple(reasons), self.note.text().strip(), lane="db",
                           done=partial(self._on_resolved, row), failed=self._on_failed)

    def _on_resolved(self, row: int, result: dict[str, Any]) -> None:
        self.resolved.emit(int(result["record_id"]))
        self.reload(select_row=row)
