"""Opening, creating and upgrading projects on SQLite files and PostgreSQL servers.

A project is named by a path (a SQLite file, ``*.screener``) or by a database URL. Either way it
is created and upgraded only through the Alembic migrations shipped in this package: a file is
backed up before an upgrade, and a project written by a newer screener is refused, not touched.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, DatabaseError

from screener.core.errors import ProjectVersionError, UserError

SUFFIX = ".screener"
MIGRATIONS = Path(__file__).with_name("migrations")


def is_url(project: str) -> bool:
    return "://" in str(project)


def project_url(project: str | Path) -> str:
    """A SQLAlchemy URL for a project path or URL (plain ``postgresql://`` gets the psycopg driver)."""
    s = str(project)
    if is_url(s):
        if s.startswith("postgresql://") or s.startswith("postgres://"):
            s = "postgresql+psycopg://" + s.split("://", 1)[1]
        return s
    return f"sqlite:///{Path(s).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets a reader (the GUI's list) run while a writer commits; synchronous=FULL makes a
    # committed decision survive a power cut; the busy timeout turns brief lock contention
    # between the CLI and the GUI into a short wait instead of an error.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(project: str | Path) -> Engine:
    url = project_url(project)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision stamped in the database, or None for a database without one."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def _upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def _describe(project: str | Path) -> str:
    return str(project) if is_url(str(project)) else str(Path(project))


def create_database(project: str | Path) -> Engine:
    """Create the schema of a new project; refuses a file or database that already holds one."""
    where = _describe(project)
    if not is_url(str(project)):
        path = Path(project)
        if path.exists() and path.stat().st_size > 0:
            raise UserError(f"{where}: a file of that name already exists")
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(project)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    except OperationalError as exc:
        engine.dispose()
        raise UserError(f"{where}: cannot open the database ({_first_line(exc)})") from None
    if tables:
        engine.dispose()
        raise UserError(f"{where}: the database is not empty (it has tables: {', '.join(sorted(tables)[:5])})")
    _upgrade(engine)
    return engine


def open_database(project: str | Path, upgrade: bool = True) -> Engine:
    """Open an existing project, upgrading an older one (after a backup of a file)."""
    where = _describe(project)
    if not is_url(str(project)):
        path = Path(project)
        if not path.exists():
            raise UserError(f"{where}: no such project file")
        if path.is_dir():
            raise UserError(f"{where}: is a folder, not a project file")
        with open(path, "rb") as fh:
            head = fh.read(16)
        if head and not head.startswith(b"SQLite format 3"):
            raise ProjectVersionError(f"{where}: not a screener project (not an SQLite database)")
    engine = make_engine(project)
    try:
        rev = current_revision(engine)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise UserError(f"{where}: cannot open the project ({_first_line(exc)})") from None
    if rev is None:
        engine.dispose()
        raise ProjectVersionError(f"{where}: not a screener project (no schema version)")
    if rev not in known_revisions():
        engine.dispose()
        raise ProjectVersionError(
            f"{where}: this project was written by a newer version of screener (schema {rev}); "
            "update screener to open it"
        )
    if rev != head_revision():
        if not upgrade:
            raise ProjectVersionError(f"{where}: the project needs an upgrade (schema {rev})")
        if not is_url(str(project)):
            backup_file(Path(project), rev)
        _upgrade(engine)
    return engine


def backup_file(path: Path, tag: str) -> Path:
    """Copy a project file (with a consistent snapshot of WAL content) before changing its schema."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{tag}-{stamp}{path.suffix}")
    import sqlite3

    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return target


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
