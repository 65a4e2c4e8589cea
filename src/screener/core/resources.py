"""Where the shipped assets (templates, demo corpus, icons, translations) live."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve()


def _candidates() -> list[Path]:
    found = []
    if getattr(sys, "frozen", False):
        # A PyInstaller build (packaging/screener.spec) puts them in screener/resources under
        # its data folder. Asked first, and by name: on a macOS .app the checkout guess below
        # would land on Contents/Resources, which is PyInstaller's folder, not ours.
        found.append(Path(getattr(sys, "_MEIPASS", _HERE.parents[2])) / "screener" / "resources")
    found += [_HERE.parents[3] / "resources", _HERE.parents[1] / "resources"]
    return found


def resources_dir() -> Path:
    """The ``resources/`` folder: beside ``src/`` in a checkout, or inside the package when built."""
    for candidate in _candidates():
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("screener's resources folder is missing from this installation")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
