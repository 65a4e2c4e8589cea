"""Start the desktop app: ``screener``, ``screener gui [PROJECT] [--reviewer NAME]``, ``screener demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from screener import __version__
from screener.core.resources import resource
from screener.ui import config, pyside_fix, theme
from screener.ui.errors import install_excepthook, setup_logging
from screener.ui.preload import preload

_translators: list[QTranslator] = []
SWITCH_INTERVAL_S = 0.001


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="screener gui", description="Open the screener desktop app.")
    p.add_argument("project", nargs="?", help="a project file or database URL to open")
    p.add_argument("--reviewer", default=None, help="screen as this reviewer (no prompt)")
    p.add_argument("--demo", action="store_true", help="build (or reuse) the demo project and open it")
    return p.parse_args(list(argv))


def install_translations(app: QApplication) -> None:
    """Qt's own strings and screener's, in the system language when a translation exists."""
    locale = QLocale.system()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, folder in (("qtbase", qt_dir), ("screener", str(resource("i18n")) if _has_i18n() else "")):
        if not folder:
            continue
        tr = QTranslator(app)
        if tr.load(locale, name, "_", folder):
            app.installTranslator(tr)
            _translators.append(tr)


def _has_i18n() -> bool:
    try:
        return resource("i18n").is_dir()
    except FileNotFoundError:
        return False


def create_app() -> QApplication:
    """The one QApplication, set up with names, icon, translations and the system colour scheme."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName(config.ORGANIZATION)
    QCoreApplication.setApplicationName(config.APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app.setApplicationDisplayName("screener")
    app.setDesktopFileName("screener")
    app.setWindowIcon(theme.icon("screener"))
    pyside_fix.install(app)
    # Workers (writes, prefetches) hold the GIL in 5 ms turns by default; a key press waiting
    # behind one of them shows as lag. Shorter turns keep the GUI thread responsive.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    install_translations(app)
    theme.follow_system_scheme(app)
    return app


def run(argv: Sequence[str] = ()) -> int:
    """Open the main window (on a project when given) and run the event loop; returns the exit code."""
    args = parse_args(argv)
    app = create_app()
    setup_logging()
    from screener.ui.main_window import MainWindow

    window = MainWindow()
    install_excepthook(lambda: QApplication.activeWindow() or window)
    window.show()
    app.processEvents()  # paint the window before the one-off warm-up below
    preload()
    if args.demo:
        window.open_demo(args.project)
    elif args.project:
        window.open_project(args.project, args.reviewer)
    return app.exec()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
