"""Fixtures for the deduplication tests: the shared labeled sets and their scorer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def dedup_data(shared_data: Path) -> Path:
    path = shared_data / "dedup"
    assert path.is_dir(), f"{path} is missing from the shared data"
    return path


@pytest.fixture(scope="session")
def evaluate(dedup_data: Path):
    """The sets' own scorer, ``evaluate(records_csv, clusters_csv, column) -> dict``."""
    spec = importlib.util.spec_from_file_location("shared_dedup_evaluate", dedup_data / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate
