"""The bar above the record list: stage, filter, queue order, a debounced search box, a count."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from screener.core.enums import Stage

SEARCH_DELAY_MS = 250
STAGES = ((Stage.TITLE_ABSTRACT.value, "Title/abstract"), (Stage.FULL_TEXT.value, "Full text"))
FILTERS = (("all", "All records"), ("todo", "To screen (mine)"), ("decided", "Decided (mine)"),
           ("mine_include", "Included by me"), ("mine_exclude", "Excluded by me"), ("mine_maybe", "Maybe (mine)"),
           ("conflict", "Conflicts"), ("attached", "With full text"), ("not_retrieved", "Full text not retrieved"),
           ("no_fulltext", "Without full text"))
ORDERS = (("imported", "Imported order"), ("random", "Random order"), ("relevance", "Most relevant first"))


class ListBar(QWidget):
    stage_chosen = Signal(str)
    filter_chosen = Signal(str)
    order_chosen = Signal(str)
    search_changed = Signal(str)  # after the user stopped typing for a moment
    search_done = Signal()  # Enter in the search box: back to the list

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._syncing = False
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.stage_combo = self._combo(self.tr("Stage"), STAGES, self.stage_chosen)
        self.filter_combo = self._combo(self.tr("Show"), FILTERS, self.filter_chosen)
        self.order_combo = self._combo(self.tr("Queue order"), ORDERS, self.order_chosen)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search title, abstract, authors, keywords (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search records"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._emit_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._on_return)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of records listed"))
        for w, label in ((self.stage_combo, self.tr("Stage")), (self.filter_combo, self.tr("Show")),
                         (self.order_combo, self.tr("Order"))):
            lbl = QLabel(label + ":")
            lbl.setBuddy(w)
            bar.addWidget(lbl)
            bar.addWidget(w)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)

    def _combo(self, name: str, items, signal) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for value, text in items:
            combo.addItem(self.tr(text), value)
        combo.currentIndexChanged.connect(lambda _i: None if self._syncing else signal.emit(combo.currentData()))
        return combo

    def select(self, combo: QComboBox, value: str, emit: bool = True) -> None:
        """Choose ``value`` in a combo, telling listeners (or quietly, with ``emit=False``)."""
        self._syncing = not emit
        combo.setCurrentIndex(max(0, combo.findData(value)))
        self._syncing = False

    def enable_option(self, combo: QComboBox, value: str, enabled: bool) -> None:
        item = combo.model().item(combo.findData(value))
        if item is not None:
            item.setEnabled(enabled)

    def set_count(self, n: int) -> None:
        self.count_label.setText(self.tr("1 record") if n == 1 else self.tr("%1 records").replace("%1", f"{n:,}"))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _emit_search(self) -> None:
        self.search_changed.emit(self.search.text().strip())

    def _on_return(self) -> None:
        self._search_timer.stop()
        self._emit_search()
        self.search_done.emit()
