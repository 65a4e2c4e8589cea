"""File → Export: one of the review's tables, in a format that suits it, written atomically.

The tables and formats are those of ``screener export`` (``services.export``), so the GUI and
the command line write the same files. The export itself runs on the task runner.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from screener.core.enums import Stage
from screener.services.export import export_table, formats_for
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

# (table, label, help, default stage: None = the table's own choice)
TABLES = (
    ("tags", "Included studies with their tags", "One row per included record: one column per facet, values "
     "joined; the study each report belongs to.", None),
    ("excluded", "Excluded reports with reasons", "Records excluded at the chosen stage with their final reasons, "
     "primary first (at full text: PRISMA item 16b).", Stage.FULL_TEXT.value),
    ("included", "Included records (bibliographic)", "The included records with every bibliographic field, as a "
     "table or as RIS/BibTeX for a reference manager.", Stage.FULL_TEXT.value),
    ("decisions", "All decisions of all reviewers", "Long format: one row per reviewer and record and stage, as "
     "`screener decisions import` reads it back.", None),
    ("crosstab", "Taxonomy cross-table (facet × facet)", "Counts of included records for each pair of tag values "
     "of two facets (e.g. task × modality); also as a heat map.", None),
    ("year-tags", "Records per year per tag", "Included records per publication year and tag value, for trend "
     "figures; also as stacked bar charts.", None),
    ("records", "All records", "Every record with every field that came with the imports.", None),
)
FORMATS = {".csv": "CSV", ".tsv": "TSV (tab-separated)", ".xlsx": "Excel workbook (XLSX)", ".ris": "RIS",
           ".bib": "BibTeX", ".svg": "Figure (SVG)", ".png": "Figure (PNG)"}


class ExportDialog(QDialog):
    """Choose a table, a stage and a format, then a file; the export runs off the GUI thread."""

    exported = Signal(dict)

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.busy = False
        self.setWindowTitle(self.tr("Export a table — %1").replace("%1", ctx.title))
        self.setAccessibleName(self.tr("Export"))
        self.resize(620, 300)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.table_box = QComboBox()
        self.table_box.setAccessibleName(self.tr("Table"))
        for table, label, _help, _stage in TABLES:
            self.table_box.addItem(self.tr(label), table)
        form.addRow(self.tr("&Table:"), self.table_box)
        self.help = QLabel()
        self.help.setWordWrap(True)
        form.addRow("", self.help)
        self.stage_box = QComboBox()
        self.stage_box.setAccessibleName(self.tr("Stage"))
        self.stage_box.addItem(self.tr("Automatic"), None)
        self.stage_box.addItem(self.tr("Title/abstract"), Stage.TITLE_ABSTRACT.value)
        self.stage_box.addItem(self.tr("Full text"), Stage.FULL_TEXT.value)
        form.addRow(self.tr("&Stage:"), self.stage_box)
        self.format_box = QComboBox()
        self.format_box.setAccessibleName(self.tr("Format"))
        form.addRow(self.tr("&Format:"), self.format_box)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName(self.tr("File"))
        self.path_edit.setPlaceholderText(self.tr("Where to write the file"))
        row.addWidget(self.path_edit, 1)
        browse = QPushButton(self.tr("&Browse…"))
        browse.clicked.connect(self.browse)
        row.addWidget(browse)
        file_label = QLabel(self.tr("F&ile:"))
        file_label.setBuddy(self.path_edit)  # a row holding a layout gets no buddy of its own
        form.addRow(file_label, row)
        layout.addLayout(form)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(self.tr("&Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.table_box.currentIndexChanged.connect(self._on_table)
        self.format_box.currentIndexChanged.connect(self._on_format)
        self.path_edit.textChanged.connect(self._update_button)
        self._on_table()

    # -- choices -----------------------------------------------------------------------------------

    def table(self) -> str:
        return str(self.table_box.currentData())

    def stage(self) -> str | None:
        return self.stage_box.currentData()

    def suffix(self) -> str:
        return str(self.format_box.currentData())

    def select(self, table: str, suffix: str | None = None, stage: str | None = "keep") -> None:
        """Choose a table (and a format and stage), as a user would."""
        self.table_box.setCurrentIndex(self.table_box.findData(table))
        if suffix is not None:
            self.format_box.setCurrentIndex(self.format_box.findData(suffix))
        if stage != "keep":
            self.stage_box.setCurrentIndex(self.stage_box.findData(stage))

    def _on_table(self, *_args) -> None:
        table = self.table()
        entry = next(t for t in TABLES if t[0] == table)
        self.help.setText(self.tr(entry[2]))
        self.stage_box.setCurrentIndex(self.stage_box.findData(entry[3]))
        previous = self.format_box.currentData()
        self.format_box.blockSignals(True)
        self.format_box.clear()
        for suffix in formats_for(table):
            self.format_box.addItem(self.tr(FORMATS[suffix]), suffix)
        index = self.format_box.findData(previous)
        self.format_box.setCurrentIndex(index if index >= 0 else 0)
        self.format_box.blockSignals(False)
        self._on_format()

    def _on_format(self, *_args) -> None:
        text = self.path_edit.text().strip()
        if text:  # keep the name, follow the format
            self.path_edit.setText(str(Path(text).with_suffix(self.suffix())))
        self._update_button()

    def _update_button(self, *_args) -> None:
        self.export_button.setEnabled(bool(self.path_edit.text().strip()) and not self.busy)

    def browse(self) -> None:
        suffix = self.suffix()
        start = self.path_edit.text().strip() or f"{self.table()}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export to"), start,
                                              f"{self.tr(FORMATS[suffix])} (*{suffix})")
        if path:
            self.path_edit.setText(path if Path(path).suffix else path + suffix)

    # -- exporting ---------------------------------------------------------------------------------

    def export(self) -> None:
        path = self.path_edit.text().strip()
        if not path or self.busy:
            return
        if Path(path).suffix.lower() != self.suffix():
            path = str(Path(path).with_suffix(self.suffix()))
            self.path_edit.setText(path)
        self.busy = True
        self._update_button()
        self.result_label.setText(self.tr("Exporting…"))
        self.runner.submit(export_table, self.ctx.store, self.table(), path, self.stage(), lane="db",
                           title=self.tr("Exporting…"), parent=self, done=self._done, failed=self._failed)

    def _done(self, result: dict) -> None:
        self.busy = False
        self._update_button()
        self.result_label.setText(self.tr("Wrote %1 rows to %2").replace("%1", str(result["rows"]))
                                  .replace("%2", result["path"]))
        self.exported.emit(result)
        self.accept()

    def _failed(self, exc: BaseException, tb: str) -> None:
        self.busy = False
        self._update_button()
        self.result_label.setText("")
        show_error(self, exc, tb)
