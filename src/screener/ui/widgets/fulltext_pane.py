"""The full-text pane: the record's PDF read inside the app (QtPdf), attach, or not retrieved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from screener.ui import theme


def _pdf_paths(event) -> list[str]:
    md = event.mimeData()
    if not md.hasUrls():
        return []
    return [u.toLocalFile() for u in md.urls() if u.isLocalFile() and u.toLocalFile().lower().endswith(".pdf")]


class FullTextPane(QWidget):
    attach_requested = Signal()
    not_retrieved_requested = Signal()
    pdf_dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Full text"))
        self.setAcceptDrops(True)
        self.document = QPdfDocument(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 6, 6, 0)
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Full-text status"))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.status, 1)
        self.attach_button = QPushButton(theme.icon("attach"), self.tr("Attach PDF…"))
        self.attach_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.attach_button.clicked.connect(self.attach_requested)
        bar.addWidget(self.attach_button)
        self.not_retrieved_button = QPushButton(self.tr("Not retrieved"))
        self.not_retrieved_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.not_retrieved_button.setToolTip(self.tr("Record that the full text could not be obtained"))
        self.not_retrieved_button.clicked.connect(self.not_retrieved_requested)
        bar.addWidget(self.not_retrieved_button)
        layout.addLayout(bar)
        self.stack = QStackedWidget()
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack.addWidget(self.placeholder)
        self.view = QPdfView()
        self.view.setAccessibleName(self.tr("PDF viewer"))
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        # Fit-to-width with an "as needed" scroll bar can loop forever: the bar appears, the page
        # narrows and gets shorter, the bar goes, the page widens... Keeping the bar settles it.
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.stack.addWidget(self.view)
        layout.addWidget(self.stack, 1)
        self.loaded_path: str | None = None
        self.show_attachment(None, None)

    def show_attachment(self, attachment: dict[str, Any] | None, record_id: int | None) -> None:
        """Show the record's PDF, or say why there is none."""
        enabled = record_id is not None
        self.attach_button.setEnabled(enabled)
        self.not_retrieved_button.setEnabled(enabled)
        status = (attachment or {}).get("status")
        path = (attachment or {}).get("path")
        if status == "attached" and path and Path(path).is_file():
            if self.loaded_path != path:
                self.document.close()
                error = self.document.load(path)
                if error != QPdfDocument.Error.None_:
                    self._placeholder(self.tr("The PDF could not be read (%1).").replace("%1", error.name))
                    self.status.setText(self.tr("Attached: %1").replace("%1", attachment.get("original_name", "")))
                    return
                self.loaded_path = path
            pages = self.document.pageCount()
            text = self.tr("%1 · 1 page") if pages == 1 else self.tr("%1 · %2 pages").replace("%2", str(pages))
            self.status.setText(text.replace("%1", attachment.get("original_name", "")))
            self.stack.setCurrentWidget(self.view)
            return
        self._unload()
        if record_id is None:
            self.status.setText("")
            self._placeholder(self.tr("No record selected."))
        elif status == "not_retrieved":
            self.status.setText(self.tr("Full text not retrieved"))
            self._placeholder(self.tr("The full text of this record was marked as not retrieved.\n"
                                      "Attach a PDF if you find it after all."))
        elif status == "attached":
            self.status.setText(self.tr("Attached file is missing"))
            self._placeholder(self.tr("The attached PDF is not in the attachment folder any more:\n%1")
                              .replace("%1", str(path)))
        else:
            self.status.setText(self.tr("No full text yet"))
            self._placeholder(self.tr("Attach the PDF of this record (Ctrl+Shift+P or drop it here),\n"
                                      "or mark it as not retrieved (Ctrl+Shift+R)."))

    def _unload(self) -> None:
        if self.loaded_path is not None:
            self.document.close()
            self.loaded_path = None

    def _placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _pdf_paths(event) and self.attach_button.isEnabled():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _pdf_paths(event)
        if paths:
            event.acceptProposedAction()
            self.pdf_dropped.emit(paths[0])
