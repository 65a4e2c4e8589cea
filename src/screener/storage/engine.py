"""Opening, creating and upgrading projects on SQLite files and PostgreSQL servers.

A project is named by a path (a SQLite file, ``*.screener``) or by a database URL. Either way it
is created and upgraded only through the Alembic migrations shipped in this package: a file is
backed up before an upgrade, and a project written by a newer screener is refused, not touched.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, DatabaseError

from screener.core.errors import ProjectVersionError, UserError

SUFFIX = ".screener"
MIGRATIONS = Path(__file__).with_name("migrations")
PAGE_SIZE = 8192


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
    # Only a new, empty file takes a page size (before WAL is on); an abstract-sized record row
    # of 2-3 kB fills a default 4 kB page alone, so 8 kB pages make projects a third smaller
    # and large imports that much faster to write.
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA query_only=ON")  # a second guard: no statement of ours can write
    cur.close()


def make_engine(project: str | Path, read_only: bool = False) -> Engine:
    url = project_url(project)
    if url.startswith("sqlite"):
        if read_only:
            return _read_only_sqlite_engine(Path(project))
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if read_only:
        event.listen(engine, "connect", _pg_read_only)
    return engine


def _pg_read_only(dbapi_conn, _record) -> None:
    with dbapi_conn.cursor() as cur:
        cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    dbapi_conn.commit()


def _read_only_sqlite_engine(path: Path) -> Engine:
    """An engine that can only read ``path``, also where nothing beside it can be created.

    A WAL database normally needs its ``-shm`` file; in a folder that cannot be written and
    without one left there, SQLite can read the file only as "immutable" (nothing else changes
    it, which holds where no one can write).
    """
    import sqlite3

    from sqlalchemy.pool import QueuePool

    path = path.expanduser().resolve()
    journal = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    immutable = not os.access(path.parent, os.W_OK) and not any(j.exists() for j in journal)
    uri = f"{path.as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")

    def connect():
        return sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool)
    event.listen(engine, "connect", _sqlite_read_only_pragmas)
    return engine


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


def _upgrade(engine: Engine, revision: str = "head", then=None) -> None:
    from alembic import command

    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
            if conn.dialect.name == "postgresql":
                # Team mode (row-level security, change notices) follows the schema it guards.
                from screener.storage import team

                team.install(conn)
            if then is not None:
                then(conn)  # same transaction: a failure leaves the database empty (push)
        return
    if then is not None:
        raise ValueError("filling a new database in the schema's transaction is for servers only")
    # Python's sqlite3 starts a transaction only before INSERT/UPDATE/DELETE, so a migration's
    # first CREATE or ALTER would commit on its own and a crash could leave half a new schema:
    # BEGIN IMMEDIATE makes every step one transaction. Batch mode rebuilds a table by DROP and
    # RENAME; with foreign keys on, that DROP cascades and deletes every decision and source row
    # pointing at it, so keys are off for the migration (SQLite's documented ALTER procedure)
    # and checked before the commit instead.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                command.upgrade(alembic_config(conn), revision)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(f"the upgrade would break {len(broken)} references", None,
                                        Exception(f"foreign key check failed: {broken[:3]}"))
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _describe(project: str | Path) -> str:
    return str(project) if is_url(str(project)) else str(Path(project))


def create_database(project: str | Path, then=None) -> Engine:
    """Create the schema of a new project; refuses a file or database that already holds one.

    ``then(connection)`` (servers only) runs inside the schema's transaction, e.g. to fill it.
    """
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
    try:
        _upgrade(engine, then=then)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_database(project: str | Path, upgrade: bool = True, read_only: bool = False) -> Engine:
    """Open an existing project, upgrading an older one (after a backup of a file).

    ``read_only`` gives an engine that cannot write; an older project cannot be opened that way.
    """
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
    engine = make_engine(project, read_only=read_only)
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
        if not upgrade or read_only:
            engine.dispose()
            how = " and it is open read-only" if read_only else ""
            raise ProjectVersionError(f"{where}: the project needs an upgrade (schema {rev}){how}")
        if not is_url(str(project)):
            backup_file(Path(project), rev)
        _upgrade(engine)
    return engine


def backup_file(path: Path, tag: str) -> Path:
    """Copy a project file (with a consistent snapshot of WAL content) before changing its schema."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{tag}-{stamp}{path.suffix}")
    copy_database(path, target)
    return target


def copy_database(path: str | Path, target: str | Path) -> Path:
    """A consistent copy of a SQLite project made with SQLite's backup API, written atomically.

    The copy is one read transaction, so with WAL other connections keep writing while it runs.
    It is made beside ``target`` under a temporary name, checked with ``integrity_check`` and only
    then renamed: a crash or a full disk leaves no half-written file under the backup's name.
    """
    import secrets
    import sqlite3

    target = Path(target)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        src = sqlite3.connect(str(path), timeout=10)
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                src.backup(dst)
                # The copy is a plain rollback-journal file: one file, nothing beside it to lose.
                dst.execute("PRAGMA journal_mode=DELETE")
                check = dst.execute("PRAGMA integrity_check").fetchall()
            finally:
                dst.close()
        finally:
            src.close()
        if check != [("ok",)]:
            raise DatabaseError("the copy failed its integrity check", None, Exception(str(check[:3])))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


class ProjectReadOnlyError(UserError):
    """A write to a project that is open read-only; the message says why it is."""


class DiskFullError(UserError):
    """The disk (or quota) holding the project is full; nothing of the change was written."""


def write_failure(exc: BaseException, where: str, read_only_reason: str = "") -> UserError | None:
    """The user-facing error for a database error that the environment caused, or None for a bug.

    A full disk and a read-only file are not bugs: the user can fix them, and the transaction
    that hit them was rolled back, so nothing of it is in the project.
    """
    if is_url(where):  # a server URL may hold a password: never put it in a message
        from sqlalchemy.engine import make_url

        where = make_url(where).render_as_string(hide_password=True)
    orig = getattr(exc, "orig", exc)
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    state = str(getattr(orig, "sqlstate", "") or "")
    text = str(orig).lower()
    if (name.startswith("SQLITE_FULL") or state in ("53100", "53400") or "disk is full" in text
            or "no space left" in text or "quota exceeded" in text):
        return DiskFullError(f"{where}: the disk is full; the last change was not saved (nothing of it "
                             "was written). Free some space and try again")
    if name.startswith("SQLITE_IOERR") and ("space" in text or "full" in text):
        return DiskFullError(f"{where}: the disk is full; the last change was not saved")
    if name.startswith("SQLITE_BUSY") or "database is locked" in text:
        return UserError(f"{where}: the project is busy: another program has been writing to it for more than "
                         "10 seconds; nothing was changed. Try again in a moment")
    if (name.startswith("SQLITE_READONLY") or "readonly database" in text or "read-only transaction" in text
            or state == "25006"):
        why = read_only_reason or "the file or its folder cannot be written"
        return ProjectReadOnlyError(f"{where}: the project is open read-only ({why}); nothing was changed")
    return None


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
