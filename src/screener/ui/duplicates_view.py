"""The Duplicates view: find duplicate records, review uncertain pairs side by side, undo merges.

"Find duplicates" runs the matcher off the GUI thread (optionally merging the sure pairs). The
pairs to review are listed on the left; the selected pair's two records are shown side by side
with the fields that differ on a coloured background and, in titles and abstracts, the differing
words marked. M merges, N says "not a duplicate", S skips; the next pair shows at once while the
verdict is saved on the serial database lane. The "Merged groups" tab lists every merge with a
Split button that undoes it.
"""

from __future__ import annotations

import difflib
import html
import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout,
                               QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)
from screener.services import dedup, queries
from screener.services.dto import RecordView
from screener.storage.session import Store
from screener.ui import theme
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

VERDICT_KEYS = {Qt.Key.Key_M: "merge", Qt.Key.Key_N: "not_duplicate", Qt.Key.Key_S: "skip"}
# (status in duplicate_pairs, label shown in the filter)
FILTERS = (("uncertain", "Uncertain pairs"), ("link", "Links: preprint vs published"),
           ("sure", "Sure pairs not merged yet"), ("skipped", "Skipped pairs"))
FIELDS = (("title", "Title"), ("authors", "Authors"), ("year", "Year"), ("journal", "Journal"),
          ("volume", "Volume"), ("issue", "Issue"), ("pages", "Pages"), ("doi", "DOI"), ("pmid", "PMID"),
          ("arxiv_id", "arXiv"), ("abstract", "Abstract"))
WORD_DIFF = ("title", "abstract", "journal", "authors")
PREFETCH = 3  # pairs whose records are read ahead, so the next pair shows at once
_COLORS = {False: {"differ": "#fff3bf", "word": "#ffc9c9", "missing": "#e7f5ff"},
           True: {"differ": "#4d3f00", "word": "#7a2e2e", "missing": "#1c3a52"}}


# -- reads and plain-data helpers (run on workers or pure) ------------------------------------------

def merged_groups(store: Store) -> list[dict[str, Any]]:
    """Every duplicate group with its members, as plain rows."""
    return dedup.list_groups(store)


def load_records(store: Store, ids: list[int], reviewer: str) -> dict[int, RecordView]:
    """The record views of ``ids``, for the side-by-side pane."""
    return {i: queries.record_view(store, i, reviewer) for i in ids}


def field_text(view: RecordView, field: str) -> str:
    value = getattr(view, field)
    if isinstance(value, tuple):
        return "; ".join(value)
    return "" if value is None else str(value)


def _key(text: str) -> str:
    # case, punctuation and spacing are not differences a reviewer cares about
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def differing_fields(a: RecordView, b: RecordView) -> dict[str, str]:
    """Field → ``differ`` (both have it, not the same) or ``missing`` (only one has it)."""
    out = {}
    for f, _ in FIELDS:
        ka, kb = _key(field_text(a, f)), _key(field_text(b, f))
        if ka != kb:
            out[f] = "differ" if ka and kb else "missing"
    return out


