"""Where the shipped assets (templates, demo corpus, icons, translations) live."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve()


def resources_dir() -> Path:
    """The ``resources/`` folder: beside ``src/`` in a checkout, or inside the package when built."""
    for candidate in (_HERE.parents[3] / "resources", _HERE.parents[1] / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("screener's resources folder is missing from this installation")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
