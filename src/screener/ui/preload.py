"""Import, on the GUI thread, every module that the task runner's jobs will need.

PySide6 hooks ``import``: the first time a module is imported, shiboken reads its source to see
whether it uses PySide. Doing that on a worker thread while the GUI thread runs Python has
crashed the interpreter ("deallocating None") when a job imported alembic and its template
engine for the first time. So the modules that jobs import lazily (the migrations with alembic,
every reader, the services) are imported here first, and one migration is run on an in-memory
database so that alembic's own script modules are loaded here too. Later imports in workers then
find everything already in ``sys.modules``.
"""

from __future__ import annotations

import importlib
import time

from screener.io.reader import FORMATS

MODULES = (
    "alembic.command", "alembic.config", "alembic.script", "alembic.runtime.migration",
    "alembic.runtime.environment", "alembic.operations", "alembic.ddl.sqlite", "alembic.ddl.postgresql",
    "mako.template", "mako.exceptions",
    "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql", "psycopg",
    "platformdirs", "numpy", "sqlite3", "hashlib", "tempfile", "shlex",
    "screener.io.detect", "screener.io.text", "screener.io.normalize",
    "screener.services.project", "screener.services.importing", "screener.services.queries",
    "screener.services.fulltext", "screener.services.screening", "screener.services.taxonomy",
    "screener.services.taxonomy_keys", "screener.services.reviewers", "screener.services.status",
    "screener.services.outcomes", "screener.services.conflicts", "screener.services.demo",
)

_done = False


def preload() -> float:
    """Import the modules jobs use and warm alembic; returns the seconds it took (once per process)."""
    global _done
    if _done:
        return 0.0
    t0 = time.perf_counter()
    for name in MODULES + tuple(f"screener.io.{m}" for m in set(FORMATS.values())):
        try:
            importlib.import_module(name)
        except ImportError:  # an optional driver or a reader not installed: its job will say so
            pass
    from screener.storage.engine import create_database

    create_database("sqlite://").dispose()  # loads alembic's env.py and every migration script
    _done = True
    return time.perf_counter() - t0
