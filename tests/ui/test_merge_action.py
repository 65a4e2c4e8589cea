"""File → Merge decisions from a copy: a reviewer's offline copy merged into the open project."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QFileDialog, QMessageBox

from screener.services import screening
from screener.services.project import open_project
from tests.ui.helpers import open_as, settle


def test_merge_copy_from_the_file_menu(qtbot, main_window, project, tmp_path, monkeypatch):
    copy = tmp_path / "ben-laptop.screener"
    shutil.copy(project, copy)
    with open_project(copy) as other:
        screening.decide(other, 1, "ben", "include")
        screening.decide(other, 2, "ben", "maybe")
    open_as(qtbot, main_window, project, "ana")
    shown = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(copy), "")))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda parent, title, text: shown.append(text)))
    main_window.actions_by_name["merge"].trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    settle(qtbot, main_window)
    assert "2 new" in shown[0]
    with open_project(project) as st:
        assert screening.get_decision(st, 1, "ben", "ta").label == "include"
        assert screening.get_decision(st, 2, "ben", "ta").label == "maybe"
