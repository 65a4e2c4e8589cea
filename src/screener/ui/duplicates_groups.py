"""The "Merged groups" tab of the Duplicates view: every merge, its records side by side.

A merge stays open to change: K keeps another record of the group (it takes the group's most
complete metadata, the record kept before is back as imported), X takes a record out (the rest
stay merged), Split undoes the whole merge. Each change can be undone with Ctrl+Z. The tab is a
part of :class:`screener.ui.duplicates_view.DuplicatesDialog`, whose job runner, record cache
and undo stack it shares.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)
from screener.services import dedup
from screener.ui import theme
from screener.ui.duplicates_compare import group_html


class MergedGroupsMixin:
    """The merged-groups tab's widgets and actions, mixed into the Duplicates dialog."""

    def _build_groups_tab(self) -> QWidget:
        box = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        gl = QVBoxLayout(top)
        gl.setContentsMargins(0, 0, 0, 0)
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
        self.group_table.itemSelectionChanged.connect(self._on_group_selected)
        gl.addWidget(self.group_table, 1)
        row = QHBoxLayout()
        self.groups_label = QLabel()
        self.groups_label.setAccessibleName(self.tr("Number of merged groups"))
        row.addWidget(self.groups_label)
        row.addStretch(1)
        self.keep_button = self._button(self.tr("Keep chosen record (K)"), self.tr("Keep the chosen record instead"),
                                        self.keep_in_group, row)
        self.out_button = self._button(self.tr("Take chosen out (X)"), self.tr("Take the chosen record out"),
                                       self.take_out_of_group, row)
        self.split_button = QPushButton(self.tr("S&plit (undo merge)"))
        self.split_button.setAccessibleName(self.tr("Split the selected group"))
        self.split_button.clicked.connect(self.split_selected)
        row.addWidget(self.split_button)
        gl.addLayout(row)
        box.addWidget(top)
        self.group_pane = QTextBrowser()
        self.group_pane.setAccessibleName(self.tr("The records of the merged group side by side"))
        box.addWidget(self.group_pane)
        box.setSizes([220, 400])
        self._update_group_buttons()
        return box

    # -- merged groups --------------------------------------------------------------------------------

    def _on_merged(self, groups: list[dict[str, Any]]) -> None:
        previous = self.selected_merged()
        self.merged = groups
        self.group_table.blockSignals(True)
        self.group_table.setRowCount(len(groups))
        for r, g in enumerate(groups):
            values = (f"#{g['kept']}", ", ".join(f"#{i}" for i in g["merged"]), g["method"], g["by"], g["title"])
            for c, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.group_table.setItem(r, c, cell)
        self.group_table.clearSelection()
        if previous is not None:
            # the same group, or the one its records are in now (taking one out makes a new group)
            was = {previous["kept"], *previous["merged"]}
            for r, g in enumerate(groups):
                if g["id"] == previous["id"] or {g["kept"], *g["merged"]} & was:
                    self.group_table.selectRow(r)
                    break
        self.group_table.blockSignals(False)
        self.groups_label.setText(self.tr("1 merged group") if len(groups) == 1
                                  else self.tr("%1 merged groups").replace("%1", str(len(groups))))
        self._on_group_selected()

    def selected_merged(self) -> dict[str, Any] | None:
        rows = self.group_table.selectionModel().selectedRows()
        return self.merged[rows[0].row()] if rows and rows[0].row() < len(self.merged) else None

    def _update_group_buttons(self) -> None:
        on = self.selected_merged() is not None
        for b in (self.split_button, self.keep_button, self.out_button):
            b.setEnabled(on)

    def _on_group_selected(self) -> None:
        self._update_group_buttons()
        g = self.selected_merged()
        if g is not None and self.chosen["groups"] not in [g["kept"], *g["merged"]]:
            self.chosen["groups"] = g["kept"]
        self._show_merged_group()

    def _show_merged_group(self) -> None:
        g = self.selected_merged()
        if g is None:
            self.group_pane.setHtml(f'<p align="center" style="color:{theme.hex_color("muted")}">'
                                    f'{html.escape(self.tr("Choose a merged group to see its records."))}</p>')
            return
        ids = [g["kept"], *g["merged"]]
        if any(i not in self.records for i in ids):
            self.group_pane.setHtml(f"<p>{html.escape(self.tr('Loading…'))}</p>")
            self._load(ids)
            return
        top = (f"<p><b>{html.escape(self.tr('Group'))}</b> {g['id']} &nbsp; "
               f"{html.escape(self.tr('←/→ or 1–9 choose a record · K keep it · X take it out · Ctrl+Z undo'))}</p>")
        self.group_pane.setHtml(group_html([self.records[i] for i in ids], g["kept"], self.chosen["groups"],
                                           top, self.tr))

    def keep_in_group(self) -> None:
        """Keep the chosen record of the selected merged group instead of the one kept now."""
        g, rid = self.selected_merged(), self.chosen["groups"]
        if g is None or rid is None or rid == g["kept"] or rid not in g["merged"]:
            return
        self._submit(dedup.set_kept_record, self.ctx.store, g["id"], rid, lane="db",
                     done=partial(self._after_change, "keep"))

    def take_out_of_group(self) -> None:
        """Take the chosen record out of the selected merged group."""
        g, rid = self.selected_merged(), self.chosen["groups"]
        if g is None or rid not in [g["kept"], *g["merged"]]:
            return
        self._submit(dedup.take_out_of_group, self.ctx.store, g["id"], rid, self.ctx.reviewer, lane="db",
                     done=partial(self._after_change, "take_out"))

    def split_selected(self) -> None:
        """Undo the selected merge: every record of the group is on its own again."""
        g = self.selected_merged()
        if g is None:
            return
        self.split_button.setEnabled(False)
        self._submit(dedup.split_group, self.ctx.store, g["id"], lane="db",
                     done=partial(self._on_split, g["kept"]))

    def _on_split(self, kept: int, ids: list[int]) -> None:
        self.notice.hide()
        self.summary.setText(self.tr("Split records %1").replace("%1", ", ".join(f"#{i}" for i in ids)))
        self._after_change("split", {"undo": {"merge": ids, "kept": kept}})
