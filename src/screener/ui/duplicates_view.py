"""The Duplicates view: find duplicate records, review groups of them side by side, undo merges.

"Find duplicates" runs the matcher off the GUI thread (optionally merging the sure pairs). The
groups to review are listed on the left: records linked by candidate pairs, two or more, so
that three copies of one paper are decided at once. The selected group's records are shown
side by side, the record to keep first, fields that differ on a coloured background and the
differing words marked. M merges them all, N says none are duplicates, S skips; ←/→ or 1–9
choose a record, K keeps it instead, X takes it out of the group. The next group shows at once
while the verdict is saved on the serial database lane; Ctrl+Z undoes the last change. The
"Merged groups" tab lists every merge: its records side by side, K to keep another record, X to
take one out, Split to undo the whole merge.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSplitter, QTabWidget, QTextBrowser, QVBoxLayout,
                               QWidget)
from screener.services import dedup, queries
from screener.services.dedup import ReviewGroup
from screener.services.dto import RecordView
from screener.storage.session import Store
from screener.ui import theme
from screener.ui.context import ProjectContext
from screener.ui.duplicates_compare import differing_fields, group_html, word_diff_html
from screener.ui.duplicates_groups import MergedGroupsMixin
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

__all__ = ["DuplicatesDialog", "differing_fields", "open_duplicates", "word_diff_html"]

VERDICT_KEYS = {Qt.Key.Key_M: "merge", Qt.Key.Key_N: "not_duplicate", Qt.Key.Key_S: "skip"}
# (status in duplicate_pairs, label shown in the filter)
FILTERS = (("uncertain", "Uncertain duplicates"), ("link", "Links: preprint vs published"),
           ("sure", "Sure duplicates not merged yet"), ("skipped", "Skipped"))
PREFETCH = 3  # groups whose records are read ahead, so the next group shows at once
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


# -- reads (run on workers) --------------------------------------------------------------------------

def merged_groups(store: Store) -> list[dict[str, Any]]:
    """Every duplicate group with its members, as plain rows."""
    return dedup.list_groups(store)


def load_records(store: Store, ids: list[int], reviewer: str) -> dict[int, RecordView]:
    """The record views of ``ids``, for the side-by-side panes."""
    return {i: queries.record_view(store, i, reviewer) for i in ids}


def column_order(ids, kept: int) -> list[int]:
    """Record ids in the order of the side-by-side columns: the kept record first."""
    return sorted(ids, key=lambda i: (i != kept, i))


# -- the dialog --------------------------------------------------------------------------------------

def open_duplicates(main_window, _checked: bool = False) -> "DuplicatesDialog | None":
    """Project → Duplicates…: open the Duplicates view over the main window's open project.

    ``_checked`` takes the flag a QAction's ``triggered`` signal passes to a ``partial`` slot.
    """
    if main_window.ctx is None:
        return None
    dialog = DuplicatesDialog(main_window.ctx, main_window.runner, main_window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def changed() -> None:  # merged records leave the screening list
        if main_window.session is not None:
            main_window.session.reload()

    dialog.changed.connect(changed)
    main_window.dialogs["duplicates"] = dialog
    dialog.open()
    return dialog


class DuplicatesDialog(MergedGroupsMixin, QDialog):
    """Find, review (M / N / S, K / X) and split duplicate records of the open project."""

    changed = Signal()  # records were merged or split
    loaded = Signal()

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.items: list[ReviewGroup] = []
        self.merged: list[dict[str, Any]] = []
        self.records: dict[int, RecordView] = {}
        self.loading: set[int] = set()  # record ids being read
        self.generation = 0  # bumped when changes make the records read so far stale
        self.kept_choice: dict[tuple[int, ...], int] = {}  # review group -> the record to keep
        self.chosen: dict[str, int | None] = {"review": None, "groups": None}  # selected column's record
        self.undo_stack: list[tuple[str, dict[str, Any]]] = []
        self.jobs = 0  # jobs of this dialog still running
        self.deciding = 0  # verdicts submitted and not yet saved
        self.last_find: dict[str, Any] | None = None
        self.setWindowTitle(self.tr("Duplicates"))
        self.setAccessibleName(self.tr("Duplicates"))
        self.resize(1100, 680)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.find_button = QPushButton(self.tr("&Find duplicates"))
        self.find_button.setAccessibleName(self.tr("Find duplicates"))
        self.find_button.clicked.connect(self.find)
        top.addWidget(self.find_button)
        self.auto_box = QCheckBox(self.tr("Merge sure duplicates &automatically"))
        self.auto_box.setToolTip(self.tr("Pairs the matcher is sure of are merged at once, except records that "
                                         "already carry decisions: those always come here for review."))
        top.addWidget(self.auto_box)
        top.addStretch(1)
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Result of the last action"))
        top.addWidget(self.summary)
        self.undo_button = QPushButton(theme.icon("undo"), self.tr("Undo"))
        self.undo_button.setAccessibleName(self.tr("Undo the last change"))
        self.undo_button.setToolTip(self.tr("Undo the last merge, verdict or change of the kept record (Ctrl+Z)"))
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo)
        top.addWidget(self.undo_button)
        layout.addLayout(top)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName(self.tr("Notice"))
        self.notice.setStyleSheet(f"QLabel {{ background-color: {theme.hex_color('exclude_bg')}; "
                                  f"border: 1px solid {theme.hex_color('conflict')}; padding: 6px; }}")
        self.notice.hide()
        layout.addWidget(self.notice)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_review_tab(), self.tr("To review"))
        self.tabs.addTab(self._build_groups_tab(), self.tr("Merged groups"))
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for w in (self.list, self.pane, self.group_table, self.group_pane):
            w.installEventFilter(self)
        self.reload()

    def _button(self, text: str, name: str, slot, row: QHBoxLayout) -> QPushButton:
        b = QPushButton(text)
        b.setAccessibleName(name)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys keep working on the list after a click
        b.clicked.connect(slot)
        row.addWidget(b)
        return b

    def _build_review_tab(self) -> QWidget:
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.filter = QComboBox()
        self.filter.setAccessibleName(self.tr("Which duplicates to show"))
        for status, label in FILTERS:
            self.filter.addItem(self.tr(label), status)
        self.filter.currentIndexChanged.connect(lambda _i: self.reload())
        ll.addWidget(self.filter)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of groups"))
        ll.addWidget(self.count_label)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Groups of possible duplicates"))
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._on_row)
        ll.addWidget(self.list, 1)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.pane = QTextBrowser()
        self.pane.setAccessibleName(self.tr("The records side by side"))
        self.pane.setOpenExternalLinks(True)
        rl.addWidget(self.pane, 1)
        row = QHBoxLayout()
        self._button(self.tr("Merge all (M)"), self.tr("Merge all records of the group"),
                     lambda: self.decide("merge"), row)
        self._button(self.tr("Not duplicates (N)"), self.tr("None of these records are duplicates"),
                     lambda: self.decide("not_duplicate"), row)
        self._button(self.tr("Skip (S)"), self.tr("Skip this group"), lambda: self.decide("skip"), row)
        row.addStretch(1)
        self._button(self.tr("Keep chosen (K)"), self.tr("Keep the chosen record"), self.keep_chosen, row)
        self._button(self.tr("Take chosen out (X)"), self.tr("Take the chosen record out of the group"),
                     self.take_out, row)
        rl.addLayout(row)
        self.hint = QLabel(self.tr("<b>M</b> merge all · <b>N</b> none are duplicates · <b>S</b> skip · "
                                   "<b>←/→</b> or <b>1–9</b> choose a record · <b>K</b> keep it · "
                                   "<b>X</b> take it out · <b>Ctrl+Z</b> undo · <b>↑/↓</b> choose a group. "
                                   "Yellow: the field differs; blue: some records lack it."))
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName(self.tr("Keyboard hint"))
        rl.addWidget(self.hint)
        split.addWidget(right)
        split.setSizes([300, 800])
        return split

    # -- jobs ------------------------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        return self.jobs == 0

    def _submit(self, fn, *args, done=None, **kwargs) -> None:
        self.jobs += 1

        def ok(result) -> None:
            self.jobs -= 1
            if done is not None:
                done(result)

        def failed(exc: BaseException, tb: str) -> None:
            self.jobs -= 1
            if fn in (dedup.decide_group, dedup.separate_record):
                self.deciding -= 1
            if fn is dedup.find_candidates:
                self.find_button.setEnabled(True)
                self.summary.setText("")
            show_error(self, exc, tb)
            if self.jobs == 0:
                self.reload()

        self.runner.submit(fn, *args, done=ok, failed=failed, **kwargs)

    def status(self) -> str:
        return self.filter.currentData()

    def reload(self) -> None:
        """Re-read the groups to review of the chosen kind and the merged groups."""
        self._submit(dedup.review_groups, self.ctx.store, self.status(), lane="db", done=self._on_items)
        self._submit(merged_groups, self.ctx.store, lane="db", done=self._on_merged)

    def _after_change(self, label: str, result: dict[str, Any]) -> None:
        """A change was saved: remember how to undo it, and show every view afresh when idle."""
        if result.get("undo"):
            self.undo_stack.append((label, result["undo"]))
            self.undo_button.setEnabled(True)
        self._forget_records()
        self.changed.emit()
        if self.jobs == 0:
            self.reload()

    def find(self) -> None:
        """Run the matcher over the project (off the GUI thread, cancellable)."""
        self.find_button.setEnabled(False)
        self.summary.setText(self.tr("Searching…"))
        self._submit(dedup.find_candidates, self.ctx.store, self.auto_box.isChecked(), self.ctx.reviewer,
                     lane="db", title=self.tr("Finding duplicates"), parent=self, with_progress=True,
                     done=self._on_found)

    def _on_found(self, result: dict[str, Any]) -> None:
        self.find_button.setEnabled(True)
        self.last_find = result
        self.summary.setText(self.tr("%1 candidate pairs · %2 merged in %3 groups · %4 to review · %5 preprint links")
                             .replace("%1", str(result["candidates"])).replace("%2", str(result["merged"]))
                             .replace("%3", str(result["groups"])).replace("%4", str(result["to_review"]))
                             .replace("%5", str(result["links"])))
        if result["merged"]:
            self.changed.emit()
        self._forget_records()
        self.reload()

    def _on_items(self, items: list[ReviewGroup]) -> None:
        if self.deciding:
            return  # read before a verdict still on its way; the reload after it follows
        keep = self.current()
        self.items = list(items)
        self.list.blockSignals(True)
        self.list.clear()
        for g in self.items:
            if len(g.ids) == 2:
                label = f"#{g.ids[0]} ↔ #{g.ids[1]}"
            else:
                label = " · ".join(f"#{i}" for i in g.ids) + "  " + self.tr("(%1 records)").replace("%1", str(len(g.ids)))
            item = QListWidgetItem(f"{label}   {g.score:.2f}   {', '.join(g.reasons)}")
            item.setToolTip(", ".join(g.reasons))
            self.list.addItem(item)
        # stay on the group the reviewer was on (or what is left of it)
        row = 0
        if keep is not None:
            overlap = [len(set(keep.ids) & set(g.ids)) for g in self.items]
            if overlap and max(overlap) > 0:
                row = overlap.index(max(overlap))
        if self.items:
            self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self._update_count()
        self._on_row()
        self.find_button.setEnabled(True)
        if self.tabs.currentIndex() == 0:  # not from under a reviewer working on the merged groups
            self.list.setFocus()
        self.loaded.emit()

    def _update_count(self) -> None:
        n = len(self.items)
        if n == 0:
            self.count_label.setText(self.tr("Nothing here."))
        else:
            self.count_label.setText(self.tr("1 group") if n == 1 else self.tr("%1 groups").replace("%1", str(n)))

    # -- the selected review group -------------------------------------------------------------------

    def current(self) -> ReviewGroup | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def kept_of(self, group: ReviewGroup) -> int:
        """The record the reviewer chose to keep, else the most complete one."""
        kept = self.kept_choice.get(group.ids)
        return kept if kept in group.ids else group.suggested_kept

    def _on_row(self, _row: int = -1) -> None:
        group = self.current()
        if group is not None and self.chosen["review"] not in group.ids:
            self.chosen["review"] = self.kept_of(group)
        self._show_current()

    def _show_current(self) -> None:
        group = self.current()
        if group is None:
            self.pane.setHtml(f'<p align="center" style="color:{theme.hex_color("muted")}">'
                              f'{html.escape(self.tr("Nothing to review. Find duplicates, or choose another list."))}'
                              "</p>")
            return
        row = self.list.currentRow()
        self._load([i for g in self.items[row:row + PREFETCH] for i in g.ids])
        if all(i in self.records for i in group.ids):
            reasons = html.escape(", ".join(group.reasons) or "—")
            top = (f"<p><b>{html.escape(self.tr('Score'))}</b> {group.score:.2f} &nbsp; "
                   f"<b>{html.escape(self.tr('Why'))}</b> {reasons}</p>")
            self.pane.setHtml(group_html([self.records[i] for i in group.ids], self.kept_of(group),
                                         self.chosen["review"], top, self.tr))
        else:
            self.pane.setHtml(f"<p>{html.escape(self.tr('Loading…'))}</p>")

    def _forget_records(self) -> None:
        """Merges change the kept record's fields: read every record again when shown."""
        self.records.clear()
        self.loading.clear()
        self.generation += 1

    def _load(self, ids: list[int]) -> None:
        wanted = [i for i in dict.fromkeys(ids) if i not in self.records and i not in self.loading]
        if wanted:
            self.loading.update(wanted)
            self._submit(load_records, self.ctx.store, wanted, self.ctx.reviewer, lane="db",
                         done=partial(self._on_records, self.generation))

    def _on_records(self, generation: int, views: dict[int, RecordView]) -> None:
        if generation != self.generation:
            return  # read before a change; the views shown now asked again
        self.loading.difference_update(views)
        self.records.update(views)
        group = self.current()
        if group is not None and any(i in views for i in group.ids):
            self._show_current()
        g = self.selected_merged()
        if g is not None and any(i in views for i in (g["kept"], *g["merged"])):
            self._show_merged_group()

    # -- keys ------------------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and self.handle_key(event, obj):
            return True
        return super().eventFilter(obj, event)

    def handle_key(self, event: QKeyEvent, obj: QObject | None = None) -> bool:
        """The review keys; True when the key was used."""
        mods = Qt.KeyboardModifier
        key = event.key()
        if event.modifiers() & mods.ControlModifier and key == Qt.Key.Key_Z:
            self.undo()
            return True
        if event.modifiers() & (mods.ControlModifier | mods.AltModifier | mods.MetaModifier):
            return False
        in_groups = obj in (self.group_table, self.group_pane)
        pane = "groups" if in_groups else "review"
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) or key in _DIGITS:
            return self.choose(pane, -1 if key == Qt.Key.Key_Left else 1 if key == Qt.Key.Key_Right else 0,
                               _DIGITS.get(key))
        if key == Qt.Key.Key_K:
            (self.keep_in_group if in_groups else self.keep_chosen)()
            return True
        if key == Qt.Key.Key_X:
            (self.take_out_of_group if in_groups else self.take_out)()
            return True
        verdict = VERDICT_KEYS.get(key)
        if verdict is None or in_groups or self.current() is None:
            return False
        self.decide(verdict)
        return True

    def choose(self, pane: str, step: int = 0, column: int | None = None) -> bool:
        """Select a record's column: ``step`` to the left (-1) or right (+1), or ``column`` 1–9."""
        if pane == "groups":
            g = self.selected_merged()
            ids, kept = (([g["kept"]] + g["merged"]), g["kept"]) if g else ([], None)
        else:
            cur = self.current()
            ids, kept = (list(cur.ids), self.kept_of(cur)) if cur else ([], None)
        if not ids:
            return False
        order = column_order(ids, kept)
        if column is not None:
            if column > len(order):
                return True
            self.chosen[pane] = order[column - 1]
        else:
            at = order.index(self.chosen[pane]) if self.chosen[pane] in order else 0
            self.chosen[pane] = order[(at + step) % len(order)]
        if pane == "review":
            self._show_current()
        else:
            self._show_merged_group()
        return True

    # -- deciding ----------------------------------------------------------------------------------------

    def _drop_current(self, replacement: ReviewGroup | None = None) -> None:
        """Take the current group off the list (or put what is left of it in its place) at once."""
        row = self.list.currentRow()
        self.list.blockSignals(True)
        if replacement is None:
            del self.items[row]
            self.list.takeItem(row)
            if self.items:
                self.list.setCurrentRow(min(row, len(self.items) - 1))
        else:
            self.items[row] = replacement
            self.list.item(row).setText(" · ".join(f"#{i}" for i in replacement.ids))
        self.list.blockSignals(False)
        self._on_row()
        self._update_count()

    def decide(self, verdict: str) -> None:
        """Record ``verdict`` on the selected group and show the next one at once."""
        group = self.current()
        if group is None:
            return
        kept = self.kept_of(group) if verdict == "merge" else None
        self._drop_current()
        self.deciding += 1
        self._submit(dedup.decide_group, self.ctx.store, group.pair_ids, verdict, self.ctx.reviewer, kept,
                     lane="db", done=self._on_decided)

    def keep_chosen(self) -> None:
        """Keep the chosen record when the group is merged (the group's best metadata goes to it)."""
        group = self.current()
        if group is None or self.chosen["review"] not in group.ids:
            return
        self.kept_choice[group.ids] = self.chosen["review"]
        self._show_current()

    def take_out(self) -> None:
        """The chosen record is not a duplicate of the others; the rest of the group stays."""
        group, rid = self.current(), self.chosen["review"]
        if group is None or rid not in group.ids:
            return
        rest = tuple(i for i in group.ids if i != rid)
        left = None
        if len(rest) >= 2:
            pairs = tuple(p for p in group.pairs if rid not in (p.a_id, p.b_id))
            left = ReviewGroup(rest, pairs or group.pairs, group.score,
                               group.suggested_kept if group.suggested_kept in rest else rest[0])
        self._drop_current(left)
        self.deciding += 1
        self._submit(dedup.separate_record, self.ctx.store, group.ids, rid, self.ctx.reviewer, lane="db",
                     done=self._on_decided)

    def _on_decided(self, result: dict[str, Any]) -> None:
        self.deciding -= 1
        verdict = result.get("verdict", "separate")
        if verdict == "merge":
            self.summary.setText(self.tr("Merged %1 into #%2").replace(
                "%1", ", ".join(f"#{i}" for i in result["merged"])).replace("%2", str(result["kept"])))
            if result.get("decision_conflict"):
                merged = ", ".join(f"#{i}" for i in result["merged"])
                self.show_notice(self.tr("Merged %1 into #%2, but these records carry differing screening "
                                         "decisions: #%2 is listed under Conflicts until an adjudicator resolves "
                                         "it. Split the group on the Merged groups tab to undo the merge.")
                                 .replace("%1", merged).replace("%2", str(result["kept"])))
        elif verdict == "separate":
            self.summary.setText(self.tr("#%1 taken out").replace("%1", str(result["record"])))
        self._after_change(verdict, result)

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def undo(self) -> None:
        """Undo the last change made in this view (merge, verdict, kept record, take-out, split)."""
        if not self.undo_stack or self.deciding:
            return
        label, undo = self.undo_stack.pop()
        self.undo_button.setEnabled(bool(self.undo_stack))
        self.notice.hide()
        self._submit(dedup.undo_change, self.ctx.store, undo, self.ctx.reviewer, lane="db",
                     done=partial(self._on_undone, label))

    def _on_undone(self, _label: str, _result: None) -> None:
        self.summary.setText(self.tr("Undone"))
        self._after_change("undo", {})
