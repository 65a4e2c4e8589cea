"""The PRISMA window: the flow diagram live, its exports, and the draft methods paragraph.

The counts are read off the GUI thread (on the serial ``db`` lane, so they see every decision
written before) whenever the screening session reports new progress or a new list, when the
window is activated again (after resolving conflicts elsewhere, say), and on Refresh. The same
``prisma_painter`` layout paints the widget and the SVG (QSvgGenerator), PDF (QPdfWriter) and PNG
(QImage) files, which are written atomically; ``.csv`` (the PRISMA2020 R/Shiny template) and
``.json`` go through ``services.prisma.write_prisma`` as on the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QMarginsF, QRectF, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import (QColor, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPaintEvent,
                           QPdfWriter)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QMenu, QPlainTextEdit, QPushButton,
                               QTabWidget, QVBoxLayout, QWidget)

from screener.core.errors import UserError
from screener.io.atomic import atomic_write_bytes
from screener.services.methods_text import methods_text
from screener.services.prisma import prisma_counts, write_prisma
from screener.stats.prisma import PrismaCounts, check_invariants
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.prisma_painter import WHITE, PrismaLayout, paint, tr
from screener.ui.tasks import TaskRunner

REFRESH_DELAY_MS = 400
QT_FORMATS = (".svg", ".pdf", ".png")
FILE_FORMATS = QT_FORMATS + (".csv", ".json")
LOGICAL_DPI = 96.0  # the layout's unit: one logical pixel, 1/96 inch


def load_prisma(store, with_methods: bool = False) -> dict[str, Any]:
    """The counts, any broken invariant and, when asked, the methods paragraph (runs on a worker)."""
    counts = prisma_counts(store)
    return {"counts": counts, "problems": check_invariants(counts),
            "methods": methods_text(store) if with_methods else None}


def diagram_bytes(counts: PrismaCounts, suffix: str, title: str | None = None) -> bytes:
    """The diagram as ``.svg``, ``.pdf`` or ``.png`` bytes, drawn by the widget's own painter."""
    layout = PrismaLayout(counts, title=title)
    if suffix == ".svg":
        return to_svg(layout)
    if suffix == ".pdf":
        return to_pdf(layout)
    if suffix == ".png":
        return to_png(layout)
    raise UserError(f"unknown diagram format {suffix}: use .svg, .pdf or .png")


# -- files: the same painter on QImage, QSvgGenerator and QPdfWriter ----------------------------------------


