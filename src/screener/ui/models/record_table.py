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
    ("score", "Relevance", None),
)
#: the relevance column: the ranking model's score as a percentile of the project (100 = most relevant)
SCORE_COLUMN = len(COLUMNS) - 1
OTHERS_COLUMN = next(i for i, c in enumerate(COLUMNS) if c[0] == "others")
LABEL_TEXT = {"include": "Include", "exclude": "Exclude", "maybe": "Maybe"}
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_ROLES = frozenset({_DISPLAY, _DECORATION, _TOOLTIP, _ALIGN, _FOREGROUND, _ACCESSIBLE, int(ID_ROLE)})
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
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
        self._pages: OrderedDict[int, dict[int, tuple[RecordRow, tuple]]] = OrderedDict()
        self._requested: set[int] = set()
        self._generation = 0
        self._mine: dict[int, str] = {}
        self._scores: dict[int, float] = {}
        self._show_others = False
        self._sort = ("queue", False)
        self.refresh_style()

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

    def set_scores(self, scores: dict[int, float]) -> None:
        """New relevance scores after a refit (one repaint of the column, no reset)."""
        self._scores = scores
        if self._ids:
            self.dataChanged.emit(self.index(0, SCORE_COLUMN), self.index(len(self._ids) - 1, SCORE_COLUMN))

    def score_of(self, record_id: int) -> float | None:
        return self._scores.get(record_id)

    def row_of(self, record_id: int) -> int | None:
        return self._row_of.get(record_id)

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def record_changed(self, record_id: int) -> None:
        """Repaint the row of one record after a decision on it (see :meth:`refetch`)."""
        row = self._row_of.get(record_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def refetch(self, record_id: int) -> None:
        """Fetch one row again (its status changed), on the db lane so it runs after the write.

        The old row stays on screen meanwhile, so there is no "Loading…" flicker.
        """
        row = self._row_of.get(record_id)
        if row is None or self._fetch is None or row // PAGE_SIZE not in self._pages:
            return
        generation = self._generation
        self._runner.submit(self._fetch, [record_id], lane="db",
                            done=lambda rows: self._on_row(generation, row, rows))

    def _on_row(self, generation: int, row: int, rows: list[RecordRow]) -> None:
        page = self._pages.get(row // PAGE_SIZE)
        if generation != self._generation or page is None or not rows or self.id_at(row) != rows[0].id:
            return
        page[row] = (rows[0], self._make_cells(rows[0]))
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def cached_row(self, row: int) -> RecordRow | None:
        page = self._pages.get(row // PAGE_SIZE)
        found = page.get(row) if page is not None else None
        return found[0] if found is not None else None

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
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][0] == "score":
            return self.tr("Predicted relevance: percentile of the project, 100 = most relevant "
                           "(refitted after decisions)")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _FLAGS if index.row() >= 0 else Qt.ItemFlag.NoItemFlags

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

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0):
        # Called for every role of every visible cell on each paint: plain ints and prepared
        # strings only (no enums, no tr(), no database).
        if role not in _ROLES:
            return None
        row, col = index.row(), index.column()
        ids = self._ids
        if row < 0 or row >= len(ids):
            return None
        if role == _DISPLAY or role == _ACCESSIBLE:
            if col == 0:
                return str(ids[row])
            if col == 4:
                label = self._mine.get(ids[row])
                return self._texts[label] if label else ""
            if col == SCORE_COLUMN:
                score = self._scores.get(ids[row])
                return "" if score is None else f"{score:.0f}"
            cells = self._cells(row)
            if cells is None:
                return self._loading if col == 1 else None
            return cells[col]
        if role == _ALIGN:
            return _RIGHT if col == 0 or col == 2 or col == SCORE_COLUMN else None
        if role == _FOREGROUND:
            if col == 4:
                return self._colors.get(self._mine.get(ids[row]))
            if col == 5:
                cells = self._cells(row)
                return self._colors.get(cells[7]) if cells is not None else None
            return None
        if role == _DECORATION:
            return self._icons.get(self._mine.get(ids[row])) if col == 4 else None
        if role == _TOOLTIP:
            if col == 1 or col == 3:
                cells = self._cells(row)
                return cells[col] if cells is not None else None
            return None
        return ids[row]  # ID_ROLE

    def refresh_style(self) -> None:
        """Texts and colours for the current language and colour scheme."""
        self._texts = {k: self.tr(v) for k, v in LABEL_TEXT.items()}
        self._status_texts = {k: self.tr(v) for k, v in STATUS_TEXT.items()}
        self._colors = {label: theme.color(name) for label, name in _LABEL_COLOR.items()}
        self._icons = {label: theme.icon(label) for label in LABEL_TEXT}
        self._loading = self.tr("Loading…")
        self._no_title = self.tr("(no title)")

    def _cells(self, row: int) -> tuple | None:
        page = self._pages.get(row // PAGE_SIZE)
        if page is not None:
            found = page.get(row)
            if found is not None:
                return found[1]
        self._request(row // PAGE_SIZE)
        return None

    def _make_cells(self, rec: RecordRow) -> tuple:
        """Everything a row displays, prepared once when the row arrives."""
        others = ", ".join(f"{name}: {self._texts.get(label, label)}" for name, label in rec.others) \
            if self._show_others else ""
        status_color = {"include": "included", "exclude": "excluded"}.get(rec.status, rec.status)
        return (str(rec.id), rec.title or self._no_title, "" if rec.year is None else str(rec.year), rec.venue,
                None, self._status_texts.get(rec.status, rec.status), others, status_color)

    # -- pages --------------------------------------------------------------------------------------

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
                page[row] = (rec, self._make_cells(rec))
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
