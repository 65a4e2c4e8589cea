"""Live changes of a team project: LISTEN on the server's ``screener`` channel, and telling a lost
connection from other database errors.

The server's triggers send ``pg_notify('screener', json)`` when a decision, a resolution or a
record changes; :func:`listen` turns those into :class:`Change` batches for whoever shows the
project (the GUI refreshes its counts from them). It is a plain blocking generator meant for
one background thread: it holds one connection of its own in autocommit mode (a LISTEN inside
an open transaction would hold notifications back until it ends), and when that connection
breaks (a server restart, a network drop) it says so and connects again with backoff, until the
caller asks it to stop. Notifications sent while it was away are lost, so a consumer should
re-read everything after a ``connected`` event that follows a ``lost`` one.

SQLite projects have no server to listen to: :func:`listen_params` returns None for them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from screener.storage.session import Store

CHANNEL = "screener"
#: Seconds between reconnection attempts after a lost connection (the last one repeats).
BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)
#: How long one wait for notifications lasts: also how soon a stop request is noticed.
POLL_S = 0.25
#: Notifications arriving this close together are handed over as one batch.
BATCH_S = 0.05
#: An idle listener checks its connection this often: a dropped network that sent no reset
#: would otherwise leave it waiting forever on a dead socket.
PING_S = 10.0
#: libpq settings of the app's connections to a server: a connect fails within seconds, an idle
#: connection to a peer that went silent is noticed by keepalive probes in about 20 s, and data
#: the network stopped acknowledging (a dropped link) fails a query after 15 s instead of the
#: kernel's many minutes of retransmissions.
CONNECT_OPTIONS = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3,
                   "keepalives_count": 3, "tcp_user_timeout": 15000}
#: SQLSTATEs of a server that went away: connection exceptions (class 08) and shutdowns.
_GONE_STATES = ("57P01", "57P02", "57P03")


@dataclass(frozen=True)
class Change:
    """One row changed on the server: which table, how, and the record/stage/reviewer it concerns."""

    table: str
    op: str = ""
    record_id: int | None = None
    stage: str | None = None
    reviewer_id: int | None = None
    schema: str | None = None


@dataclass(frozen=True)
class LiveEvent:
    """What the listener has to say: ``connected``, ``lost`` (with the error), or ``changes``."""

    kind: str
    changes: tuple[Change, ...] = ()
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def parse_change(payload: str) -> Change | None:
    """The change a notification payload describes, or None for a payload that is not ours."""
    try:
        doc = json.loads(payload)
    except (TypeError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("table"), str):
        return None

    def as_int(value: Any) -> int | None:
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    stage = doc.get("stage")
    schema = doc.get("schema")
    return Change(table=doc["table"], op=str(doc.get("op") or ""), record_id=as_int(doc.get("record_id")),
                  stage=str(stage) if stage is not None else None, reviewer_id=as_int(doc.get("reviewer_id")),
                  schema=str(schema) if schema is not None else None)


def client_options() -> dict[str, int]:
    """The :data:`CONNECT_OPTIONS` this libpq understands (``tcp_user_timeout`` needs libpq 12)."""
    import psycopg

    options = dict(CONNECT_OPTIONS)
    if psycopg.pq.version() < 120000:
        options.pop("tcp_user_timeout")
    return options


def listen_params(store: Store) -> dict[str, Any] | None:
    """psycopg connection keywords for listening to ``store``'s server; None for a SQLite project.

    They are the engine's own (same host, user, password and options such as a search_path),
    plus timeouts that make a lost server show up as an error instead of a hang.
    """
    if store.dialect != "postgresql":
        return None
    _args, params = store.engine.dialect.create_connect_args(store.engine.url)
    params = {k: v for k, v in params.items() if k != "context"}  # SQLAlchemy's adapters, not libpq's
    for key, value in client_options().items():
        params.setdefault(key, value)
    return params


def _connect(params: dict[str, Any]):
    import psycopg

    conn = psycopg.connect(autocommit=True, **params)
    try:
        conn.execute(f"LISTEN {CHANNEL}")
        schema, pid = conn.execute("SELECT current_schema(), pg_backend_pid()").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn, schema, pid


def listen(params: dict[str, Any], stop: threading.Event, poll_s: float = POLL_S,
           backoff: tuple[float, ...] = BACKOFF) -> Iterator[LiveEvent]:
    """Yield the changes the server announces until ``stop`` is set; reconnect when the link breaks.

    Events: ``connected`` once the LISTEN is in place (again), ``lost`` with the error when the
    connection broke or could not be made (then it waits ``backoff`` and tries again), and
    ``changes`` with a batch of :class:`Change`. Notifications about another schema of the same
    database (a payload naming a ``schema`` that is not this connection's) are dropped.
    """
    import psycopg

    attempt = 0
    while not stop.is_set():
        conn = None
        try:
            conn, schema, pid = _connect(params)
            attempt = 0
            yield LiveEvent("connected", extra={"schema": schema, "pid": pid})
            last_seen = time.monotonic()
            while not stop.is_set():
                batch: list[Change] = []
                for note in conn.notifies(timeout=poll_s):
                    change = parse_change(note.payload)
                    if change is not None and (change.schema is None or change.schema == schema):
                        batch.append(change)
                if batch:
                    # Others' decisions tend to come in bursts: a short wait merges a burst.
                    for note in conn.notifies(timeout=BATCH_S):
                        change = parse_change(note.payload)
                        if change is not None and (change.schema is None or change.schema == schema):
                            batch.append(change)
                    yield LiveEvent("changes", tuple(batch))
                    last_seen = time.monotonic()
                elif time.monotonic() - last_seen > PING_S:
                    conn.execute("SELECT 1")
                    last_seen = time.monotonic()
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if stop.is_set():
                break
            yield LiveEvent("lost", error=error_text(exc))
            stop.wait(backoff[min(attempt, len(backoff) - 1)])
            attempt += 1
        finally:
            if conn is not None:
                conn.close()


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the database server could not be reached (not a bug, not bad input).

    True for a PostgreSQL connection that failed or broke (refused, reset, terminated by the
    administrator, server shut down); False for every other error, SQLite's included.
    """
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    if isinstance(exc, psycopg.InterfaceError):
        return True
    if isinstance(exc, psycopg.OperationalError):
        state = getattr(exc, "sqlstate", None)
        return state is None or state.startswith("08") or state in _GONE_STATES
    return False


def ping(store: Store) -> None:
    """Run a trivial query on a fresh unit of work: raises if the server is still unreachable."""
    with store.read() as s:
        s.execute(text("SELECT 1"))


def error_text(exc: BaseException) -> str:
    """The first line of an error's message: what to show of a connection failure."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig  # the driver's words, without SQLAlchemy's wrapping
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
