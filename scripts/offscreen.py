"""What the screenshot scripts share: a throwaway user profile, the app in a fixed look, and a
wait for the window to finish its background work (offscreen renders must show settled views)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def isolated_app(prefix: str):
    """The QApplication with settings and data in a fresh temporary folder; returns (app, folder)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QFont

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    os.environ["XDG_DATA_HOME"] = str(tmp / "data")
    os.environ["XDG_STATE_HOME"] = str(tmp / "state")
    from screener.ui.app import create_app

    app = create_app()
    app.setStyle("Fusion")  # the same widgets on every machine, so screenshots do not drift
    app.setFont(QFont("DejaVu Sans", 9))
    return app, tmp


def settle(app, window, cond=lambda: True, timeout: float = 30) -> None:
    """Process events until the window's task runner is idle and ``cond()`` holds, twice in a row."""
    end = time.time() + timeout
    while time.time() < end:
        app.processEvents()
        if window.runner.idle and cond():
            for _ in range(5):
                app.processEvents()
                time.sleep(0.01)
            if window.runner.idle and cond():
                return
        time.sleep(0.005)
    raise TimeoutError(f"the window did not settle ({window.runner.pending()} jobs running)")
