"""What goes into the frozen app besides the Python modules PyInstaller finds by itself.

Kept apart from ``screener.spec`` (which only PyInstaller can run) so that the test suite can
check, cheaply, that every data path still exists and every hidden import can be found.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP_NAME = "screener"
APP_ID = "io.github.screener.Screener"

#: (source in the checkout, folder inside the bundle). The resources go where
#: screener.core.resources looks in a frozen app; the Alembic scripts go beside
#: screener/storage/engine.py because alembic loads them as files, not as imports.
DATAS: tuple[tuple[Path, str], ...] = (
    (REPO / "resources", "screener/resources"),
    (REPO / "src" / "screener" / "storage" / "migrations", "screener/storage/migrations"),
)

#: Modules imported by name at run time, which PyInstaller's import scan cannot see: the readers
#: and services that ui/preload.py imports with importlib, what alembic's env.py and the
#: migration scripts import, the compiled psycopg driver, the SQLite and PostgreSQL dialects.
HIDDEN_PACKAGES = ("screener", "alembic")
HIDDEN_IMPORTS = (
    "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql", "psycopg", "psycopg_binary",
    "mako.template", "mako.exceptions", "logging.config",
)

#: Never wanted in the app: test tools, notebooks, the other Qt bindings, Tk.
EXCLUDES = (
    "tkinter", "pytest", "hypothesis", "IPython", "matplotlib", "PyQt5", "PyQt6", "PySide2",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.Qt3DCore", "PySide6.QtQuick",
    "PySide6.QtQml", "PySide6.QtMultimedia",
)


#: The executable's icon; on Windows and macOS PyInstaller converts it to .ico/.icns (with Pillow).
ICON = REPO / "resources" / "icons" / "hicolor" / "512x512" / "apps" / f"{APP_ID}.png"

#: Qt libraries and plugins left out of the bundle (by a part of their path inside it).
UNWANTED_BINARIES = ("VirtualKeyboard", "virtualkeyboard", "libQt6Qml", "libQt6Quick")


def wanted_module(name: str) -> bool:
    """Hidden submodules to collect: not alembic's own test suite (it fails to import anyway)."""
    return not name.startswith("alembic.testing")


def unwanted_binary(dest: str) -> bool:
    return any(part in dest for part in UNWANTED_BINARIES)


def datas() -> list[tuple[str, str]]:
    return [(str(src), dest) for src, dest in DATAS]
