"""The start page: new project, open one, the recent ones, or the demo."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
                               QWidget)

from screener.ui import theme

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class StartPage(QWidget):
    new_requested = Signal()
    open_requested = Signal()
    open_url_requested = Signal()
    demo_requested = Signal()
    recent_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Start page"))
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        head = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(theme.icon("screener").pixmap(QSize(64, 64)))
        head.addWidget(logo)
        title = QLabel(self.tr("<h1 style='margin:0'>screener</h1>"
                               "<p style='margin:0'>Screen papers for systematic and scoping reviews, "
                               "by keyboard.</p>"))
        head.addWidget(title, 1)
        col.addLayout(head)
        col.addSpacing(18)
        buttons = (("new", self.tr("&New project…"), self.new_requested),
                   ("open", self.tr("&Open project…"), self.open_requested),
                   ("", self.tr("Open team project on a &server…"), self.open_url_requested),
                   ("screener", self.tr("Open the &demo project"), self.demo_requested))
        self.buttons: list[QPushButton] = []
        for icon, text, signal in buttons:
            b = QPushButton(theme.icon(icon), text)
            b.setMinimumHeight(36)
            b.setStyleSheet("text-align: left; padding-left: 12px;")
            b.clicked.connect(signal)
            col.addWidget(b)
            self.buttons.append(b)
        new_key, open_key = (QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                             for k in (QKeySequence.StandardKey.New, QKeySequence.StandardKey.Open))
        tips = (self.tr("Create a project: its title, reviewers, criteria, exclusion reasons and tags (%1)")
                .replace("%1", new_key),
                self.tr("Open a project file (*.screener) on this computer (%1)").replace("%1", open_key),
                self.tr("Join a team project kept on a PostgreSQL server: everyone screens in the same project"),
                self.tr("Try screener on a ready-made review of nearly a thousand real papers on foundation models "
                        "in medical imaging"))
        for b, tip in zip(self.buttons, tips):
            b.setToolTip(tip)
        col.addSpacing(14)
        col.addWidget(QLabel(self.tr("<b>Recent projects</b>")))
        self.recent = QListWidget()
        self.recent.setAccessibleName(self.tr("Recent projects"))
        self.recent.setMinimumHeight(160)
        self.recent.itemActivated.connect(self._on_activated)
        col.addWidget(self.recent)
        # A first start has no recent projects: say where to begin instead of showing an empty box.
        self.recent_empty = QLabel(self.tr(
            "No projects yet. Start a review with <b>New project…</b>; it asks for the title, the reviewers "
            "and the criteria, then you import the search results. Or open the demo project to try "
            "screening first."))
        self.recent_empty.setWordWrap(True)
        self.recent_empty.setMinimumHeight(160)
        self.recent_empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        col.addWidget(self.recent_empty)
        self.hint = QLabel(self.tr("Press F1 for the keyboard help at any time."))
        self.hint.setEnabled(False)
        col.addWidget(self.hint)
        col.addStretch(2)
        holder = QWidget()
        holder.setLayout(col)
        holder.setMaximumWidth(560)
        holder.setMinimumWidth(440)
        outer.addWidget(holder, 2)
        outer.addStretch(1)
        self.set_recent([])

    def set_recent(self, projects: list[str]) -> None:
        self.recent.clear()
        for p in projects:
            name = _server_name(p) if "://" in p else Path(p).name
            item = QListWidgetItem(name)
            item.setToolTip(p)
            item.setData(PATH_ROLE, p)
            if "://" not in p and not Path(p).exists():
                item.setText(self.tr("%1 (missing)").replace("%1", name))
            self.recent.addItem(item)
        if projects:
            self.recent.setCurrentRow(0)
        shown, hidden = (self.recent, self.recent_empty) if projects else (self.recent_empty, self.recent)
        hidden.hide()  # first: the page must never ask for room for both (the window would grow)
        shown.show()

    def _on_activated(self, item: QListWidgetItem) -> None:
        self.recent_chosen.emit(item.data(PATH_ROLE))


def _server_name(url: str) -> str:
    """A team project as people say it: database, server and login (never a password)."""
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    who = f" ({unquote(parts.username)})" if parts.username else ""
    return f"{unquote(parts.path.lstrip('/'))} — {where}{who}"
