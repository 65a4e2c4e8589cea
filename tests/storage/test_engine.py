"""Projects are created and upgraded only by Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from screener.core.errors import ProjectVersionError, UserError
from screener.storage.engine import current_revision, head_revision, open_database
from screener.storage.models import Base
from screener.storage.session import Store


def test_migrations_match_models(project_location):
    store = Store.create(project_location)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    store.close()
    assert diff == []


def test_sqlite_pragmas(sqlite_project):
    store = Store.create(sqlite_project)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    store.close()


def test_refuses_newer_project(sqlite_project):
    Store.create(sqlite_project).close()
    con = sqlite3.connect(sqlite_project)
    con.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    con.commit()
    con.close()
    with pytest.raises(ProjectVersionError, match="newer version of screener"):
        open_database(sqlite_project)


def test_refuses_non_project_files(tmp_path):
    junk = tmp_path / "notes.screener"
    junk.write_text("hello")
    with pytest.raises(ProjectVersionError, match="not a screener project"):
        open_database(junk)
    empty_db = tmp_path / "empty.screener"
    sqlite3.connect(empty_db).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(ProjectVersionError, match="no schema version"):
        open_database(empty_db)
    with pytest.raises(UserError, match="no such project file"):
        open_database(tmp_path / "missing.screener")


def test_create_refuses_existing(sqlite_project, project_location):
    Store.create(project_location).close()
    with pytest.raises(UserError):
        Store.create(project_location)


def test_upgrade_from_older_revision_backs_up_file(sqlite_project):
    """A project at schema 0001 is backed up, then upgraded to head with its data kept."""
    from pathlib import Path

    from alembic import command
    from sqlalchemy import create_engine

    from screener.storage.engine import alembic_config

    engine = create_engine(f"sqlite:///{sqlite_project}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.exec_driver_sql("INSERT INTO records (title, abstract, authors, journal, volume, issue, pages, doi,"
                             " pmid, arxiv_id, url, keywords, pub_type, language, extra, created_at)"
                             " VALUES ('kept', '', '[]', '', '', '', '', '', '', '', '', '[]', '', '', '{}',"
                             " '2026-01-01')")
    engine.dispose()
    before = set(Path(sqlite_project).parent.glob("*.backup-*"))
    upgraded = open_database(sqlite_project)
    backups = set(Path(sqlite_project).parent.glob("*.backup-*")) - before
    assert len(backups) == 1 and "backup-0001" in backups.pop().name
    assert current_revision(upgraded) == head_revision() != "0001"
    with upgraded.connect() as conn:
        row = conn.exec_driver_sql("SELECT title, version, study_id FROM records").one()
    assert tuple(row) == ("kept", 1, None)
    upgraded.dispose()
