"""Start the desktop app: ``screener``, ``screener gui [PROJECT] [--reviewer NAME]``, ``screener demo``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QSize, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from screener import __version__
from screener.core.resources import resource
from screener.ui import config, pyside_fix, theme
from screener.ui.errors import install_excepthook, setup_logging
from screener.ui.preload import preload

_translators: list[QTranslator] = []
SWITCH_INTERVAL_S = 0.001
#: The desktop-file id (packaging/linux/APP_ID.desktop): Wayland and the docks match windows to it.
APP_ID = "io.github.screener.Screener"
SMOKE_TIMEOUT_MS = 120_000


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="screener gui", description="Open the screener desktop app.")
    p.add_argument("project", nargs="?", help="a project file or database URL to open")
    p.add_argument("--reviewer", default=None, help="screen as this reviewer (no prompt)")
    p.add_argument("--demo", action="store_true", help="build (or reuse) the demo project and open it")
    # Packaging check (packaging/build_linux.sh): open the demo in a throwaway folder, then quit.
    p.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
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


def app_icon() -> QIcon:
    """The application icon: the PNG sizes rendered from icons/screener.svg, then the SVG itself.

    The PNGs need no SVG plugin, so the window and task bar show the icon in any build.
    """
    icon = QIcon()
    for png in sorted(resource("icons", "hicolor").glob(f"*/apps/{APP_ID}.png")):
        size = int(png.parts[-3].split("x")[0])
        icon.addFile(str(png), QSize(size, size))
    svg = resource("icons", "screener.svg")
    if svg.is_file():
        icon.addFile(str(svg))
    return icon


def create_app() -> QApplication:
    """The one QApplication, set up with names, icon, translations and the system colour scheme."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName(config.ORGANIZATION)
    QCoreApplication.setApplicationName(config.APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app.setApplicationDisplayName("screener")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
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
    if args.smoke:
        _smoke_setup(args)
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
    if args.smoke:
        _smoke_watch(app, window)
    return app.exec()


def _smoke_setup(args: argparse.Namespace) -> None:
    """A throwaway demo project and settings, so a smoke run leaves the user's own untouched."""
    tmp = Path(tempfile.mkdtemp(prefix="screener-smoke-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    if not args.project:
        args.demo, args.project = True, str(tmp / "demo.screener")


def _smoke_watch(app: QApplication, window) -> None:
    """Quit with 0 once a record is on screen; with 1 on an error message or after the timeout."""
    from screener.ui.errors import BugReportDialog

    timer = QTimer(window)
    timer.setInterval(100)
    waited = {"ms": 0}

    def check() -> None:
        waited["ms"] += timer.interval()
        modal = app.activeModalWidget()
        if isinstance(modal, (QMessageBox, BugReportDialog)) or waited["ms"] > SMOKE_TIMEOUT_MS:
            text = getattr(modal, "report", None) or (modal.text() if isinstance(modal, QMessageBox) else "timeout")
            print(f"smoke: FAILED: {text}", file=sys.stderr, flush=True)
            timer.stop()
            app.exit(1)
        elif window.session is not None and window.screen.record_pane.shown_id is not None:
            sizes = sorted(s.width() for s in app.windowIcon().availableSizes())
            print(f"smoke: ok: {window.ctx.title!r} as {window.ctx.reviewer}, "
                  f"{window.session.model.rowCount()} records, icon sizes {sizes}", flush=True)
            timer.stop()
            window.close()

    timer.timeout.connect(check)
    timer.start()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
