"""The layering of ARCHITECTURE.md, checked mechanically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    from importlinter.cli import lint_imports

    import os

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        assert lint_imports(config_filename=str(REPO / "pyproject.toml")) == 0
    finally:
        os.chdir(cwd)


def test_cli_import_never_loads_qt(tmp_path):
    ris = tmp_path / "one.ris"
    ris.write_text("TY  - JOUR\nTI  - A paper\nER  - \n", encoding="utf-8")
    project = tmp_path / "p.screener"
    code = (
        "import sys\n"
        "from screener.cli.main import main\n"
        f"assert main(['init', {str(project)!r}]) == 0\n"
        f"assert main(['import', {str(project)!r}, {str(ris)!r}]) == 0\n"
        f"assert main(['status', {str(project)!r}, '--json']) == 0\n"
        "loaded = [m for m in sys.modules if m.startswith('PySide6') or m.startswith('shiboken')]\n"
        "assert not loaded, loaded\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