def word_diff_html(a: str, b: str, style: str) -> tuple[str, str]:
    """Both texts as HTML with the words that are not in the other one wrapped in ``style``.

    Only words are compared and marked; the punctuation and spaces between them stay plain.
    """
    pa, pb = re.split(r"(\w+)", a), re.split(r"(\w+)", b)  # odd items are the words
    wa, wb = pa[1::2], pb[1::2]
    matcher = difflib.SequenceMatcher(None, [w.casefold() for w in wa], [w.casefold() for w in wb],
                                      autojunk=False)
    changed_a: set[int] = set()
    changed_b: set[int] = set()
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            changed_a.update(range(i1, i2))
            changed_b.update(range(j1, j2))

    def render(parts: list[str], changed: set[int]) -> str:
        out = []
        for k, part in enumerate(parts):
            text = html.escape(part)
            out.append(f'<span style="{style}">{text}</span>' if k % 2 and k // 2 in changed else text)
        return "".join(out)

    return render(pa, changed_a), render(pb, changed_b)


def pair_html(pair: dedup.PairView, a: RecordView, b: RecordView, tr) -> str:
    """The two records side by side as an HTML table, differences coloured."""
    colors = _COLORS[theme.is_dark()]
    diff = differing_fields(a, b)
    mark = f"background-color:{colors['word']}; font-weight:bold"
    rows = []
    head = ['<th width="12%"></th>']
    for view in (a, b):
        extra = html.escape(", ".join(view.sources))
        if view.decisions:
            extra += "<br/>" + html.escape(tr("Decisions: ") + ", ".join(
                f"{d.reviewer} {d.label}" for d in view.decisions))
        head.append(f'<th align="left" width="44%">#{view.id}<br/><span style="font-weight:normal">{extra}'
                    "</span></th>")
    rows.append("<tr>" + "".join(head) + "</tr>")
    for f, label in FIELDS:
        ta, tb = field_text(a, f), field_text(b, f)
        kind = diff.get(f)
        if kind == "differ" and f in WORD_DIFF:
            ha, hb = word_diff_html(ta, tb, mark)
        else:
            ha, hb = html.escape(ta), html.escape(tb)
        bg = f' bgcolor="{colors[kind]}"' if kind else ""
        rows.append(f'<tr><td valign="top"><b>{html.escape(tr(label))}</b></td>'
                    f'<td valign="top"{bg}>{ha or "—"}</td><td valign="top"{bg}>{hb or "—"}</td></tr>')
    reasons = html.escape(", ".join(pair.reasons) or "—")
    top = (f"<p><b>{html.escape(tr('Score'))}</b> {pair.score:.2f} &nbsp; "
           f"<b>{html.escape(tr('Why'))}</b> {reasons}</p>")
    return top + '<table width="100%" cellspacing="0" cellpadding="4" border="1" style="border-collapse:collapse">' \
        + "".join(rows) + "</table>"


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


class DuplicatesDialog(QDialog):
    """Find, review (M / N / S) and split duplicate records of the open project."""

    changed = Signal()  # records were merged or split
    loaded = Signal()

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.pairs: list[dedup.PairView] = []
        self.groups: list[dict[str, Any]] = []
        self.records: dict[int, RecordView] = {}
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
        self.summary.setAccessibleName(self.tr("Result of the last search"))
        top.addWidget(self.summary)
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
        for w in (self.list, self.pane):
            w.installEventFilter(self)
        self.reload()

    def _build_review_tab(self) -> QWidget:
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.filter = QComboBox()
        self.filter.setAccessibleName(self.tr("Which pairs to show"))
        for status, label in FILTERS:
            self.filter.addItem(self.tr(label), status)
        self.filter.currentIndexChanged.connect(lambda _i: self.reload())
        ll.addWidget(self.filter)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of pairs"))
        ll.addWidget(self.count_label)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Candidate pairs"))
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._show_current)
        ll.addWidget(self.list, 1)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.pane = QTextBrowser()
        self.pane.setAccessibleName(self.tr("The two records side by side"))
        self.pane.setOpenExternalLinks(True)
        rl.addWidget(self.pane, 1)
        self.hint = QLabel(self.tr("<b>M</b> merge · <b>N</b> not a duplicate · <b>S</b> skip; ↑/↓ choose a pair. "
                                   "Yellow: the field differs; blue: only one record has it."))
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName(self.tr("Keyboard hint"))
        rl.addWidget(self.hint)
        split.addWidget(right)
        split.setSizes([300, 800])
        return split

    def _build_groups_tab(self) -> QWidget:
        box = QWidget()
        gl = QVBoxLayout(box)
        self.group_table = QTableWidget(0, 5)
        self.group_table.setAccessibleName(self.tr("Merged groups"))
        self.group_table.setHorizontalHeaderLabels([self.tr("Kept record"), self.tr("Merged records"),
                                                    self.tr("How"), self.tr("By"), self.tr("Title")])
        self.group_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.group_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.group_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.group_table.verticalHeader().setVisible(False)
        header = self.group_table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.group_table.itemSelectionChanged.connect(self._update_split)
        gl.addWidget(self.group_table, 1)
        row = QHBoxLayout()
        self.groups_label = QLabel()
        self.groups_label.setAccessibleName(self.tr("Number of merged groups"))
        row.addWidget(self.groups_label)
        row.addStretch(1)
        self.split_button = QPushButton(self.tr("S&plit (undo merge)"))
        self.split_button.setAccessibleName(self.tr("Split the selected group"))
        self.split_button.clicked.connect(self.split_selected)
        self.split_button.setEnabled(False)
        row.addWidget(self.split_button)
        gl.addLayout(row)
        return box

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
            if fn is dedup.decide_pair:
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
        """Re-read the pairs of the chosen kind and the merged groups."""
        self._submit(dedup.pairs_to_review, self.ctx.store, self.status(), lane="db", done=self._on_pairs)
        self._submit(merged_groups, self.ctx.store, lane="db", done=self._on_groups)

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
        self.records.clear()
        self.reload()

    def _on_pairs(self, pairs: list[dedup.PairView]) -> None:
        if self.deciding:
            return  # read before a verdict still on its way; the reload after it follows
        keep = self.current()
        self.pairs = list(pairs)
        self.records.clear()  # merges change the kept record's fields
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.pairs:
            item = QListWidgetItem(f"#{p.a_id} ↔ #{p.b_id}   {p.score:.2f}   {', '.join(p.reasons)}")
            item.setToolTip(", ".join(p.reasons))
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = next((i for i, p in enumerate(self.pairs) if keep is not None and p.id == keep.id), 0)
        self._update_count()
        self.list.blockSignals(True)
        if self.pairs:
            self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self._show_current()
        self.find_button.setEnabled(True)
        self.list.setFocus()
        self.loaded.emit()

    def _update_count(self) -> None:
        n = len(self.pairs)
        if n == 0:
            self.count_label.setText(self.tr("No pairs here."))
        else:
            self.count_label.setText(self.tr("1 pair") if n == 1 else self.tr("%1 pairs").replace("%1", str(n)))

    def _on_groups(self, groups: list[dict[str, Any]]) -> None:
        self.groups = groups
        self.group_table.setRowCount(len(groups))
        for r, g in enumerate(groups):
            values = (f"#{g['kept']}", ", ".join(f"#{i}" for i in g["merged"]), g["method"], g["by"], g["title"])
            for c, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.group_table.setItem(r, c, cell)
        self.groups_label.setText(self.tr("%1 merged groups").replace("%1", str(len(groups))))
        self._update_split()

    # -- the selected pair -----------------------------------------------------------------------------

    def current(self) -> dedup.PairView | None:
        row = self.list.currentRow()
        return self.pairs[row] if 0 <= row < len(self.pairs) else None

    def _show_current(self, _row: int = -1) -> None:
        pair = self.current()
        if pair is None:
            self.pane.setHtml(f'<p align="center" style="color:{theme.hex_color("muted")}">'
                              f'{html.escape(self.tr("Nothing to review. Find duplicates, or choose other pairs."))}'
                              "</p>")
            return
        row = self.list.currentRow()
        wanted = [i for p in self.pairs[row:row + PREFETCH] for i in (p.a_id, p.b_id) if i not in self.records]
        if pair.a_id in self.records and pair.b_id in self.records:
            self.pane.setHtml(pair_html(pair, self.records[pair.a_id], self.records[pair.b_id], self.tr))
        else:
            self.pane.setHtml(f"<p>{html.escape(self.tr('Loading…'))}</p>")
        if wanted:
            self._submit(load_records, self.ctx.store, list(dict.fromkeys(wanted)), self.ctx.reviewer, lane="db",
                         done=self._on_records)

    def _on_records(self, views: dict[int, RecordView]) -> None:
        missing = (lambda p: p.a_id not in self.records or p.b_id not in self.records)
        pair = self.current()
        was_missing = pair is not None and missing(pair)
        self.records.update(views)
        if pair is not None and was_missing and not missing(pair):
            self.pane.setHtml(pair_html(pair, self.records[pair.a_id], self.records[pair.b_id], self.tr))

    # -- deciding ----------------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and self.handle_key(event):
            return True
        return super().eventFilter(obj, event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """M / N / S decide the selected pair. True when the key was used."""
        mods = Qt.KeyboardModifier
        if event.modifiers() & (mods.ControlModifier | mods.AltModifier | mods.MetaModifier):
            return False
        verdict = VERDICT_KEYS.get(event.key())
        if verdict is None or self.current() is None:
            return False
        self.decide(verdict)
        return True

    def decide(self, verdict: str) -> None:
        """Record ``verdict`` on the selected pair and show the next one at once."""
        pair = self.current()
        if pair is None:
            return
        row = self.list.currentRow()
        # The pair leaves the list now; the verdict is saved in order on the serial db lane.
        del self.pairs[row]
        self.list.blockSignals(True)
        self.list.takeItem(row)
        if self.pairs:
            self.list.setCurrentRow(min(row, len(self.pairs) - 1))
        self.list.blockSignals(False)
        self._show_current()
        self._update_count()
        self.deciding += 1
        self._submit(dedup.decide_pair, self.ctx.store, pair.id, verdict, self.ctx.reviewer, lane="db",
                     done=self._on_decided)

    def _on_decided(self, result: dict[str, Any]) -> None:
        self.deciding -= 1
        if result.get("verdict") == "merge":
            if result.get("decision_conflict"):
                merged = ", ".join(f"#{i}" for i in result["merged"])
                self.show_notice(self.tr("Merged %1 into #%2, but these records carry differing screening "
                                         "decisions: a conflict a person must resolve. Split the group on the "
                                         "Merged groups tab to undo the merge.")
                                 .replace("%1", merged).replace("%2", str(result["kept"])))
            self.changed.emit()
        if self.jobs == 0:
            self.reload()

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    # -- splitting ----------------------------------------------------------------------------------------

    def _update_split(self) -> None:
        self.split_button.setEnabled(bool(self.group_table.selectionModel().selectedRows()))

    def split_selected(self) -> None:
        """Undo the selected merge: every record of the group is on its own again."""
        rows = self.group_table.selectionModel().selectedRows()
        if not rows:
            return
        group = self.groups[rows[0].row()]
        self.split_button.setEnabled(False)
        self._submit(dedup.split_group, self.ctx.store, group["id"], lane="db", done=self._on_split)

    def _on_split(self, ids: list[int]) -> None:
        self.changed.emit()
        self.notice.hide()
        self.summary.setText(self.tr("Split records %1").replace("%1", ", ".join(f"#{i}" for i in ids)))
        self.reload()
