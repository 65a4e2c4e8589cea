"""Looks: the app icon set, a dark palette when the system is dark, and the label colours.

The colours used for decisions and highlighted terms come in a light and a dark variant, picked
from the palette actually in use, so text stays readable whichever scheme the system follows.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from screener.core.resources import resource

_LIGHT = {"include": "#2f9e44", "exclude": "#e03131", "maybe": "#e67700", "conflict": "#ae3ec9",
          "include_bg": "#d3f9d8", "exclude_bg": "#ffe3e3", "muted": "#6c757d"}
_DARK = {"include": "#69db7c", "exclude": "#ff8787", "maybe": "#ffc078", "conflict": "#e599f7",
         "include_bg": "#1f4d2b", "exclude_bg": "#5c1f1f", "muted": "#adb5bd"}

_STANDARD = {"open": QStyle.StandardPixmap.SP_DialogOpenButton, "new": QStyle.StandardPixmap.SP_FileIcon,
             "undo": QStyle.StandardPixmap.SP_ArrowBack, "redo": QStyle.StandardPixmap.SP_ArrowForward,
             "settings": QStyle.StandardPixmap.SP_FileDialogDetailedView,
             "help": QStyle.StandardPixmap.SP_DialogHelpButton, "next": QStyle.StandardPixmap.SP_ArrowDown,
             "previous": QStyle.StandardPixmap.SP_ArrowUp, "not_retrieved": QStyle.StandardPixmap.SP_MessageBoxWarning}


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def color(name: str) -> QColor:
    """A named colour of the current scheme: include, exclude, maybe, conflict, *_bg, muted."""
    return QColor((_DARK if is_dark() else _LIGHT)[name])


def hex_color(name: str) -> str:
    return (_DARK if is_dark() else _LIGHT)[name]


@lru_cache(maxsize=None)
def _svg_icon(name: str) -> QIcon | None:
    path = resource("icons", f"{name}.svg")
    return QIcon(str(path)) if path.is_file() else None


def icon(name: str) -> QIcon:
    """An icon from resources/icons, else a standard icon of the style, else an empty one."""
    svg = _svg_icon(name)
    if svg is not None:
        return svg
    app = QApplication.instance()
    if name in _STANDARD and app is not None:
        return app.style().standardIcon(_STANDARD[name])
    return QIcon()


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#e6e6e6")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, QColor("#26282b"))
        p.setColor(group, QPalette.ColorRole.ToolTipBase, window)
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, window)
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.Highlight, QColor("#3574f0"))
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.Link, QColor("#6ea8fe"))
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#8c8f94"))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d82"))
    return p


def dark_style_sheet() -> str:
    """Check boxes that stay visible on dark bases (Fusion draws their frame darker than the window)."""
    check = resource("icons", "check.svg").as_posix()
    return ("QAbstractItemView::indicator, QCheckBox::indicator { width: 13px; height: 13px; "
            "border: 1px solid #8c8f94; border-radius: 2px; background: #1e1f22; }"
            "QAbstractItemView::indicator:checked, QCheckBox::indicator:checked { background: #3574f0; "
            f"border-color: #3574f0; image: url({check}); }}")


def use_dark(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(dark_style_sheet())


def use_light(app: QApplication) -> None:
    app.setStyleSheet("")
    app.setPalette(app.style().standardPalette())


def follow_system_scheme(app: QApplication) -> None:
    """Use the system's light or dark scheme, now and whenever it changes.

    Native styles on Windows and macOS follow the scheme themselves; elsewhere (and wherever the
    platform gives a light palette while the scheme is dark) Fusion with a dark palette does.
    """
    hints = app.styleHints()

    def apply() -> None:
        dark = hints.colorScheme() == Qt.ColorScheme.Dark
        if dark and not is_dark():
            use_dark(app)
        elif not dark and is_dark():
            use_light(app)

    apply()
    hints.colorSchemeChanged.connect(lambda _scheme: apply())
