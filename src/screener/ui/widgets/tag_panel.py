"""The taxonomy tag panel: a tree with checkboxes, a filter box, and optional per-tag keys."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLineEdit, QTreeView, QVBoxLayout, QWidget

from screener.services.dto import TagInfo

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class _FilterEdit(QLineEdit):
    """Down goes to the tree, Enter ticks the first match, Esc leaves."""

    down = Signal()
    accept_first = Signal()
    leave = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_first.emit()
        elif event.key() == Qt.Key.Key_Escape:
            self.leave.emit()
        else:
            super().keyPressEvent(event)


class _TagTree(QTreeView):
    leave = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.leave.emit()
            return
        super().keyPressEvent(event)


class TagPanel(QWidget):
    tags_changed = Signal(list)  # every ticked tag path
    leave = Signal()  # the user is done with the panel (Esc)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Tags"))
        self._model = QStandardItemModel(self)
        self._model.itemChanged.connect(self._on_item_changed)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self._model)
        self._proxy.setRecursiveFilteringEnabled(True)
        self._proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._items: dict[str, QStandardItem] = {}
        self._syncing = False
        self._shortcuts: list[QShortcut] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter = _FilterEdit()
        self.filter.setPlaceholderText(self.tr("Filter tags (T)"))
        self.filter.setAccessibleName(self.tr("Filter tags"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter)
        layout.addWidget(self.filter)
        self.tree = _TagTree()
        self.tree.setModel(self._proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName(self.tr("Tag tree"))
        self.tree.setUniformRowHeights(True)
        layout.addWidget(self.tree)
        self.filter.down.connect(self._focus_tree)
        self.filter.accept_first.connect(self._toggle_first_match)
        self.filter.leave.connect(self._leave)
        self.tree.leave.connect(self._leave)

    # -- content -------------------------------------------------------------------------------------

    def set_tags(self, tags: list[TagInfo] | tuple[TagInfo, ...]) -> None:
        self._syncing = True
        self._model.clear()
        self._items.clear()
        parents: dict[int, QStandardItem] = {}
        has_children = {t.parent_id for t in tags}
        for t in tags:
            text = f"{t.name}   [{t.shortcut}]" if t.shortcut else t.name
            item = QStandardItem(text)
            item.setEditable(False)
            item.setData(t.path, PATH_ROLE)
            item.setToolTip(t.path)
            checkable = t.parent_id is not None or t.id not in has_children
            item.setCheckable(checkable)
            if checkable:
                item.setCheckState(Qt.CheckState.Unchecked)
                self._items[t.path] = item
            parent = parents.get(t.parent_id) if t.parent_id is not None else self._model.invisibleRootItem()
            (parent or self._model.invisibleRootItem()).appendRow(item)
            parents[t.id] = item
        self._syncing = False
        self.tree.expandAll()

    def install_shortcuts(self, window: QWidget, tags, reserved=()) -> list[str]:
        """A key per tag that has one; returns the keys left out (invalid, or taken by a command)."""
        for sc in self._shortcuts:
            sc.setEnabled(False)
            sc.deleteLater()
        self._shortcuts = []
        taken = {QKeySequence(k).toString().lower() for k in reserved if k}
        taken.update(str(n) for n in range(10))  # the reason picker's number keys
        skipped = []
        for t in tags:
            if not t.shortcut:
                continue
            seq = QKeySequence(t.shortcut)
            if seq.isEmpty() or seq.toString().lower() in taken:
                skipped.append(t.shortcut)
                continue
            taken.add(seq.toString().lower())
            sc = QShortcut(seq, window)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(lambda path=t.path: self.toggle(path))
            self._shortcuts.append(sc)
        return skipped

    def set_checked(self, paths) -> None:
        self._syncing = True
        wanted = set(paths or ())
        for path, item in self._items.items():
            state = Qt.CheckState.Checked if path in wanted else Qt.CheckState.Unchecked
            if item.checkState() != state:
                item.setCheckState(state)
        self._syncing = False

    def checked(self) -> list[str]:
        return sorted(p for p, item in self._items.items() if item.checkState() == Qt.CheckState.Checked)

    def toggle(self, path: str) -> None:
        item = self._items.get(path)
        if item is None or not self.isEnabled():
            return
        item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                           else Qt.CheckState.Checked)

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    # -- internals ------------------------------------------------------------------------------------

    def _on_item_changed(self, _item: QStandardItem) -> None:
        if not self._syncing:
            self.tags_changed.emit(self.checked())

    def _on_filter(self, text: str) -> None:
        self._proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()

    def _focus_tree(self) -> None:
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        first = self._first_checkable(QModelIndex())
        if first is not None:
            self.tree.setCurrentIndex(first)

    def _first_checkable(self, parent: QModelIndex) -> QModelIndex | None:
        for row in range(self._proxy.rowCount(parent)):
            idx = self._proxy.index(row, 0, parent)
            item = self._model.itemFromIndex(self._proxy.mapToSource(idx))
            if item is not None and item.isCheckable():
                text = self.filter.text().strip().lower()
                if not text or text in item.text().lower():
                    return idx
            found = self._first_checkable(idx)
            if found is not None:
                return found
        return None

    def _toggle_first_match(self) -> None:
        idx = self._first_checkable(QModelIndex())
        if idx is not None:
            item = self._model.itemFromIndex(self._proxy.mapToSource(idx))
            self.toggle(item.data(PATH_ROLE))

    def _leave(self) -> None:
        self.filter.clear()
        self.leave.emit()
