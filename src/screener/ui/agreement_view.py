"""The Agreement dashboard: inter-rater statistics of a stage, per pair, tag and reason, and over time.

Numbers come from :func:`screener.services.agreement.stage_agreement` and
:mod:`screener.services.agreement_detail`, read off the GUI thread. An undefined statistic (``None``)
reads "undefined", never NaN. The over-time plot is drawn with QPainter, so the same drawing code
paints the widget and the PNG and SVG exports. While a stage is blind the figures would tell a
reviewer what the others decided, so a plain reviewer sees an explanation instead
(:func:`screener.services.agreement.may_see_agreement`, checked with the numbers).
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QIODevice, QPointF, QRectF, QSaveFile, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QPushButton, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.services.agreement import may_see_agreement, stage_agreement
from screener.services.agreement_detail import agreement_details
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

STATS = (("n_items", "Records rated by ≥ 2"), ("percent_agreement", "Percent agreement"),
         ("cohen_kappa", "Cohen's kappa"), ("cohen_kappa_ci95", "Cohen's kappa 95 % CI"), ("pabak", "PABAK"),
         ("gwet_ac1", "Gwet's AC1"), ("fleiss_kappa", "Fleiss' kappa"),
         ("krippendorff_alpha", "Krippendorff's alpha"))
DETAIL_COLUMNS = (("n_items", "Records"), ("yes", "Yes ratings"), ("percent_agreement", "Agreement"),
                  ("cohen_kappa", "Kappa"), ("pabak", "PABAK"), ("gwet_ac1", "AC1"),
                  ("krippendorff_alpha", "Alpha"))
SERIES = (("cohen_kappa", "Cohen's kappa", "#1f77b4"), ("percent_agreement", "Percent agreement", "#ff7f0e"))


def fmt(value: Any) -> str:
    """A statistic as text: "undefined" for None or NaN, three decimals for a float."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def load(store, stage: str, block_size: int, reviewer: str = "") -> dict[str, Any]:
    """Everything the dashboard shows for one stage, or ``hidden`` when ``reviewer`` may not see it
    (runs on a worker)."""
    if not may_see_agreement(store, reviewer, stage):
        return {"stage": stage, "hidden": True}
    return {"stage": stage, "hidden": False, "summary": stage_agreement(store, stage),
            "details": agreement_details(store, stage, block_size)}


def _save(path: str, write) -> None:
    """Write through a QSaveFile: a failed export leaves the old file, never half of a new one."""
    out = QSaveFile(path)
    if not out.open(QIODevice.OpenModeFlag.WriteOnly):
        raise OSError(f"could not write {path}: {out.errorString()}")
    try:
        write(out)
    except BaseException:
        out.cancelWriting()
        raise
    if not out.commit():
        raise OSError(f"could not write {path}: {out.errorString()}")


