"""The Conflicts view: records whose reviewers disagree, side by side, resolved by keyboard.

Two kinds of entry are listed: label conflicts, then included records whose reviewers tagged
differently. Every reviewer's label, reasons and note stand side by side; below, a tag grid shows
which tags each reviewer gave (rows where they differ are marked ≠ and highlighted) and the
record's final tags, which the adjudicator chooses: Space toggles the tag under the cursor (T
moves there, Esc back), A takes every reviewer's tags, C only those they share, 1…9 one
reviewer's set. I, E and M resolve a label conflict as include (with the final tags), exclude
or maybe; when the stage requires a reason, E first asks for one, picked with its number key
(1…9, 0) and Esc cancels. S (or Enter) saves the final tags of a tag disagreement. The note
field goes with the resolution. After a resolution the list reloads and the next entry is
selected. While a stage is blind only adjudicators and owners may open the view
(:func:`open_conflicts` checks this off the GUI thread before showing anything).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from screener.core.enums import Stage
from screener.core.errors import ConflictError, UserError
from screener.services import conflicts
from screener.ui import theme
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

LABEL_KEYS = {Qt.Key.Key_I: "include", Qt.Key.Key_E: "exclude", Qt.Key.Key_M: "maybe"}
DIGIT_KEYS = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_6, Qt.Key.Key_7,
              Qt.Key.Key_8, Qt.Key.Key_9, Qt.Key.Key_0]
SAVE_KEYS = (Qt.Key.Key_S, Qt.Key.Key_Return, Qt.Key.Key_Enter)
ROWS = ("Label", "Reasons", "Note")
GIVEN = "✓"
DIFFERS = "≠ "


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


def tag_voters(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The decisions whose tags count: an exclude without tags says nothing about the tags."""
    return [d for d in decisions if d["label"] == "include" or d["tags"]]


