"""BulkWriter: rows written exactly, in the caller's transaction, failures raised, on both databases."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from screener.storage import bulk
from screener.storage.bulk import BulkWriter
from screener.storage.engine import PAGE_SIZE
from screener.storage.session import Store

VALUES = ["plain", "", "quotes ' \" and \\ backslash", "line\nbreaks\tand tabs", "ünïcödé 漢字 😀",
          "x" * 50_000, "?", "%s", "); DROP TABLE sources; --"]


@pytest.fixture
def store(project_location):
    st = make(project_location)
    yield st
    st.close()


def make(location):
    st = Store.create(location)
    with st.unit() as s:
        s.execute(text("CREATE TABLE bulk_probe (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER)"))
    return st


def write(store, rows, fail_after=None):
    with store.unit() as s:
        conn = s.connection()
        with BulkWriter(conn) as writer:
            for k in range(0, len(rows), 700):
                writer.insert("bulk_probe", ("id", "name", "n"), rows[k:k + 700])
                if fail_after is not None and k >= fail_after:
                    raise KeyError("stop")


def read(store):
    with store.read() as s:
        return [tuple(r) for r in s.execute(text("SELECT id, name, n FROM bulk_probe ORDER BY id"))]


def test_rows_come_back_exactly_over_many_statements(store):
    rows = [(k + 1, f"{VALUES[k % len(VALUES)]}#{k}", None if k % 3 else -k) for k in range(2345)]  # > one statement
    write(store, rows)
    assert read(store) == rows


def test_a_failing_row_raises_as_a_database_error_and_nothing_is_kept(store):
    rows = [(k + 1, f"r{k}", 7) for k in range(1500)] + [(1, "again", 7)]  # id 1 twice
    with pytest.raises(DBAPIError):
        write(store, rows)
    assert read(store) == []


def test_leaving_by_an_exception_abandons_the_queue_and_rolls_back(store):
    rows = [(k + 1, f"r{k}", 7) for k in range(5000)]
    with pytest.raises(KeyError):
        write(store, rows, fail_after=1400)
    assert read(store) == []


def test_sqlite_statements_stay_within_the_bound_values_limit(sqlite_project, monkeypatch):
    store = make(sqlite_project)
    monkeypatch.setattr(bulk, "_max_values", lambda conn: 999)  # an SQLite older than 3.32
    rows = [(k + 1, f"r{k}", 7) for k in range(1000)]
    write(store, rows)
    assert read(store) == rows
    store.close()


def test_new_project_files_have_large_pages(sqlite_project):
    Store.create(sqlite_project).close()
    assert sqlite3.connect(sqlite_project).execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
