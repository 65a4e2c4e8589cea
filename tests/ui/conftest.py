"""Fixtures of the GUI tests: real widgets on the offscreen platform, real project files.

Every test here fails on any Qt warning (``qt_log_level_fail``), except the offscreen
platform's own notice that it cannot propagate size hints, which says nothing about our code.
Per-user settings and logs go to the test's temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from screener.core.records import ParsedFile, RecordData
from screener.services.importing import import_parsed
from screener.services.project import init_project

HERE = Path(__file__).resolve().parent
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session", autouse=True)
def app_setup(qapp):
    """What the app does at start: the PySide6 reference guard, and the modules jobs need
    imported on the GUI thread."""
    from screener.ui import pyside_fix
    from screener.ui.preload import preload

    pyside_fix.install(qapp)
    preload()


@pytest.fixture(autouse=True)
def isolated_user_state(tmp_path, monkeypatch):
    """QSettings and the log folder of a throwaway user."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    yield


@pytest.fixture
def main_window(qtbot):
    from screener.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


@pytest.fixture
def project(tmp_path) -> Path:
    """A file project with 30 records, reviewers ana (owner) and ben, the medical-imaging template."""
    path = tmp_path / "review.screener"
    store = init_project(path, title="FM review", reviewers=["ana", "ben"], template="medical-imaging-fm")
    recs = tuple(RecordData(title=f"Record {i + 1}: foundation model for {'CT' if i % 2 else 'MRI'} segmentation",
                            abstract=f"Abstract {i + 1}. A survey? No: zero-shot prompting on natural images.",
                            authors=(f"Author{i + 1}, A.",), year=2020 + i % 5, journal="MedIA",
                            keywords=("segmentation",)) for i in range(30))
    import_parsed(store, ParsedFile(path="made.ris", format="ris", encoding="utf-8", records=recs), source="Made")
    store.close()
    return path
