"""The documentation stays true to the app: the guide's key table is the app's own, its pictures
exist, the README keeps its first commands and links the other documents, and the paths that
CONTRIBUTING.md names are real."""

from __future__ import annotations

import re
import sys

import pytest
from PySide6.QtCore import QSettings

from screener import __version__
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import render_guide  # noqa: E402  (scripts/render_guide.py)

DOCS = REPO / "docs"
GUIDE = DOCS / "guide.md"


@pytest.fixture
def default_window(qtbot, tmp_path, monkeypatch):
    """A main window as a new user gets it: no key changes of the user running the tests."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from screener.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    yield w
    w.close()


def test_guide_key_table_is_the_apps(default_window):
    generated = render_guide.keys_markdown(default_window)
    assert render_guide.guide_keys_block(GUIDE.read_text(encoding="utf-8")) == generated, (
        "docs/guide.md's keyboard table differs from the app's keys: run "
        "`QT_QPA_PLATFORM=offscreen python scripts/render_guide.py --keys`")
    # the table holds what a reviewer uses most, with the keys of ui/keys.py
    for text, key in (("Include", "I"), ("Exclude", "E"), ("Undo", "Ctrl+Z"), ("Import records…", "Ctrl+I"),
                      ("Keyboard help", "F1")):
        assert re.search(rf"^\| {re.escape(text)} \| `{re.escape(key)}`", generated, re.M), text
    assert "| Include | `I` | `I` | `R` |" in generated  # the presets: screener, Rayyan, ASReview


def test_key_table_follows_a_changed_binding(default_window, qtbot):
    """The generator reads the live bindings, so a changed key shows up (and the check above would fail)."""
    default_window.screen.actions_by_name["include"].setShortcut("Y")
    assert "| Include | `Y` |" in render_guide.keys_markdown(default_window)


def test_guide_pictures_exist_and_none_is_orphaned():
    text = GUIDE.read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(pictures) >= 12
    for name in pictures:
        assert (DOCS / name).is_file(), name
    rendered = {p.name for p in DOCS.glob("guide-*.png")}
    assert rendered <= set(pictures), rendered - set(pictures)


def test_guide_sections_cover_the_issue():
    headings = re.findall(r"^##+ (.+)$", GUIDE.read_text(encoding="utf-8"), re.M)
    for needed in ("A review from import to PRISMA", "Team mode", "Offline", "Keyboard reference",
                   "The PRISMA 2020 flow diagram"):
        assert any(needed in h for h in headings), needed


def test_guide_links_point_inside_it():
    text = GUIDE.read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^##+ (.+)$", text, re.M)}
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in anchors, target


def test_readme_keeps_its_first_commands_and_links_the_docs():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line.strip() for line in lines[:12] if line.startswith("    ")]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/screener demo",
        'python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]" && .venv/bin/python -m pytest',
    ]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci  # CI runs exactly the README's test command
    readme = "\n".join(lines)
    for link in ("docs/guide.md", "CONTRIBUTING.md", "CHANGELOG.md", "packaging/README.md"):
        assert f"]({link})" in readme, link
        assert (REPO / link).is_file(), link


def test_contributing_names_real_paths():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:benchmarks|scripts|packaging|tests|src|docs|resources|ui|io|storage)/[^`\s*]*|"
                           r"\.ci/run|pyproject\.toml)`", text))
    assert len(paths) >= 20
    for rel in paths:
        assert (REPO / rel).exists() or (REPO / "src" / "screener" / rel).exists(), rel
    for bench in (REPO / "benchmarks").glob("*.py"):
        if not bench.name.startswith("_"):
            assert f"`benchmarks/{bench.name}`" in text, f"{bench.name} is not in CONTRIBUTING.md"


def test_changelog_has_the_current_version():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(__version__)}\]", text, re.M)
    assert "## [Unreleased]" in text
