"""Appending many rows inside the caller's transaction, while the caller prepares the next ones.

An import of 100k records spends about as long in SQLite as in parsing. Python's sqlite3 lets
other threads run only while a statement executes, and ``executemany`` takes the interpreter
lock back after every row, so a writer thread doing ``executemany`` would wait on the parser
(up to the 5 ms switch interval) for each row. Here a helper thread runs each batch of
hundreds of rows as one multi-row ``INSERT ... VALUES (...), (...)``: it takes the lock once to
bind the values, then SQLite writes them all in C while the caller parses the next piece.

PostgreSQL gets plain ``executemany`` in the caller's thread; nothing there waits on the
interpreter lock (psycopg sends the rows in pipeline mode).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

#: Batches queued ahead of the writer: enough to keep it busy, few enough to bound memory.
_AHEAD = 4
#: Rows per statement on SQLite (fewer where SQLite allows fewer bound values).
_ROWS = 500
_STOP = None


class BulkWriter:
    """Insert rows of plain values (str, int, float, None) into tables, in the open transaction.

    Use it as a context manager: leaving the block waits for every batch and raises the first
    failure; leaving it by an exception abandons what is still queued (the caller's transaction
    is then rolled back). The connection must not be used for anything else inside the block.
    """

    def __init__(self, conn: Connection):
        self._conn = conn
        self._statements: dict[tuple[str, tuple[str, ...], int], str] = {}
        self._failure: BaseException | None = None
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._dbapi = conn.connection.dbapi_connection
        self._threaded = conn.dialect.name == "sqlite"
        self._mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._max_values = _max_values(self._dbapi) if self._threaded else 0

    def __enter__(self) -> "BulkWriter":
        if self._threaded:
            self._queue = queue.Queue(_AHEAD)
            self._thread = threading.Thread(target=self._work, name="screener-bulk-writer", daemon=True)
            self._thread.start()
        return self

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Queue ``rows`` (tuples in ``columns`` order) for ``table``."""
        if not rows:
            return
        self._raise_failure()
        columns = tuple(columns)
        if self._queue is None:
            self._conn.exec_driver_sql(self._statement(table, columns, 1), list(rows))
            return
        step = max(1, min(_ROWS, self._max_values // len(columns)))
        for k in range(0, len(rows), step):
            batch = rows[k:k + step]
            self._queue.put((self._statement(table, columns, len(batch)), list(chain.from_iterable(batch)),
                             f"INSERT INTO {table} ({', '.join(columns)}): {len(batch)} rows"))

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._thread is None:
            return
        if exc_type is not None:
            self._failure = self._failure or exc  # the writer skips what is still queued
        self._queue.put(_STOP)
        self._thread.join()
        self._thread = None
        if exc_type is None:
            self._raise_failure()

    def _statement(self, table: str, columns: tuple[str, ...], n_rows: int) -> str:
        key = (table, columns, n_rows)
        sql = self._statements.get(key)
        if sql is None:
            row = f"({', '.join([self._mark] * len(columns))})"
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * n_rows)}"
            self._statements[key] = sql
        return sql

    def _work(self) -> None:
        cursor = self._dbapi.cursor()
        try:
            while True:
                job = self._queue.get()
                if job is _STOP:
                    return
                if self._failure is None:
                    sql, values, what = job
                    try:
                        cursor.execute(sql, values)
                    except BaseException as exc:  # handed to the caller's thread
                        self._failure = _wrapped(exc, what)
        finally:
            cursor.close()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def _wrapped(exc: BaseException, what: str) -> BaseException:
    """A driver error as SQLAlchemy would have raised it, so callers handle it the same way
    (``what`` stands for the statement, which holds hundreds of rows' placeholders)."""
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return DBAPIError.instance(what, None, exc, sqlite3.Error)
    return exc


def _max_values(dbapi_conn) -> int:
    """How many values one SQLite statement may bind (999 before SQLite 3.32, 32766 since)."""
    import sqlite3

    try:
        return dbapi_conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        return 999 if sqlite3.sqlite_version_info < (3, 32) else 32766