class TimePlot(QWidget):
    """Agreement per block of decisions as lines; ``paint(painter, rect)`` also serves the exports."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.blocks: list[dict[str, Any]] = []
        self.setMinimumSize(420, 220)
        self.setAccessibleName(self.tr("Agreement over time"))

    def set_blocks(self, blocks: list[dict[str, Any]]) -> None:
        self.blocks = blocks
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, 300)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        self.paint(p, QRectF(self.rect()), self.palette().text().color())
        p.end()

    def paint(self, p: QPainter, rect: QRectF, ink: QColor) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(p.font())
        font.setPointSizeF(8.5)
        p.setFont(font)
        left, top, right, bottom = 46.0, 28.0, 14.0, 34.0
        plot = QRectF(rect.left() + left, rect.top() + top, rect.width() - left - right,
                      rect.height() - top - bottom)
        p.setPen(QPen(ink, 1))
        if not self.blocks:
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.tr("No records rated by two reviewers yet"))
            return
        lo = min([0.0] + [b[k] for b in self.blocks for k, _, _ in SERIES if b[k] is not None])
        lo = math.floor(lo * 2) / 2  # kappa may be negative: extend the axis in steps of 0.5

        def y_of(v: float) -> float:
            return plot.bottom() - (v - lo) / (1.0 - lo) * plot.height()

        n = len(self.blocks)

        def x_of(i: int) -> float:
            return plot.left() + (plot.width() * (i + 0.5) / n)

        grid = QPen(QColor(ink.red(), ink.green(), ink.blue(), 60), 1, Qt.PenStyle.DashLine)
        steps = int(round((1.0 - lo) / 0.25))
        for k in range(steps + 1):
            v = lo + k * 0.25
            p.setPen(grid)
            p.drawLine(QPointF(plot.left(), y_of(v)), QPointF(plot.right(), y_of(v)))
            p.setPen(QPen(ink, 1))
            p.drawText(QRectF(rect.left(), y_of(v) - 8, left - 6, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{v:.2f}")
        p.drawRect(plot)
        every = max(1, n // 10)
        for i, b in enumerate(self.blocks):
            if i % every == 0 or i == n - 1:
                p.drawText(QRectF(x_of(i) - 40, plot.bottom() + 2, 80, 14), Qt.AlignmentFlag.AlignHCenter,
                           f"{b['first']}–{b['last']}")
        p.drawText(QRectF(plot.left(), plot.bottom() + 16, plot.width(), 16), Qt.AlignmentFlag.AlignHCenter,
                   self.tr("Records, in the order of their second decision"))
        legend_x = plot.left()
        for key, name, colour in SERIES:
            pen = QPen(QColor(colour), 2)
            p.setPen(pen)
            points = [QPointF(x_of(i), y_of(b[key])) for i, b in enumerate(self.blocks) if b[key] is not None]
            for a, c in zip(points, points[1:]):
                p.drawLine(a, c)
            p.setBrush(QColor(colour))
            for pt in points:
                p.drawEllipse(pt, 3, 3)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawLine(QPointF(legend_x, rect.top() + 12), QPointF(legend_x + 18, rect.top() + 12))
            p.setPen(QPen(ink, 1))
            p.drawText(QPointF(legend_x + 22, rect.top() + 16), name)
            legend_x += 40 + p.fontMetrics().horizontalAdvance(name)

    def export_png(self, path: str, size: QSize = QSize(900, 420)) -> None:
        """Write the plot as a PNG image (white background) of ``size`` pixels."""
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        p = QPainter(image)
        self.paint(p, QRectF(0, 0, size.width(), size.height()), QColor("black"))
        p.end()

        def write(out: QSaveFile) -> None:
            if not image.save(out, "PNG"):
                raise OSError(f"could not write {path}")

        _save(path, write)

    def export_svg(self, path: str, size: QSize = QSize(900, 420)) -> None:
        """Write the plot as an SVG drawing."""
        def write(out: QSaveFile) -> None:
            gen = QSvgGenerator()
            gen.setOutputDevice(out)
            gen.setSize(size)
            gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
            gen.setTitle(self.tr("Agreement over time"))
            p = QPainter(gen)
            p.fillRect(QRectF(0, 0, size.width(), size.height()), QColor("white"))
            self.paint(p, QRectF(0, 0, size.width(), size.height()), QColor("black"))
            p.end()

        _save(path, write)


def _table(headers: list[str], name: str, even: bool = False) -> QTableWidget:
    """A read-only table; ``even`` spreads columns evenly, else the first (a name) takes the room."""
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setAccessibleName(name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch if even else QHeaderView.ResizeMode.ResizeToContents)
    if not even:
        header.setStretchLastSection(False)
        t.setProperty("stretch_first", True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]], text_columns: int = 1) -> None:
    """Fill ``table``; the first ``text_columns`` are left-aligned names, the rest right-aligned numbers."""
    table.setRowCount(len(rows))
    if table.property("stretch_first") and table.columnCount():
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            item = QTableWidgetItem(text)
            if c >= text_columns:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class AgreementDialog(QDialog):
    """Per stage: the statistics, pairs, a confusion matrix, per-tag / per-reason tables, a plot."""

    loaded = Signal()

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, stage: str = "title_abstract",
                 parent: QWidget | None = None, block_size: int = 50):
        super().__init__(parent)
        self.ctx, self.runner, self.block_size = ctx, runner, block_size
        self.data: dict[str, Any] | None = None
        self.setWindowTitle(self.tr("Agreement between reviewers"))
        self.setAccessibleName(self.tr("Agreement"))
        self.resize(980, 640)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Stage:")))
        self.stage_box = QComboBox()
        self.stage_box.setAccessibleName(self.tr("Stage"))
        self.stage_box.addItem(self.tr("Title/abstract"), Stage.TITLE_ABSTRACT.value)
        self.stage_box.addItem(self.tr("Full text"), Stage.FULL_TEXT.value)
        self.stage_box.setCurrentIndex(max(0, self.stage_box.findData(Stage.parse(stage).value)))
        self.stage_box.currentIndexChanged.connect(lambda _i: self.reload())
        top.addWidget(self.stage_box)
        top.addStretch(1)
        layout.addLayout(top)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        dashboard = QWidget()
        page = QVBoxLayout(dashboard)
        page.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(dashboard)
        self.hidden_note = QLabel()
        self.hidden_note.setWordWrap(True)
        self.hidden_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hidden_note.setAccessibleName(self.tr("Why agreement is hidden"))
        self.hidden_note.setMargin(40)
        self.pages.addWidget(self.hidden_note)
        body = QHBoxLayout()
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for key, text in STATS:
            label = QLabel("…")
            label.setAccessibleName(self.tr(text))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = label
            form.addRow(self.tr(text) + ":", label)
        body.addLayout(form)
        right = QVBoxLayout()
        self.pairs = _table([self.tr("Reviewer A"), self.tr("Reviewer B"), self.tr("Records"), self.tr("Agreement"),
                             self.tr("Kappa"), self.tr("95 % CI")], self.tr("Reviewer pairs"), even=True)
        self.pairs.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.pairs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.pairs.currentCellChanged.connect(lambda row, _c, _r, _pc: self._show_confusion(row))
        right.addWidget(QLabel(self.tr("Reviewer pairs (select one for its confusion matrix)")))
        right.addWidget(self.pairs)
        self.confusion_label = QLabel(self.tr("Confusion matrix"))
        right.addWidget(self.confusion_label)
        self.confusion = _table([], self.tr("Confusion matrix"), even=True)
        right.addWidget(self.confusion)
        body.addLayout(right, 1)
        page.addLayout(body)
        self.tabs = QTabWidget()
        self.plot = TimePlot()
        plot_page = QWidget()
        pl = QVBoxLayout(plot_page)
        pl.addWidget(self.plot, 1)
        buttons_row = QHBoxLayout()
        buttons_row.addStretch(1)
        self.png_button = QPushButton(self.tr("Export PNG…"))
        self.png_button.clicked.connect(lambda: self._export("png"))
        self.svg_button = QPushButton(self.tr("Export SVG…"))
        self.svg_button.clicked.connect(lambda: self._export("svg"))
        buttons_row.addWidget(self.png_button)
        buttons_row.addWidget(self.svg_button)
        pl.addLayout(buttons_row)
        self.tabs.addTab(plot_page, self.tr("Over time"))
        headers = [self.tr(text) for _, text in DETAIL_COLUMNS]
        self.tags = _table([self.tr("Tag")] + headers, self.tr("Agreement per tag"))
        self.reasons = _table([self.tr("Exclusion reason")] + headers, self.tr("Agreement per exclusion reason"))
        self.tabs.addTab(self.tags, self.tr("Per tag"))
        self.tabs.addTab(self.reasons, self.tr("Per exclusion reason"))
        page.addWidget(self.tabs, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.reload()

    def stage(self) -> str:
        return str(self.stage_box.currentData())

    def reload(self) -> None:
        self.runner.submit(load, self.ctx.store, self.stage(), self.block_size, self.ctx.reviewer, lane="read",
                           done=self._on_loaded, failed=self._on_failed)

    def _on_failed(self, exc: BaseException, tb: str) -> None:
        show_error(self, exc, tb)

    def _on_loaded(self, data: dict[str, Any]) -> None:
        if data["stage"] != self.stage():
            return  # the stage changed while this was loading; its own result follows
        self.data = data
        if data["hidden"]:
            stage_text = self.stage_box.currentText().lower()
            self.hidden_note.setText(self.tr(
                "Agreement is hidden while the %1 stage is blind: the figures would tell you what the other "
                "reviewers decided. An adjudicator or an owner can see them, and everyone can once the owner "
                "ends blinding.").replace("%1", stage_text))
            self.pages.setCurrentWidget(self.hidden_note)
            self.loaded.emit()
            return
        self.pages.setCurrentIndex(0)
        summary, details = data["summary"], data["details"]
        for key, _ in STATS:
            self.values[key].setText(fmt(summary.get(key)))
        _fill(self.pairs, [[p["a"], p["b"], str(p["n_items"]), fmt(p["percent_agreement"]), fmt(p["cohen_kappa"]),
                            fmt(p["cohen_kappa_ci95"])] for p in summary["pairs"]], text_columns=2)
        if summary["pairs"]:
            self.pairs.setCurrentCell(0, 0)
        self._show_confusion(0)
        keys = [k for k, _ in DETAIL_COLUMNS]
        _fill(self.tags, [[r["tag"]] + [fmt(r[k]) for k in keys] for r in details["tags"]])
        _fill(self.reasons, [[r["reason"]] + [fmt(r[k]) for k in keys] for r in details["reasons"]])
        self.plot.set_blocks(details["over_time"])
        self.loaded.emit()

    def hidden(self) -> bool:
        """Whether the figures of the shown stage are withheld from this reviewer."""
        return bool(self.data and self.data["hidden"])

    def _show_confusion(self, row: int) -> None:
        """The confusion matrix of the reviewer pair in ``row`` of the pairs table."""
        if not self.data or self.data["hidden"]:
            return
        summary = self.data["summary"]
        cats = summary["categories"]
        pair = summary["pairs"][row] if 0 <= row < len(summary["pairs"]) else None
        self.confusion.setColumnCount(len(cats) + 1)
        self.confusion.setHorizontalHeaderLabels([""] + cats)
        if pair:
            self.confusion_label.setText(self.tr("Confusion matrix: %1 (rows) × %2 (columns), %3 records")
                                         .replace("%1", pair["a"]).replace("%2", pair["b"])
                                         .replace("%3", str(pair["n_items"])))
            _fill(self.confusion, [[cat] + [str(n) for n in r] for cat, r in zip(cats, pair["confusion"])])
        else:
            self.confusion_label.setText(self.tr("Confusion matrix: needs two reviewers"))
            self.confusion.setRowCount(0)

    def _export(self, kind: str) -> None:
        filters = {"png": self.tr("PNG images (*.png)"), "svg": self.tr("SVG drawings (*.svg)")}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the plot"), f"agreement.{kind}", filters[kind])
        if path:
            try:
                self.export(path, kind)
            except OSError as exc:
                show_error(self, UserError(str(exc)))

    def export(self, path: str, kind: str | None = None) -> None:
        """Write the over-time plot to ``path`` as PNG or SVG (from the suffix when ``kind`` is None)."""
        kind = kind or path.rsplit(".", 1)[-1].lower()
        (self.plot.export_svg if kind == "svg" else self.plot.export_png)(path)
