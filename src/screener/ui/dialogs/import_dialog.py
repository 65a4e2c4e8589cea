"""Import: choose or drop files, see what was detected, import with progress and Cancel.

Each file is parsed once for the preview (format, encoding, records found, the rejected ones
with line and reason); Import then writes those parsed files, one source and one transaction
per file, exactly as ``services.importing.import_files`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from screener.core.enums import SourceType
from screener.core.errors import Cancelled, UserError
from screener.core.progress import Progress
from screener.core.records import ParsedFile
from screener.services.dto import ImportSummary
from screener.services.importing import import_parsed, preview_file, source_exists
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

FILE_FILTER = ("Reference files (*.ris *.txt *.nbib *.bib *.csv *.tsv *.xlsx *.xml *.enw *.ciw);;"
               "All files (*)")


@dataclass
class _Entry:
    path: str
    parsed: ParsedFile | None = None
    error: str = ""
    seen_before: bool = False


def _preview(store, path: str, progress: Progress | None = None) -> tuple[ParsedFile, bool]:
    return preview_file(path, progress=progress), source_exists(store, path)


def _import_all(store, parsed: list[ParsedFile], source: str | None, source_type: str, imported_by: str,
                progress: Progress | None = None) -> ImportSummary:
    return ImportSummary(tuple(import_parsed(store, pf, source=source, source_type=source_type,
                                             imported_by=imported_by, progress=progress) for pf in parsed))


class ImportDialog(QDialog):
    imported = Signal(object)  # ImportSummary

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.entries: list[_Entry] = []
        self.summary: ImportSummary | None = None
        self.setWindowTitle(self.tr("Import records"))
        self.setAccessibleName(self.tr("Import records"))
        self.setAcceptDrops(True)
        self.resize(760, 540)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Add reference files (RIS, BibTeX, CSV/TSV/XLSX, PubMed, EndNote, Web of Science) "
                               "or drop them here. Each file becomes one source; a file is imported whole or "
                               "not at all."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.files = QTableWidget(0, 6)
        self.files.setAccessibleName(self.tr("Files to import"))
        self.files.setHorizontalHeaderLabels([self.tr("File"), self.tr("Format"), self.tr("Encoding"),
                                              self.tr("Records"), self.tr("Rejected"), self.tr("Note")])
        self.files.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.files.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.files.verticalHeader().hide()
        self.files.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.files.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        layout.addWidget(self.files, 2)
        row = QHBoxLayout()
        add = QPushButton(self.tr("Add files…"))
        add.clicked.connect(self.choose_files)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self.remove_selected)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        form = QFormLayout()
        self.source = QLineEdit()
        self.source.setAccessibleName(self.tr("Source name"))
        self.source.setPlaceholderText(self.tr("e.g. PubMed, Scopus (default: detected, or the file name)"))
        form.addRow(self.tr("&Source name:"), self.source)
        self.source_type = QComboBox()
        self.source_type.setAccessibleName(self.tr("Source type"))
        for st, text in ((SourceType.DATABASE, "Database"), (SourceType.REGISTER, "Register"),
                         (SourceType.WEBSITE, "Website"), (SourceType.ORGANISATION, "Organisation"),
                         (SourceType.CITATION, "Citation searching"), (SourceType.OTHER, "Other")):
            self.source_type.addItem(self.tr(text), st.value)
        form.addRow(self.tr("Source &type:"), self.source_type)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Rejected records (not imported):")))
        self.rejected = QTableWidget(0, 3)
        self.rejected.setAccessibleName(self.tr("Rejected records"))
        self.rejected.setHorizontalHeaderLabels([self.tr("File"), self.tr("Line"), self.tr("Reason")])
        self.rejected.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.rejected.verticalHeader().hide()
        self.rejected.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.rejected, 1)
        self.result = QLabel()
        self.result.setAccessibleName(self.tr("Import result"))
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = self.buttons.addButton(self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    # -- files ------------------------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Import reference files"), "", self.tr(FILE_FILTER))
        self.add_files(paths)

    def add_files(self, paths) -> None:
        for path in paths:
            path = str(path)
            if any(e.path == path for e in self.entries):
                continue
            entry = _Entry(path)
            self.entries.append(entry)
            self.runner.submit(_preview, self.ctx.store, path, lane="cpu", with_progress=True,
                               title=self.tr("Reading %1…").replace("%1", Path(path).name), parent=self,
                               done=partial(self._on_preview, entry), failed=partial(self._on_preview_failed, entry))
        self._refresh()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.files.selectedIndexes()}, reverse=True)
        for r in rows:
            if 0 <= r < len(self.entries):
                del self.entries[r]
        self._refresh()

    def _on_preview(self, entry: _Entry, result: tuple[ParsedFile, bool]) -> None:
        entry.parsed, entry.seen_before = result
        if not self.source.text() and entry.parsed.source_hint:
            self.source.setPlaceholderText(entry.parsed.source_hint)
        self._refresh()

    def _on_preview_failed(self, entry: _Entry, exc: BaseException, tb: str) -> None:
        entry.error = self.tr("cancelled") if isinstance(exc, Cancelled) else str(exc)
        if not isinstance(exc, (UserError, Cancelled)):
            show_error(self, exc, tb)  # a bug in a reader, not a bad file
        self._refresh()

    @property
    def ready(self) -> list[ParsedFile]:
        return [e.parsed for e in self.entries if e.parsed is not None and e.parsed.records]

    @property
    def busy(self) -> bool:
        return any(e.parsed is None and not e.error for e in self.entries)

    def _refresh(self) -> None:
        self.files.setRowCount(len(self.entries))
        self.rejected.setRowCount(0)
        rej = []
        for i, e in enumerate(self.entries):
            pf = e.parsed
            if pf is not None:
                note = self.tr("already imported once") if e.seen_before else (
                    self.tr("no records found") if not pf.records else "")
                cells = [Path(e.path).name, pf.format, pf.encoding, str(len(pf.records)), str(len(pf.errors)), note]
                rej.extend((Path(e.path).name, err.line, err.element or "", err.reason) for err in pf.errors)
            elif e.error:
                cells = [Path(e.path).name, "", "", "", "", e.error]
            else:
                cells = [Path(e.path).name, "…", "", "", "", self.tr("reading…")]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(e.path if c == 0 else text)
                if c in (3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.files.setItem(i, c, item)
        self.rejected.setRowCount(len(rej))
        for i, (name, line, element, reason) in enumerate(rej):
            self.rejected.setItem(i, 0, QTableWidgetItem(name))
            self.rejected.setItem(i, 1, QTableWidgetItem(str(line) if line else element))
            self.rejected.setItem(i, 2, QTableWidgetItem(reason))
        self.import_button.setEnabled(bool(self.ready) and not self.busy and self.summary is None)

    # -- importing ---------------------------------------------------------------------------------------

    def start_import(self):
        """Write the previewed files (one transaction each); returns the runner's task."""
        parsed = self.ready
        if not parsed or self.busy:
            return None
        self.import_button.setEnabled(False)
        return self.runner.submit(_import_all, self.ctx.store, parsed, self.source.text().strip() or None,
                           self.source_type.currentData(), self.ctx.reviewer, lane="db", with_progress=True,
                           title=self.tr("Importing…"), parent=self, done=self._on_imported,
                           failed=self._on_import_failed)

    def _on_imported(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.result.setText(self.tr("Imported %1 records from %2 file(s); %3 rejected.")
                            .replace("%1", str(summary.imported)).replace("%2", str(len(summary.files)))
                            .replace("%3", str(summary.rejected)))
        self.imported.emit(summary)
        self._refresh()

    def _on_import_failed(self, exc: BaseException, tb: str) -> None:
        if isinstance(exc, Cancelled):
            self.result.setText(self.tr("Import cancelled: nothing was written for the file being imported."))
        else:
            show_error(self, exc, tb)
        self._refresh()

    # -- drag and drop -----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)
