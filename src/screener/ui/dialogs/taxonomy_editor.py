"""Editors of the team's vocabularies: the tag taxonomy (a tree) and the exclusion reasons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QKeySequence
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from screener.core.enums import Stage
from screener.services import taxonomy
from screener.services.dto import ReasonInfo, TagInfo
from screener.services.taxonomy_keys import set_tag_shortcut
from screener.ui import theme

ID_ROLE = Qt.ItemDataRole.UserRole + 1
# run(fn, *args): a service call on the db lane, then a reload. Edits pass the version of the
# row as shown, so an edit of a list someone else changed meanwhile is refused, not applied.
Run = Callable[..., None]


class TaxonomyEditor(QWidget):
    """Add, rename, move, retire tags and set their keys; every change is one service call."""

    def __init__(self, run: Run, parent: QWidget | None = None):
        super().__init__(parent)
        self._run = run
        self._tags: list[TagInfo] = []
        self._syncing = False
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName(self.tr("Taxonomy"))
        self.tree.setHeaderLabels([self.tr("Tag"), self.tr("Key")])
        self.tree.setColumnWidth(0, 320)
        self.tree.itemChanged.connect(self._on_item_changed)
        layout.addWidget(QLabel(self.tr("Double-click a name or key to change it. Retired tags stay on past "
                                        "decisions but are no longer offered.")))
        layout.addWidget(self.tree, 1)
        add_row = QHBoxLayout()
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText(self.tr("New tag name"))
        self.new_name.setAccessibleName(self.tr("New tag name"))
        add_row.addWidget(self.new_name, 1)
        self.add_top = QPushButton(self.tr("Add facet"))
        self.add_top.clicked.connect(lambda: self._add(None))
        self.add_child = QPushButton(self.tr("Add under selected"))
        self.add_child.clicked.connect(lambda: self._add(self._selected()))
        add_row.addWidget(self.add_top)
        add_row.addWidget(self.add_child)
        layout.addLayout(add_row)
        grid = QGridLayout()
        self.buttons = {}
        for i, (name, text, slot) in enumerate((("up", self.tr("Move up"), lambda: self._shift(-1)),
                                                ("down", self.tr("Move down"), lambda: self._shift(1)),
                                                ("indent", self.tr("Move into previous"), self._indent),
                                                ("outdent", self.tr("Move out"), self._outdent),
                                                ("retire", self.tr("Retire / restore"), self._retire))):
            b = QPushButton(text)
            b.clicked.connect(slot)
            grid.addWidget(b, 0, i)
            self.buttons[name] = b
        layout.addLayout(grid)

    def set_tags(self, tags: list[TagInfo]) -> None:
        selected = self._selected()
        self._syncing = True
        self._tags = list(tags)
        self.tree.clear()
        items: dict[int, QTreeWidgetItem] = {}
        for t in tags:
            parent = items.get(t.parent_id) if t.parent_id is not None else None
            item = QTreeWidgetItem([t.name, t.shortcut])
            item.setData(0, ID_ROLE, t.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            if t.retired:
                item.setForeground(0, QBrush(theme.color("muted")))
                item.setText(0, t.name)
                item.setToolTip(0, self.tr("retired"))
                font = item.font(0)
                font.setStrikeOut(True)
                item.setFont(0, font)
            (parent.addChild(item) if parent is not None else self.tree.addTopLevelItem(item))
            items[t.id] = item
        self.tree.expandAll()
        if selected in items:
            self.tree.setCurrentItem(items[selected])
        self._syncing = False

    def _selected(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, ID_ROLE) if item is not None else None

    def _tag(self, tag_id: int | None) -> TagInfo | None:
        return next((t for t in self._tags if t.id == tag_id), None)

    def _siblings(self, tag: TagInfo) -> list[TagInfo]:
        return [t for t in self._tags if t.parent_id == tag.parent_id]

    def _add(self, parent_id: int | None) -> None:
        name = " ".join(self.new_name.text().split())
        if not name:
            self.new_name.setFocus()
            return
        parent = self._tag(parent_id)
        path = taxonomy.join_path([*taxonomy.split_path(parent.path), name]) if parent else name
        self.new_name.clear()
        self._run(taxonomy.add_tag, path)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._syncing:
            return
        tag = self._tag(item.data(0, ID_ROLE))
        if tag is None:
            return
        if column == 0 and item.text(0).strip() != tag.name:
            self._run(taxonomy.rename_tag, tag.id, item.text(0), tag.version)
        elif column == 1 and item.text(1).strip() != tag.shortcut:
            key = item.text(1).strip()
            normal = QKeySequence(key).toString() if key else ""
            self._run(set_tag_shortcut, tag.id, normal or key, tag.version)

    def _shift(self, delta: int) -> None:
        tag = self._tag(self._selected())
        if tag is None:
            return
        sib = self._siblings(tag)
        pos = sib.index(tag) + delta
        if 0 <= pos < len(sib):
            self._run(taxonomy.move_tag, tag.id, tag.parent_id, pos, tag.version)

    def _indent(self) -> None:
        tag = self._tag(self._selected())
        if tag is None:
            return
        sib = self._siblings(tag)
        i = sib.index(tag)
        if i > 0:
            self._run(taxonomy.move_tag, tag.id, sib[i - 1].id, None, tag.version)

    def _outdent(self) -> None:
        tag = self._tag(self._selected())
        parent = self._tag(tag.parent_id) if tag else None
        if tag is None or parent is None:
            return
        pos = self._siblings(parent).index(parent) + 1
        self._run(taxonomy.move_tag, tag.id, parent.parent_id, pos, tag.version)

    def _retire(self) -> None:
        tag = self._tag(self._selected())
        if tag is not None:
            self._run(taxonomy.retire_tag, tag.id, not tag.retired, tag.version)


class ReasonsEditor(QWidget):
    """Exclusion reasons per stage: add, rename, reorder, remove (a used reason is retired)."""

    stage_changed = Signal(str)

    def __init__(self, run: Run, parent: QWidget | None = None):
        super().__init__(parent)
        self._run = run
        self._reasons: list[ReasonInfo] = []
        self._syncing = False
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Stage:")))
        self.stage = QComboBox()
        self.stage.setAccessibleName(self.tr("Stage of the reasons"))
        self.stage.addItem(self.tr("Title/abstract"), Stage.TITLE_ABSTRACT.value)
        self.stage.addItem(self.tr("Full text"), Stage.FULL_TEXT.value)
        self.stage.currentIndexChanged.connect(lambda _i: self._fill())
        top.addWidget(self.stage)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(QLabel(self.tr("The first ten reasons get the number keys 1–9 and 0 in the picker. "
                                        "Double-click to rename.")))
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Exclusion reasons"))
        self.list.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText(self.tr("New reason"))
        self.new_name.setAccessibleName(self.tr("New reason"))
        self.new_name.returnPressed.connect(self._add)
        row.addWidget(self.new_name, 1)
        for text, slot in ((self.tr("Add"), self._add), (self.tr("Move up"), lambda: self._shift(-1)),
                           (self.tr("Move down"), lambda: self._shift(1)), (self.tr("Remove"), self._remove)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        layout.addLayout(row)

    def set_reasons(self, reasons: list[ReasonInfo]) -> None:
        self._reasons = list(reasons)
        self._fill()

    def current_stage(self) -> str:
        return self.stage.currentData()

    def _stage_reasons(self) -> list[ReasonInfo]:
        return [r for r in self._reasons if r.stage == self.current_stage()]

    def _fill(self) -> None:
        selected = self._selected()
        self._syncing = True
        self.list.clear()
        for r in self._stage_reasons():
            item = QListWidgetItem(r.name + (self.tr(" (retired)") if r.retired else ""))
            item.setData(ID_ROLE, r.id)
            if not r.retired:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            else:
                item.setForeground(QBrush(theme.color("muted")))
            self.list.addItem(item)
            if r.id == selected:
                self.list.setCurrentItem(item)
        self._syncing = False

    def _selected(self) -> int | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def _add(self) -> None:
        name = " ".join(self.new_name.text().split())
        if name:
            self.new_name.clear()
            self._run(taxonomy.add_reason, self.current_stage(), name)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._syncing:
            return
        r = next((x for x in self._reasons if x.id == item.data(ID_ROLE)), None)
        if r is not None and item.text().strip() and item.text().strip() != r.name:
            self._run(taxonomy.rename_reason, r.id, item.text(), r.version)

    def _shift(self, delta: int) -> None:
        rid = self._selected()
        active = self._stage_reasons()
        ids = [r.id for r in active]
        if rid in ids and 0 <= ids.index(rid) + delta < len(ids):
            self._run(taxonomy.move_reason, rid, ids.index(rid) + delta, active[ids.index(rid)].version)

    def _remove(self) -> None:
        r = next((x for x in self._reasons if x.id == self._selected()), None)
        if r is not None:
            self._run(taxonomy.remove_reason, r.id, r.version)
