"""The record list: a table model over the ordered ids of the current query.

Only the ids live here (100k ints); display rows are fetched a page at a time on the read lane
and kept in a small cache, so scrolling a huge project never loads it whole. The reviewer's own
labels come from the screening session's in-memory map, which is updated the moment a key is
pressed, so the list shows a decision before the database has it; only the row of a decided
record is repainted (targeted ``dataChanged``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from screener.services.queries import RecordRow
from screener.ui import theme
from screener.ui.tasks import TaskRunner

PAGE_SIZE = 100
MAX_PAGES = 60
ID_ROLE = Qt.ItemDataRole.UserRole + 1

# column key, header (translated in headerData), sort key of services.queries (None: not sortable)
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("id", "ID", "id"),
    ("title", "Title", "title"),
    ("year", "Year", "year"),
    ("venue", "Venue", "venue"),
    ("mine", "Mine", "mine"),
    ("status", "Status", None),
    ("others", "Others", None),
)
LABEL_TEXT = {"include": "Include", "exclude": "Exclude", "maybe": "Maybe"}
STATUS_TEXT = {"unscreened": "Unscreened", "pending": "Pending", "complete": "Screened", "conflict": "Conflict",
               "include": "Included", "exclude": "Excluded", "maybe": "Maybe"}
_LABEL_COLOR = {"include": "include", "exclude": "exclude", "maybe": "maybe", "included": "include",
                "excluded": "exclude", "conflict": "conflict"}


class RecordTableModel(QAbstractTableModel):
    """Rows are record ids; cells come from pages of :class:`RecordRow` fetched in the background."""

    sort_requested = Signal(str, bool)  # services.queries sort key, descending
    page_loaded = Signal(int)

    def __init__(self, runner: TaskRunner, fetch_rows: Callable[[Sequence[int]], list[RecordRow]] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._runner = runner
        self._fetch = fetch_rows
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._pages: OrderedDict[int, dict[int, RecordRow]] = OrderedDict()
        self._requested: set[int] = set()
        self._generation = 0
        self._mine: dict[int, str] = {}
        self._show_others = False
        self._sort = ("queue", False)

    # -- content ------------------------------------------------------------------------------

    def set_fetcher(self, fetch_rows: Callable[[Sequence[int]], list[RecordRow]] | None) -> None:
        self._fetch = fetch_rows

    def set_ids(self, ids: list[int], mine: dict[int, str] | None = None, show_others: bool | None = None) -> None:
        """Replace the list (one model reset per new query, never per decision)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._row_of = {rid: row for row, rid in enumerate(self._ids)}
        self._pages.clear()
        self._requested.clear()
        self._generation += 1
        if mine is not None:
            self._mine = mine
        if show_others is not None:
            self._show_others = show_others
        self.endResetModel()

    def refresh_rows(self) -> None:
        """Refetch the cached pages (others' decisions may have changed); old rows stay meanwhile."""
        self._generation += 1
        self._requested.clear()
        for page_no in list(self._pages):
            self._request(page_no)

    @property
    def ids(self) -> list[int]:
        return self._ids

    @property
    def mine(self) -> dict[int, str]:
        return self._mine

    def row_of(self, record_id: int) -> int | None:
        return self._row_of.get(record_id)

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def record_changed(self, record_id: int) -> None:
        """Repaint the row of one record after a decision on it."""
        row = self._row_of.get(record_id)
        if row is None:
            return
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if self._fetch is not None and row // PAGE_SIZE in self._pages:
            # Its status changed too: refetch that one row, on the db lane so that it runs after
            # the write; the old row stays on screen meanwhile (no "Loading…" flicker).
            generation = self._generation
            self._runner.submit(self._fetch, [record_id], lane="db",
                                done=lambda rows: self._on_row(generation, row, rows))

    def _on_row(self, generation: int, row: int, rows: list[RecordRow]) -> None:
        page = self._pages.get(row // PAGE_SIZE)
        if generation != self._generation or page is None or not rows or self.id_at(row) != rows[0].id:
            return
        page[row] = rows[0]
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def cached_row(self, row: int) -> RecordRow | None:
        page = self._pages.get(row // PAGE_SIZE)
        return page.get(row) if page is not None else None

    # -- Qt model API ------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.tr(COLUMNS[section][1])
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][0] == "others":
            return self.tr("Other reviewers' decisions (hidden while the stage is blind)")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def reset_sort(self) -> None:
        """Back to the queue order (the view's header shows no sort column)."""
        self._sort = ("queue", False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][2] is None:
            return
        key = COLUMNS[column][2]
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != self._sort:
            self._sort = (key, descending)
            self.sort_requested.emit(key, descending)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids) or not 0 <= index.column() < len(COLUMNS):
            return None
        row, key = index.row(), COLUMNS[index.column()][0]
        rid = self._ids[row]
        if role == ID_ROLE:
            return rid
        if key == "id":
            if role == Qt.ItemDataRole.DisplayRole:
                return str(rid)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if key == "mine":
            return self._label_data(self._mine.get(rid), role, LABEL_TEXT)
        rec = self._row(row)
        if rec is None:
            if role == Qt.ItemDataRole.DisplayRole and key == "title":
                return self.tr("Loading…")
            return None
        if key == "status":
            return self._label_data(rec.status, role, STATUS_TEXT)
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "title":
                return rec.title or self.tr("(no title)")
            if key == "year":
                return "" if rec.year is None else str(rec.year)
            if key == "venue":
                return rec.venue
            if key == "others":
                return ", ".join(f"{name}: {self.tr(LABEL_TEXT.get(label, label))}" for name, label in rec.others) \
                    if self._show_others else ""
        if role == Qt.ItemDataRole.ToolTipRole and key in ("title", "venue"):
            return rec.title if key == "title" else rec.venue
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "year":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _label_data(self, label: str | None, role: int, texts: dict[str, str]):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.tr(texts.get(label, label)) if label else ""
        if role == Qt.ItemDataRole.ForegroundRole and label in _LABEL_COLOR:
            return theme.color(_LABEL_COLOR[label])
        if role == Qt.ItemDataRole.DecorationRole and label in ("include", "exclude", "maybe") and texts is LABEL_TEXT:
            return theme.icon(label)
        return None

    # -- pages --------------------------------------------------------------------------------------

    def _row(self, row: int) -> RecordRow | None:
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            found = page.get(row)
            if found is not None:
                return found
        self._request(page_no)
        return None

    def _request(self, page_no: int) -> None:
        if page_no in self._requested or self._fetch is None:
            return
        self._requested.add(page_no)
        start = page_no * PAGE_SIZE
        ids = self._ids[start:start + PAGE_SIZE]
        generation = self._generation
        self._runner.submit(self._fetch, ids, lane="read",
                            done=lambda rows: self._on_page(generation, page_no, rows),
                            failed=lambda exc, tb: self._on_page_failed(generation, page_no, exc, tb))

    def _on_page(self, generation: int, page_no: int, rows: list[RecordRow]) -> None:
        # Runs on the GUI thread (the runner calls back there); a page of an older query is dropped.
        if generation != self._generation:
            return
        start = page_no * PAGE_SIZE
        by_id = {r.id: r for r in rows}
        page = {}
        for row in range(start, min(start + PAGE_SIZE, len(self._ids))):
            rec = by_id.get(self._ids[row])
            if rec is not None:
                page[row] = rec
        self._pages[page_no] = page
        self._pages.move_to_end(page_no)
        while len(self._pages) > MAX_PAGES:
            old, _ = self._pages.popitem(last=False)
            self._requested.discard(old)
        if page:
            self.dataChanged.emit(self.index(start, 0), self.index(start + len(page) - 1, len(COLUMNS) - 1))
        self.page_loaded.emit(page_no)

    def _on_page_failed(self, generation: int, page_no: int, exc: BaseException, tb: str) -> None:
        if generation == self._generation:
            self._requested.discard(page_no)
            self._runner.error.emit(exc, tb)
