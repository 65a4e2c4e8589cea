"""The Agreement dashboard: inter-rater statistics of a stage, per pair, tag and reason, and over time.

Numbers come from :func:`screener.services.agreement.stage_agreement` and
:mod:`screener.services.agreement_detail`, read off the GUI thread. An undefined statistic (``None``)
reads "undefined", never NaN. The over-time plot is drawn with QPainter, so the same drawing code
paints the widget and the PNG and SVG exports.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from screener.core.enums import Stage
from screener.services.agreement import stage_agreement
from screener.services.agreement_detail import agreement_details
from screener.ui.context import ProjectContext
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


def load(store, stage: str, block_size: int) -> dict[str, Any]:
    """Everything the dashboard shows for one stage (runs on a worker)."""
    return {"summary": stage_agreement(store, stage), "details": agreement_details(store, stage, block_size)}


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
        if not image.save(path, "PNG"):
            raise OSError(f"could not write {path}")

    def export_svg(self, path: str, size: QSize = QSize(900, 420)) -> None:
        """Write the plot as an SVG drawing."""
        gen = QSvgGenerator()
        gen.setFileName(path)
        gen.setSize(size)
        gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
        gen.setTitle(self.tr("Agreement over time"))
        p = QPainter(gen)
        p.fillRect(QRectF(0, 0, size.width(), size.height()), QColor("white"))
        self.paint(p, QRectF(0, 0, size.width(), size.height()), QColor("black"))
        p.end()


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
        right.addWidget(QLabel(self.tr("Reviewer pairs")))
        right.addWidget(self.pairs)
        self.confusion_label = QLabel(self.tr("Confusion matrix"))
        right.addWidget(self.confusion_label)
        self.confusion = _table([], self.tr("Confusion matrix"), even=True)
        right.addWidget(self.confusion)
        body.addLayout(right, 1)
        layout.addLayout(body)
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
        layout.addWidget(self.tabs, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.reload()

    def stage(self) -> str:
        return str(self.stage_box.currentData())

    def reload(self) -> None:
        self.runner.submit(load, self.ctx.store, self.stage(), self.block_size, lane="read",
                           done=self._on_loaded, failed=self._on_failed)

    def _on_failed(self, exc: BaseException, tb: str) -> None:
        from screener.ui.errors import show_error

        show_error(self, exc, tb)

    def _on_loaded(self, data: dict[str, Any]) -> None:
        if data["summary"]["stage"] != self.stage():
            return  # the stage changed while this was loading; its own result follows
        self.data = data
        summary, details = data["summary"], data["details"]
        for key, _ in STATS:
            self.values[key].setText(fmt(summary.get(key)))
        _fill(self.pairs, [[p["a"], p["b"], str(p["n_items"]), fmt(p["percent_agreement"]), fmt(p["cohen_kappa"]),
                            fmt(p["cohen_kappa_ci95"])] for p in summary["pairs"]], text_columns=2)
        cats = summary["categories"]
        first = summary["pairs"][0] if summary["pairs"] else None
        self.confusion.setColumnCount(len(cats) + 1)
        if first:
            self.confusion_label.setText(self.tr("Confusion matrix: %1 (rows) × %2 (columns)")
                                         .replace("%1", first["a"]).replace("%2", first["b"]))
            self.confusion.setHorizontalHeaderLabels([""] + cats)
            _fill(self.confusion, [[cat] + [str(n) for n in row] for cat, row in zip(cats, first["confusion"])])
        else:
            self.confusion_label.setText(self.tr("Confusion matrix: needs two reviewers"))
            self.confusion.setHorizontalHeaderLabels([""] + cats)
            self.confusion.setRowCount(0)
        keys = [k for k, _ in DETAIL_COLUMNS]
        _fill(self.tags, [[r["tag"]] + [fmt(r[k]) for k in keys] for r in details["tags"]])
        _fill(self.reasons, [[r["reason"]] + [fmt(r[k]) for k in keys] for r in details["reasons"]])
        self.plot.set_blocks(details["over_time"])
        self.loaded.emit()

    def _export(self, kind: str) -> None:
        filters = {"png": self.tr("PNG images (*.png)"), "svg": self.tr("SVG drawings (*.svg)")}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the plot"), f"agreement.{kind}", filters[kind])
        if path:
            self.export(path, kind)

    def export(self, path: str, kind: str | None = None) -> None:
        """Write the over-time plot to ``path`` as PNG or SVG (from the suffix when ``kind`` is None)."""
        kind = kind or path.rsplit(".", 1)[-1].lower()
        (self.plot.export_svg if kind == "svg" else self.plot.export_png)(path)
