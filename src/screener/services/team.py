"""Team projects on a PostgreSQL server: reviewers' logins, and moving a project to and from a file.

``push`` copies a project file to an empty server database and sets team mode up; ``pull``
copies a server project into a new file. Both copy every table row for row with its ids, so
exports, record ids and the event log read the same on either side, and both are one
transaction on the receiving side: a failure leaves no half-copied project.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.engine import Connection

from screener.core.errors import PermissionDeniedError, UserError
from screener.services.dto import ReviewerInfo
from screener.storage import team
from screener.storage.engine import create_database, is_url
from screener.storage.models import Attachment, Base, Reviewer
from screener.storage.session import Store

BATCH = 2000


def connection_owns_project(session) -> bool:
    """Whether the session's role owns the project's tables (it created the project)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.execute(text(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_catalog.pg_class c "
        "WHERE c.oid = to_regclass(quote_ident(current_schema()) || '.reviewers')")).scalar())


def give_login(session, reviewer: Reviewer, password: str | None = None) -> str:
    """Create the PostgreSQL login role of ``reviewer`` inside the caller's unit of work.

    Only the role that owns the project (it created it) may, and it needs CREATEROLE.
    """
    conn = session.connection()
    who = conn.exec_driver_sql("SELECT current_user").scalar_one()
    if not connection_owns_project(session):
        raise PermissionDeniedError(f"only the project's owner can add reviewers on a team server; you are "
                                    f"connected as {who}")
    if not team.can_create_roles(conn):
        raise PermissionDeniedError(f"the role {who} may not create login roles (it needs CREATEROLE); "
                                    "ask the server's administrator")
    if reviewer.db_role:
        raise UserError(f"reviewer {reviewer.name!r} already has the login role {reviewer.db_role}")
    reviewer.db_role = team.create_login(conn, reviewer.name, reviewer.role, password)
    session.flush()
    return reviewer.db_role


def grant_login(store: Store, name: str, password: str | None = None) -> ReviewerInfo:
    """Give an existing reviewer (e.g. one named at ``init``) a login role on the team server."""
    if store.dialect != "postgresql":
        raise UserError(f"{store.project}: login roles exist only on a team project (PostgreSQL)")
    with store.unit() as s:
        r = s.scalar(select(Reviewer).where(Reviewer.name == name))
        if r is None:
            raise UserError(f"unknown reviewer {name!r}; add one with `screener reviewer add`")
        give_login(s, r, password)
        return ReviewerInfo(r.id, r.name, r.role, r.db_role)


# -- push and pull -----------------------------------------------------------------------------

def _utc(value: Any) -> Any:
    # SQLite keeps naive UTC wall times; PostgreSQL returns aware ones in the session's zone.
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value


def copy_tables(src: Connection, dst: Connection) -> dict[str, int]:
    """Copy every project table from ``src`` into the empty schema of ``dst``, ids included."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        # A column pointing into its own table (records.duplicate_of, tags.parent_id...) may point
        # at a later row: it is filled in by a second pass once every row exists.
        selfref = sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table is table})
        later: dict[str, list[dict[str, Any]]] = {c: [] for c in selfref}
        n = 0
        result = src.execution_options(yield_per=BATCH).execute(
            select(table).order_by(*table.primary_key.columns))
        for rows in result.partitions():
            batch = []
            for row in rows:
                values = {k: _utc(v) for k, v in row._mapping.items()}
                for c in selfref:
                    if values[c] is not None:
                        later[c].append({"_id": values["id"], "_v": values[c]})
                        values[c] = None
                batch.append(values)
            dst.execute(insert(table), batch)
            n += len(batch)
        for c, pairs in later.items():
            if pairs:
                dst.execute(update(table).where(table.c.id == bindparam("_id")).values({c: bindparam("_v")}), pairs)
        counts[table.name] = n
    if dst.dialect.name == "postgresql":
        for name, seq in team.sequences(dst).items():
            table = Base.metadata.tables[name]
            top = dst.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar()
            dst.execute(text("SELECT setval(CAST(:seq AS regclass), :v, :called)"),
                        {"seq": seq, "v": top or 1, "called": top is not None})
    return counts


def _copy_attachments(src: Store, dst: Store) -> dict[str, int]:
    from screener.services.fulltext import attachment_dir, stored_path

    with src.read() as s:
        names = list(s.scalars(select(Attachment.file_name).where(Attachment.status == "attached",
                                                                   Attachment.file_name != "")))
    copied = missing = 0
    if names:
        a, b = attachment_dir(src), attachment_dir(dst)
        for name in names:
            # A name from the database never reads or writes outside the two attachment folders.
            source, target = stored_path(a, name), stored_path(b, name)
            if source is not None and target is not None and source.is_file():
                b.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
                copied += 1
            else:
                missing += 1
    return {"copied": copied, "missing": missing}


def push(project_file: str | Path, url: str) -> dict[str, Any]:
    """Copy a project file to an empty PostgreSQL database and set team mode up there.

    The schema, the rows and the team setup are one transaction: a failure leaves the database
    empty. Reviewers' login roles recorded in the file that exist on the server get their access
    back (a round trip through a file); the others get one with ``screener reviewer login``.
    """
    if is_url(str(project_file)) or not is_url(url) or not url.split("://", 1)[0].startswith("postgres"):
        raise UserError("push copies a project file to a PostgreSQL URL: screener push FILE.screener URL")
    out: dict[str, Any] = {"project": url, "from": str(project_file), "db_roles": [], "note": ""}
    with Store.open(project_file) as src:

        def fill(conn: Connection) -> None:
            conn.exec_driver_sql("SET LOCAL screener.quiet = 'on'")  # no notice per copied row
            with src.engine.connect() as a:
                out["tables"] = copy_tables(a, conn)
            if team.can_create_roles(conn):
                team.ensure_groups(conn)
                out["db_roles"] = team.sync_members(conn)
            else:
                out["note"] = "your role may not create roles (CREATEROLE): reviewers' logins were not set up"

        with Store(url, create_database(url, then=fill)) as dst:
            out["attachments"] = _copy_attachments(src, dst)
    return out


def pull(url: str, project_file: str | Path) -> dict[str, Any]:
    """Copy a team project into a new project file (a reviewer's login copies what it may read)."""
    if not is_url(url) or is_url(str(project_file)):
        raise UserError("pull copies a server project into a new file: screener pull URL FILE.screener")
    with Store.open(url) as src:
        dst = Store.create(project_file)
        try:
            with src.engine.connect() as a, dst.engine.begin() as b:
                tables = copy_tables(a, b)
            files = _copy_attachments(src, dst)
        except BaseException:
            dst.close()
            Path(project_file).unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(str(project_file) + suffix).unlink(missing_ok=True)
            raise
        dst.close()
    return {"project": str(project_file), "from": url, "tables": tables, "attachments": files}
