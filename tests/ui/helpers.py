"""Helpers of the GUI tests: waiting for the task runner, hand-made RIS and PDF files."""

from __future__ import annotations

from pathlib import Path


def wait_idle(qtbot, window, extra=None, timeout: int = 10000) -> None:
    """Wait until every job of the window's runner has been delivered (and ``extra()`` holds)."""
    def done() -> bool:
        session_idle = window.session is None or window.session.idle
        return session_idle and window.runner.idle and (extra is None or extra())

    qtbot.waitUntil(done, timeout=timeout)


def settle(qtbot, window) -> None:
    """Wait for the runner, then let queued follow-up jobs start and finish too."""
    for _ in range(3):
        wait_idle(qtbot, window)
        qtbot.wait(5)
    wait_idle(qtbot, window)


def write_ris(path: Path, n: int, broken: bool = True) -> Path:
    """A small hand-made RIS file: ``n`` good records (and one with no title: rejected)."""
    lines = []
    topics = ["segmentation of CT", "report generation from X-ray", "a survey of vision-language models",
              "segment anything for MRI"]
    for i in range(n):
        lines += ["TY  - JOUR", f"TI  - Paper {i + 1}: {topics[i % len(topics)]}", f"AU  - Author{i + 1}, A.",
                  "AU  - Second, B.", f"PY  - {2018 + i % 7}", "JO  - Medical Image Analysis",
                  f"AB  - We propose a foundation model for {topics[i % len(topics)]}. Zero-shot results.",
                  f"DO  - 10.1000/paper.{i + 1}", "ER  - ", ""]
    if broken:
        lines += ["TY  - JOUR", "AU  - Nobody, N.", "PY  - 2021", "ER  - ", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def make_pdf(path: Path, text: str = "Full text of the paper") -> Path:
    """A one-page PDF written by Qt itself."""
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    painter.drawText(200, 400, text)
    painter.end()
    return path


def open_as(qtbot, window, project: Path, reviewer: str = "ana") -> None:
    window.open_project(str(project), reviewer)
    wait_idle(qtbot, window, lambda: window.session is not None and window.session.view() is not None
              and window.screen.record_pane.shown_id == window.session.current)
    settle(qtbot, window)
