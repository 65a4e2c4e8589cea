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


def sample_pdf(path: Path) -> Path:
    """A one-page A4 PDF with a title and an abstract, to attach as a full text."""
    from PySide6.QtGui import QFont, QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(150)
    p = QPainter(writer)
    p.setFont(QFont("DejaVu Serif", 16, QFont.Weight.Bold))
    p.drawText(120, 200, "A foundation model for medical image segmentation")
    p.setFont(QFont("DejaVu Serif", 10))
    body = ("Abstract. We adapt a segment-anything model to CT and MRI with lightweight adapters and "
            "evaluate zero-shot and fine-tuned performance on twelve public datasets. ") * 6
    line, y = "", 300
    for word in body.split():
        if len(line) + len(word) > 95:
            p.drawText(120, y, line)
            line, y = "", y + 34
        line += word + " "
    p.drawText(120, y, line)
    p.end()
    return path
