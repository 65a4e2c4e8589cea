"""Live changes from the PostgreSQL server: LISTEN/NOTIFY, reconnection, and what a lost server looks like.

Everything runs against the real test server; a listener runs on a thread of the test and hands
its events over a queue.
"""

from __future__ import annotations

import json
import queue
import socket
import sqlite3
import threading
import time

import psycopg
import pytest
import sqlalchemy as sa

from screener.services import live
from screener.services.project import init_project
from screener.storage.session import Store


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Listening:
    """``live.listen`` on a thread of its own; its events land in a queue."""

    def __init__(self, params, backoff=(0.2,)):
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(params, backoff), daemon=True)
        self.thread.start()

    def _run(self, params, backoff) -> None:
        for ev in live.listen(params, self.stop, backoff=backoff):
            self.events.put(ev)

    def next(self, kind: str, timeout: float = 5.0, where=lambda ev: True) -> live.LiveEvent:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {kind!r} event within {timeout} s"
            ev = self.events.get(timeout=left)
            if ev.kind == kind and where(ev):
                return ev

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def pg_store(pg_project):
    store = init_project(pg_project, title="Live", reviewers=["ana", "ben"])
    yield store
    store.close()


def run_sql(url: str, sql: str, **params):
    """One statement on a connection of its own (another client of the server)."""
    eng = sa.create_engine(url)
    try:
        with eng.begin() as c:
            return c.execute(sa.text(sql), params).scalar()
    finally:
        eng.dispose()


def notify(url: str, payload: dict) -> None:
    run_sql(url, "SELECT pg_notify(:ch, :p)", ch=live.CHANNEL, p=json.dumps(payload))


def test_parse_change_takes_our_payloads_and_ignores_others():
    c = live.parse_change('{"table": "decisions", "op": "INSERT", "record_id": "7", "stage": "title_abstract", '
                          '"reviewer_id": 2}')
    assert c == live.Change("decisions", "INSERT", 7, "title_abstract", 2)
    assert live.parse_change('{"table": "records"}') == live.Change("records")
    for junk in ("", "not json", "[1, 2]", '{"op": "INSERT"}', '{"table": 3}'):
        assert live.parse_change(junk) is None


def test_no_listener_for_a_file_project(tmp_path):
    store = init_project(tmp_path / "f.screener", reviewers=["ana"])
    try:
        assert live.listen_params(store) is None
    finally:
        store.close()


def test_listener_gets_changes_of_its_schema_only(pg_store, pg_project):
    params = live.listen_params(pg_store)
    assert params["keepalives"] == 1 and "context" not in params
    listener = Listening(params)
    try:
        connected = listener.next("connected")
        schema = connected.extra["schema"]
        assert schema.startswith("t_")
        notify(pg_project, {"table": "decisions", "op": "INSERT", "record_id": 1, "reviewer_id": 9,
                            "schema": "some_other_project"})
        t0 = time.monotonic()
        notify(pg_project, {"table": "decisions", "op": "INSERT", "record_id": 2, "stage": "title_abstract",
                            "reviewer_id": 2, "schema": schema})
        ev = listener.next("changes", where=lambda e: any(c.record_id == 2 for c in e.changes))
        assert time.monotonic() - t0 < 2.0
        assert all(c.schema == schema for c in ev.changes)  # the other schema's change was dropped
    finally:
        listener.close()


def test_listener_reconnects_after_its_backend_is_terminated(pg_store, pg_project):
    listener = Listening(live.listen_params(pg_store))
    try:
        first = listener.next("connected")
        pid = first.extra["pid"]
        assert run_sql(pg_project, "SELECT pg_terminate_backend(:pid)", pid=pid)
        lost = listener.next("lost")
        assert lost.error
        again = listener.next("connected")
        assert again.extra["pid"] != pid
        notify(pg_project, {"table": "resolutions", "op": "UPDATE", "record_id": 5})
        ev = listener.next("changes", where=lambda e: any(c.table == "resolutions" for c in e.changes))
        assert ev.changes[0].record_id == 5
    finally:
        listener.close()


def test_listener_keeps_trying_a_closed_port_until_stopped(pg_store):
    params = {**live.listen_params(pg_store), "port": closed_port()}
    listener = Listening(params, backoff=(0.05,))
    try:
        listener.next("lost")
        listener.next("lost")  # it tries again
    finally:
        t0 = time.monotonic()
        listener.close()
        assert time.monotonic() - t0 < 2.0


def test_connection_errors_are_told_apart_from_other_errors(pg_store, pg_project, tmp_path):
    # A server that is not there: refused by psycopg itself and through SQLAlchemy.
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(host="127.0.0.1", port=closed_port(), user="postgres", dbname="test", connect_timeout=3)
    assert live.is_connection_error(refused.value)
    bad = Store(pg_project, sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test"))
    with pytest.raises(sa.exc.OperationalError) as wrapped:
        live.ping(bad)
    bad.close()
    assert live.is_connection_error(wrapped.value)
    # A backend terminated under a connection that is in use.
    eng = sa.create_engine(pg_project)
    with eng.connect() as c:
        pid = c.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        run_sql(pg_project, "SELECT pg_terminate_backend(:pid)", pid=pid)
        with pytest.raises(sa.exc.DBAPIError) as terminated:
            c.execute(sa.text("SELECT 1"))
    eng.dispose()
    assert live.is_connection_error(terminated.value)
    # ...while a bad query, a constraint, or a SQLite error are not about the connection.
    with pytest.raises(sa.exc.ProgrammingError) as syntax:
        with pg_store.read() as s:
            s.execute(sa.text("SELEC 1"))
    assert not live.is_connection_error(syntax.value)
    with pytest.raises(sa.exc.IntegrityError) as integrity:
        with pg_store.unit() as s:
            s.execute(sa.text("INSERT INTO reviewers (id, name, role) VALUES (1, 'again', 'reviewer')"))
    assert not live.is_connection_error(integrity.value)
    with pytest.raises(sqlite3.OperationalError) as lite:
        sqlite3.connect(tmp_path / "x.db").execute("SELECT * FROM nothing")
    assert not live.is_connection_error(lite.value)
    assert not live.is_connection_error(ValueError("no"))
    # and a unit of work after the terminate gets a fresh connection (pool_pre_ping)
    with pg_store.read() as s:
        pids = [s.execute(sa.text("SELECT pg_backend_pid()")).scalar()]
    run_sql(pg_project, "SELECT pg_terminate_backend(:pid)", pid=pids[0])
    live.ping(pg_store)
