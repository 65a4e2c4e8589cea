"""The keyboard help overlay (F1 or ?): every command and its key, over the window."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class HelpOverlay(QWidget):
    """A translucent sheet over its parent; any key or click closes it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Keyboard help"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 40, 60, 40)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.label.setStyleSheet("color: white;")
        layout.addWidget(self.label)
        parent.installEventFilter(self)
        self.hide()

    def set_entries(self, groups: dict[str, list[tuple[str, str]]], per_row: int = 3) -> None:
        """``groups`` maps a group title to (command text, key) pairs; shown ``per_row`` groups a row."""
        cells = []
        for title, rows in groups.items():
            body = "".join(
                f"<tr><td style='padding:2px 12px 2px 0' align='right'><b style='color:#ffd43b'>"
                f"{html.escape(self._key_text(key))}</b></td><td style='padding:2px 0'>{html.escape(text)}</td></tr>"
                for text, key in rows if key)
            cells.append(f"<td valign='top' style='padding:0 24px 14px 24px'><h3>{html.escape(title)}</h3>"
                         f"<table>{body}</table></td>")
        grid = "".join("<tr>" + "".join(cells[i:i + per_row]) + "</tr>" for i in range(0, len(cells), per_row))
        hint = self.tr("Press any key or click to close")
        self.label.setText(f"<h2 align='center'>{self.tr('Keyboard shortcuts')}</h2><table align='center'>{grid}</table>"
                           f"<p align='center' style='color:#ced4da'>{html.escape(hint)}</p>")

    @staticmethod
    def _key_text(key: str) -> str:
        # Ranges such as "1…9, 0" are descriptions, not key sequences.
        if "…" in key:
            return key
        return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.popup()

    def popup(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.setFocus(Qt.FocusReason.PopupFocusReason)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(20, 22, 26, 244))
        p.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.hide()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False