class ConflictsDialog(QDialog):
    """List of a stage's conflicts; the selected one shown with every reviewer's decision."""

    resolved = Signal(int)
    loaded = Signal()

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, stage: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner, self.stage = ctx, runner, stage
        self.items: list[dict[str, Any]] = []
        self.n_label = 0
        self.picking = False
        self.busy = False
        self.final: set[str] = set()
        self.edited = False
        self.filling = False
        self.reasons = [r.name for r in ctx.reasons.get(stage, ()) if not r.retired]
        stage_text = self.tr("title/abstract") if stage == Stage.TITLE_ABSTRACT.value else self.tr("full-text")
        self.setWindowTitle(self.tr("Conflicts — %1 stage").replace("%1", stage_text))
        self.setAccessibleName(self.tr("Conflicts"))
        self.resize(1100, 640)
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
        split.addWidget(self._build_detail())
        split.setSizes([330, 770])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for w in (self.list, self.table, self.tags):
            w.installEventFilter(self)
        self._set_hint()
        self.reload()

    def _build_detail(self) -> QWidget:
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
        rl.addWidget(self.table)
        self.tags_label = QLabel()
        self.tags_label.setWordWrap(True)
        self.tags_label.setAccessibleName(self.tr("Tags"))
        rl.addWidget(self.tags_label)
        self.tags = QTableWidget(0, 0)
        self.tags.setAccessibleName(self.tr("Tags side by side, with the final tags"))
        self.tags.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # the cursor sits on the Final cell only, so a row's disagreement colour stays visible
        self.tags.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.tags.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tags.verticalHeader().setVisible(False)
        self.tags.itemChanged.connect(self._on_tag_item_changed)
        rl.addWidget(self.tags, 1)
        note_row = QHBoxLayout()
        note_row.addWidget(QLabel(self.tr("Resolution note:")))
        self.note = QLineEdit()
        self.note.setAccessibleName(self.tr("Resolution note"))
        self.note.setPlaceholderText(self.tr("Why this decision (optional); Enter returns to the list"))
        self.note.returnPressed.connect(self.list.setFocus)
        note_row.addWidget(self.note)
        self.save_button = QPushButton(self.tr("Save final tags"))
        self.save_button.setToolTip(self.tr("S"))
        self.save_button.clicked.connect(self.save_tags)
        note_row.addWidget(self.save_button)
        rl.addLayout(note_row)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName(self.tr("Keyboard hint"))
        rl.addWidget(self.hint)
        return right

    # -- loading ----------------------------------------------------------------------------------

    def reload(self, select_row: int = 0) -> None:
        self.busy = True
        self.runner.submit(conflicts.list_conflicts, self.ctx.store, self.stage, lane="db",
                           done=partial(self._on_loaded, select_row), failed=self._on_failed)

    def _on_loaded(self, select_row: int, doc: dict[str, Any]) -> None:
        self.busy = False
        self.items = doc["conflicts"] + doc["tag_disagreements"]
        self.n_label = doc["count"]
        self.list.clear()
        for item in self.items:
            marker = self.tr("[tags] ") if item["kind"] == "tags" else ""
            row = QListWidgetItem(f"#{item['record_id']}  {marker}{item['title']}")
            row.setToolTip(self.tr("The reviewers agree to include this record but tagged it differently")
                           if item["kind"] == "tags" else item["title"])
            self.list.addItem(row)
        self.count_label.setText(self._count_text(doc["count"], doc["tag_count"]))
        if self.items:
            self.list.setCurrentRow(min(select_row, len(self.items) - 1))
        else:
            self._show_current(-1)
        self.list.setFocus()
        self.loaded.emit()

    def _count_text(self, n_label: int, n_tags: int) -> str:
        if not n_label and not n_tags:
            return self.tr("No conflicts left at this stage.")
        if not n_tags:
            return self.tr("%1 conflicts to resolve").replace("%1", str(n_label))
        return (self.tr("%1 conflicts and %2 tag disagreements to resolve")
                .replace("%1", str(n_label)).replace("%2", str(n_tags)))

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
        self.final, self.edited = set(item["final_tags"]) if item else set(), False
        if item is None:
            self.title_label.setText("")
            self.table.setColumnCount(0)
            self._fill_tags()
            self._set_hint()
            return
        title = f"<b>#{item['record_id']}</b> {item['title']}"
        if item.get("merged_conflict"):
            title += "<br>" + self.tr("Its duplicates merged into it (%1) were screened differently: the decision "
                                      "you give stands for the one paper.").replace(
                "%1", ", ".join(f"#{i}" for i in item["merged"]))
        self.title_label.setText(title)
        decisions = item["decisions"]
        self.table.setColumnCount(len(decisions))
        self.table.setHorizontalHeaderLabels(self._voters(item))
        labels_differ = len({d["label"] for d in decisions}) > 1
        for col, d in enumerate(decisions):
            values = (d["label"], "\n".join(d["reasons"]) or "—", d["note"] or "—")
            for row, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                if row == 0 and labels_differ:
                    self._mark(cell)
                self.table.setItem(row, col, cell)
        self._fit_table()
        self._fill_tags()
        self._set_hint()

    def _voters(self, item: dict[str, Any]) -> list[str]:
        """Column titles: each reviewer, with the duplicate's number for a decision made on one."""
        return [d["reviewer"] if d.get("record_id", item["record_id"]) == item["record_id"]
                else self.tr("%1 on #%2").replace("%1", d["reviewer"]).replace("%2", str(d["record_id"]))
                for d in item["decisions"]]

    def _fit_table(self) -> None:
        """Give the decisions table the height of its rows (up to half the dialog), the tags the rest."""
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        height = rows + self.table.horizontalHeader().height() + 2 * self.table.frameWidth() + 2
        self.table.setFixedHeight(min(height, max(120, self.height() // 2)))

    # -- the tag grid -------------------------------------------------------------------------------

    def _mark(self, cell: QTableWidgetItem) -> None:
        """Highlight a cell where reviewers disagree (colour, and bold for those who cannot see it)."""
        bg = theme.color("conflict")
        bg.setAlpha(55)
        cell.setBackground(bg)
        font = QFont(cell.font())
        font.setBold(True)
        cell.setFont(font)

    def _fill_tags(self) -> None:
        """Rows: every tag a reviewer gave; columns: the tag, each reviewer (✓), and the final choice."""
        item = self.current()
        decisions = item["decisions"] if item else []
        voters = {id(d) for d in tag_voters(decisions)}  # by decision: a reviewer may have decided a duplicate too
        paths = sorted({t for d in decisions for t in d["tags"]} | self.final)
        self.filling = True
        self.tags.clear()
        self.tags.setColumnCount(len(decisions) + 2 if item else 0)
        if item:
            self.tags.setHorizontalHeaderLabels([self.tr("Tag")] + self._voters(item) + [self.tr("Final")])
        self.tags.setRowCount(len(paths))
        for r, path in enumerate(paths):
            given = [path in d["tags"] for d in decisions]
            differs = len({g for g, d in zip(given, decisions) if id(d) in voters}) > 1
            name = QTableWidgetItem((DIFFERS if differs else "") + path)
            name.setToolTip(self.tr("The reviewers disagree on this tag") if differs else path)
            self.tags.setItem(r, 0, name)
            for c, g in enumerate(given, start=1):
                cell = QTableWidgetItem(GIVEN if g else "")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.tags.setItem(r, c, cell)
            final = QTableWidgetItem()
            final.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            final.setCheckState(Qt.CheckState.Checked if path in self.final else Qt.CheckState.Unchecked)
            final.setData(Qt.ItemDataRole.UserRole, path)
            self.tags.setItem(r, len(decisions) + 1, final)
            if differs:
                for c in range(len(decisions) + 2):
                    self._mark(self.tags.item(r, c))
        header = self.tags.horizontalHeader()
        if item:
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            for c in range(1, len(decisions) + 2):
                header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.filling = False
        self.tags.setCurrentCell(-1, -1)  # T puts the cursor on the first tag
        self._set_tags_label()

    def _set_tags_label(self) -> None:
        item = self.current()
        if item is None:
            self.tags_label.setText("")
        elif not self.tags.rowCount():
            self.tags_label.setText(self.tr("<b>Tags</b>: none given"))
        else:
            chosen = ", ".join(sorted(self.final)) or self.tr("none")
            differ = self.tr(" — the reviewers tagged differently (≠)") if item["tags_differ"] else ""
            self.tags_label.setText(self.tr("<b>Tags</b>%1. Final tags: %2").replace("%1", differ)
                                    .replace("%2", chosen))
        self.save_button.setVisible(bool(item) and item["kind"] == "tags")

    def _final_column(self) -> int:
        return self.tags.columnCount() - 1

    def _on_tag_item_changed(self, cell: QTableWidgetItem) -> None:
        if self.filling or cell.column() != self._final_column():
            return
        path = cell.data(Qt.ItemDataRole.UserRole)
        if cell.checkState() == Qt.CheckState.Checked:
            self.final.add(path)
        else:
            self.final.discard(path)
        self.edited = True
        self._set_tags_label()

    def set_final(self, tags: set[str]) -> None:
        """Make ``tags`` the final choice for the current record (ticks follow)."""
        self.final, self.edited = set(tags), True
        self.filling = True
        col = self._final_column()
        for r in range(self.tags.rowCount()):
            cell = self.tags.item(r, col)
            wanted = cell.data(Qt.ItemDataRole.UserRole) in self.final
            cell.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
        self.filling = False
        self._set_tags_label()

    def toggle_tag(self, row: int | None = None) -> None:
        """Tick or untick the final tag of ``row`` (the grid's current row by default)."""
        row = self.tags.currentRow() if row is None else row
        if 0 <= row < self.tags.rowCount():
            cell = self.tags.item(row, self._final_column())
            checked = cell.checkState() == Qt.CheckState.Checked
            cell.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def _tag_choice(self, key: Qt.Key) -> set[str] | None:
        """A (all: union), C (common: intersection) or a digit (that reviewer's tags); None otherwise."""
        item = self.current()
        if item is None or not self.tags.rowCount():
            return None
        voters = tag_voters(item["decisions"])
        sets = [set(d["tags"]) for d in voters]
        if key == Qt.Key.Key_A:
            return set().union(*sets)
        if key == Qt.Key.Key_C:
            return set.intersection(*sets) if sets else set()
        if key in DIGIT_KEYS[:9] and DIGIT_KEYS.index(key) < len(item["decisions"]):
            return set(item["decisions"][DIGIT_KEYS.index(key)]["tags"])
        return None

    # -- keyboard -----------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and self.handle_key(event, obj):
            return True
        return super().eventFilter(obj, event)

    def handle_key(self, event: QKeyEvent, source: QObject | None = None) -> bool:
        """I / E / M resolve; digits pick a reason; A / C / digits / Space choose tags. True when consumed."""
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
        item = self.current()
        if item is None:
            return False
        if source is self.tags and key == Qt.Key.Key_Space:
            self.toggle_tag()
            return True
        if source is self.tags and key == Qt.Key.Key_Escape:
            self.list.setFocus()
            return True
        if key == Qt.Key.Key_T and self.tags.rowCount():
            self.tags.setFocus()
            if self.tags.currentRow() < 0:
                self.tags.setCurrentCell(0, self._final_column())
            return True
        choice = self._tag_choice(key)
        if choice is not None:
            self.set_final(choice)
            return True
        if item["kind"] == "tags":
            if key in SAVE_KEYS:
                self.save_tags()
                return True
            return key in LABEL_KEYS  # the label is agreed: nothing to resolve here
        if key in LABEL_KEYS:
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
        item = self.current()
        if self.picking:
            keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
            lines = [f"<b>{keys[i]}</b> {name}" for i, name in enumerate(self.reasons[:10])]
            self.hint.setText(self.tr("Exclude because… (Esc cancels)") + "<br>" + "<br>".join(lines))
            return
        tags = self.tr("Final tags: <b>T</b> go to the tags, <b>Space</b> tick, <b>Esc</b> back · <b>A</b> all · "
                       "<b>C</b> common · <b>1</b>–<b>9</b> one reviewer's")
        if item is not None and item["kind"] == "tags":
            self.hint.setText(self.tr("The reviewers include this record but tagged it differently: <b>S</b> saves the "
                                      "final tags; ↑/↓ choose an entry") + "<br>" + tags)
            return
        text = self.tr("Resolve: <b>I</b> include · <b>E</b> exclude · <b>M</b> maybe; ↑/↓ choose a conflict")
        if item is not None and self.tags.rowCount():
            text += "<br>" + tags + self.tr(" (kept with an include)")
        self.hint.setText(text)

    # -- resolving ----------------------------------------------------------------------------------

    def resolve_current(self, label: str, reasons: list[str] | tuple[str, ...] = ()) -> None:
        """Resolve the selected conflict as the current reviewer, then show the next one.

        An include settles the final tags too when the reviewers tagged differently or the
        adjudicator changed the choice; otherwise the reviewers' tags stand as they are.
        """
        item = self.current()
        if item is None or self.busy or item["kind"] != "label":
            return
        self.picking = False
        self._set_hint()
        tags = sorted(self.final) if label == "include" and (item["tags_differ"] or self.edited) else None
        self._submit(conflicts.resolve, item["record_id"], label, self.ctx.reviewer, self.stage, tuple(reasons),
                     self.note.text().strip(), tags, item["version"])

    def save_tags(self) -> None:
        """Settle the final tags of the selected tag disagreement."""
        item = self.current()
        if item is None or self.busy or item["kind"] != "tags":
            return
        self._submit(conflicts.settle_tags, item["record_id"], sorted(self.final), self.ctx.reviewer, self.stage,
                     self.note.text().strip(), item["version"])

    def _submit(self, fn, *args) -> None:
        self.busy = True
        row = self.list.currentRow()
        self.runner.submit(fn, self.ctx.store, *args, lane="db", done=partial(self._on_resolved, row),
                           failed=partial(self._on_resolve_failed, row))

    def _on_resolve_failed(self, row: int, exc: BaseException, tb: str) -> None:
        self._on_failed(exc, tb)
        if isinstance(exc, ConflictError):
            # another adjudicator resolved it since it was shown: list what stands now
            self.reload(select_row=row)

    def _on_resolved(self, row: int, result: dict[str, Any]) -> None:
        self.resolved.emit(int(result["record_id"]))
        self.reload(select_row=row)