def to_png(layout: PrismaLayout, scale: float = 2.0) -> bytes:
    """PNG bytes at ``scale`` × the logical size (2 = 192 dpi, print quality for a page-wide figure)."""
    size = QSize(int(layout.size.width() * scale + 0.5), int(layout.size.height() * scale + 0.5))
    image = QImage(size, QImage.Format.Format_ARGB32)
    dpm = int(LOGICAL_DPI * scale / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    image.fill(WHITE)
    p = QPainter(image)
    p.scale(scale, scale)
    paint(p, layout)
    p.end()
    return _save_image(image)


def _save_image(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise OSError("Qt could not encode the PNG image")
    buf.close()
    return bytes(data.data())


def to_svg(layout: PrismaLayout, title: str = "PRISMA 2020 flow diagram") -> bytes:
    """SVG 1.1 bytes written by QSvgGenerator (text stays text)."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)
    gen.setOutputDevice(buf)
    size = QSize(int(layout.size.width() + 0.999), int(layout.size.height() + 0.999))
    gen.setSize(size)
    gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
    gen.setResolution(int(LOGICAL_DPI))
    gen.setTitle(title)
    gen.setDescription(tr("Flow diagram after the PRISMA 2020 template (Page MJ, et al. BMJ 2021;372:n71)"))
    p = QPainter(gen)
    paint(p, layout)
    p.end()
    buf.close()
    return bytes(data.data())


def to_pdf(layout: PrismaLayout, title: str = "PRISMA 2020 flow diagram", resolution: int = 1200) -> bytes:
    """A one-page vector PDF, the page the size of the diagram (text embedded as text)."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    points = QSizeF(layout.size.width() * 72.0 / LOGICAL_DPI, layout.size.height() * 72.0 / LOGICAL_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(points, QPageSize.Unit.Point, "PRISMA",
                                               QPageSize.SizeMatchPolicy.ExactMatch),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    writer.setResolution(resolution)
    writer.setTitle(title)
    writer.setCreator("screener")
    p = QPainter(writer)
    p.scale(resolution / LOGICAL_DPI, resolution / LOGICAL_DPI)
    paint(p, layout)
    p.end()
    buf.close()
    return bytes(data.data())


class PrismaCanvas(QWidget):
    """Paints the diagram scaled to fit the widget, on white paper."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_: PrismaLayout | None = None
        self.setAccessibleName(self.tr("PRISMA flow diagram"))
        self.setMinimumSize(480, 320)

    def set_counts(self, counts: PrismaCounts) -> None:
        self.layout_ = PrismaLayout(counts)
        self.setAccessibleDescription(self.tr("Records screened: %1; studies included: %2")
                                      .replace("%1", str(counts.records_screened))
                                      .replace("%2", str(counts.new_studies)))
        self.update()

    def sizeHint(self) -> QSize:
        if self.layout_ is None:
            return QSize(900, 640)
        return QSize(int(self.layout_.size.width()), int(self.layout_.size.height()))

    def scale(self) -> float:
        """The zoom that fits the whole diagram in the widget (never more than 1.5×)."""
        if self.layout_ is None:
            return 1.0
        s = self.layout_.size
        return min(1.5, (self.width() - 16) / s.width(), (self.height() - 16) / s.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self.layout_ is None:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Counting…"))
            p.end()
            return
        scale = max(0.05, self.scale())
        size = self.layout_.size
        p.translate((self.width() - size.width() * scale) / 2, (self.height() - size.height() * scale) / 2)
        p.scale(scale, scale)
        p.fillRect(QRectF(-3, -3, size.width() + 6, size.height() + 6), QColor(0, 0, 0, 40))  # a page edge
        paint(p, self.layout_)
        p.end()


class PrismaWindow(QDialog):
    """Project → PRISMA flow diagram: the diagram, kept up to date, with exports and the methods text."""

    loaded = Signal()

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, session=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.counts: PrismaCounts | None = None
        self._token = 0
        self._loading = False
        self.setWindowTitle(self.tr("PRISMA 2020 flow diagram — %1").replace("%1", ctx.title))
        self.setAccessibleName(self.tr("PRISMA flow diagram"))
        self.setModal(False)
        self.resize(1180, 820)
        layout = QVBoxLayout(self)
        self.status = QLabel(self.tr("Counting…"))
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Screening state"))
        layout.addWidget(self.status)
        self.tabs = QTabWidget()
        self.canvas = PrismaCanvas()
        self.tabs.addTab(self.canvas, self.tr("Flow diagram"))
        methods = QWidget()
        ml = QVBoxLayout(methods)
        ml.addWidget(QLabel(self.tr("A draft of the selection-process paragraph (PRISMA items 8 and 16a), with the "
                                    "project's numbers. Edit it here, then copy it.")))
        self.methods = QPlainTextEdit()
        self.methods.setAccessibleName(self.tr("Methods text"))
        ml.addWidget(self.methods, 1)
        copy_row = QHBoxLayout()
        copy_row.addStretch(1)
        self.copy_button = QPushButton(self.tr("&Copy text"))
        self.copy_button.clicked.connect(self.copy_methods)
        copy_row.addWidget(self.copy_button)
        ml.addLayout(copy_row)
        self.tabs.addTab(methods, self.tr("Methods text"))
        self.tabs.currentChanged.connect(lambda _i: self.schedule_refresh())  # the methods text is read on demand
        layout.addWidget(self.tabs, 1)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        self.export_button = QPushButton(self.tr("&Export…"))
        menu = QMenu(self.export_button)
        for suffix, text in ((".svg", self.tr("Diagram as SVG…")), (".pdf", self.tr("Diagram as PDF…")),
                             (".png", self.tr("Diagram as PNG…")),
                             (".csv", self.tr("PRISMA2020 R/Shiny template (CSV)…")),
                             (".json", self.tr("Counts as JSON…"))):
            act = menu.addAction(text)
            act.triggered.connect(lambda _=False, s=suffix: self.choose_export(s))
        self.export_button.setMenu(menu)
        buttons.addWidget(self.export_button)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        if session is not None:
            session.progress_changed.connect(self.schedule_refresh)
            session.list_changed.connect(self.schedule_refresh)
        self.refresh()

    # -- loading -----------------------------------------------------------------------------------

    def schedule_refresh(self, *_args) -> None:
        """Count again shortly (many decisions in a row cost one count)."""
        self._timer.start()

    def refresh(self) -> None:
        self._token += 1
        self._loading = True
        token = self._token
        with_methods = self.tabs.currentIndex() == 1
        self.runner.submit(load_prisma, self.ctx.store, with_methods, lane="db",
                           done=lambda result, t=token: self._on_loaded(t, result), failed=self._on_failed)

    @property
    def idle(self) -> bool:
        return not self._loading and not self._timer.isActive()

    def _on_failed(self, exc: BaseException, tb: str) -> None:
        self._loading = False
        show_error(self, exc, tb)

    def _on_loaded(self, token: int, result: dict[str, Any]) -> None:
        if token != self._token:
            return  # a newer count is on its way
        self._loading = False
        counts = result["counts"]
        self.counts = counts
        self.canvas.set_counts(counts)
        if result["methods"] is not None and not self.methods.document().isModified():  # keep the user's edits
            self.methods.setPlainText(result["methods"])
            self.methods.document().setModified(False)
        if result["problems"]:
            self.status.setText(self.tr("These numbers do not add up; please report it: %1")
                                .replace("%1", "; ".join(result["problems"])))
        elif counts.awaiting:
            self.status.setText(self.tr("Screening is in progress: %1 records or reports await a final decision. "
                                        "The diagram shows them as “Awaiting”.").replace("%1", str(counts.awaiting)))
        else:
            self.status.setText(self.tr("Every record and report has a final decision."))
        self.loaded.emit()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.WindowActivate and self.counts is not None:
            self.schedule_refresh()  # decisions may have been made in other windows meanwhile
        return super().event(e)

    # -- exporting ---------------------------------------------------------------------------------

    def choose_export(self, suffix: str) -> None:
        filters = {".svg": self.tr("SVG drawings (*.svg)"), ".pdf": self.tr("PDF documents (*.pdf)"),
                   ".png": self.tr("PNG images (*.png)"), ".csv": self.tr("CSV files (*.csv)"),
                   ".json": self.tr("JSON files (*.json)")}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the PRISMA diagram"), f"prisma{suffix}",
                                              filters[suffix])
        if path:
            if not Path(path).suffix:
                path += suffix
            self.export(path)

    def export(self, path: str) -> None:
        """Write the diagram or the counts to ``path``, by its suffix (atomically)."""
        suffix = Path(path).suffix.lower()
        try:
            if suffix not in FILE_FORMATS:
                raise UserError(self.tr("%1: use .svg, .pdf, .png, .csv or .json").replace("%1", path))
            if suffix in QT_FORMATS:
                if self.counts is None:
                    raise UserError(self.tr("The counts are not read yet; try again in a moment."))
                if not Path(path).parent.exists():
                    raise UserError(self.tr("%1: the folder does not exist").replace("%1", path))
                atomic_write_bytes(path, diagram_bytes(self.counts, suffix))
                self.status.setText(self.tr("Wrote %1").replace("%1", path))
                return
        except (UserError, OSError) as exc:
            show_error(self, exc if isinstance(exc, UserError) else UserError(f"{path}: {exc}"))
            return
        self.runner.submit(write_prisma, self.ctx.store, path, lane="db",
                           done=lambda _r: self.status.setText(self.tr("Wrote %1").replace("%1", path)),
                           failed=self._on_failed)

    def copy_methods(self) -> None:
        QGuiApplication.clipboard().setText(self.methods.toPlainText())
