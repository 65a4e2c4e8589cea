"""The About box."""

from __future__ import annotations

import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from screener import __version__


def about_text() -> str:
    tr = QCoreApplication.translate
    what = tr("About", "Screening of papers for systematic and scoping reviews: dual screening, "
                       "agreement, PRISMA 2020, relevance ranking.")
    keys = tr("About", "Keyboard first: press F1 to see every key.")
    return (f"<h3>screener {__version__}</h3><p>{what}</p><p>{keys}</p>"
            f"<p style='color:gray'>Python {sys.version.split()[0]} · Qt {qVersion()} · PySide6 {pyside_version}"
            f"<br/>{tr('About', 'MIT licence')}</p>")


def show_about(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle(QCoreApplication.translate("About", "About screener"))
    box.setAccessibleName(QCoreApplication.translate("About", "About screener"))
    box.setText(about_text())
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64) if parent is not None else box.iconPixmap())
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box
