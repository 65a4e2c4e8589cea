"""A project store: one engine and short sessions, one per unit of work."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from screener.core.errors import ConflictError, PermissionDeniedError, ServerConnectionError, UserError

from screener.storage.engine import ProjectReadOnlyError, create_database, is_url, open_database, write_failure
from screener.storage.lock import ProjectLock, write_blocker


class Store:
    """Holds the engine of one open project and hands out short-lived sessions.

    Sessions are never shared between threads: each unit of work opens its own with
    :meth:`unit`, which commits on success and rolls back on any exception (including a cancel).
    """

    def __init__(self, project: str | Path, engine: Engine, read_only_reason: str = "",
                 lock: ProjectLock | None = None):
        self.project = str(project)
        self.engine = engine
        #: Why the project is open read-only ("" when it can be written).
        self.read_only_reason = read_only_reason
        self.lock = lock
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def create(cls, project: str | Path) -> "Store":
        return cls(project, create_database(project))

    @classmethod
    def open(cls, project: str | Path, read_only: bool = False, lock: bool = False) -> "Store":
        """Open a project; read-only when asked, or when its file or folder cannot be written.

        ``lock`` (the desktop app) takes the lock beside a project file and raises
        :class:`~screener.storage.lock.ProjectLockedError` while another instance holds it.
        """
        reason = "opened read-only" if read_only else ""
        held = None
        if not is_url(str(project)):
            reason = reason or write_blocker(project)
            if lock and not reason:
                try:
                    held = ProjectLock(project).acquire()
                except OSError as exc:
                    reason = f"no lock file can be made beside it: {exc.strerror or exc}"
        try:
            return cls(project, open_database(project, read_only=bool(reason)), reason, held)
        except BaseException:
            if held is not None:
                held.release()
            raise

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    def check_writable(self) -> None:
        """Raise :class:`ProjectReadOnlyError` (a user error saying why) on a read-only project."""
        if self.read_only:
            raise ProjectReadOnlyError(f"{self.project}: the project is open read-only ({self.read_only_reason}); "
                                       "nothing was changed")

    @property
    def is_file(self) -> bool:
        return not is_url(self.project)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit(self) -> Iterator[Session]:
        session = self._factory()
        try:
            self._begin_write(session)
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            self._raise_plainly(exc)
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
        except DBAPIError as exc:
            failure = server_failure(exc, self.project)
            if failure is not None:
                raise failure from exc
            raise
        finally:
            # close() ends the transaction without expiring what was loaded, so plain values
            # read inside the block stay usable after it.
            session.close()

    def run(self, work: Callable[[Session], T], verify: Callable[[Session, T], bool] | None = None,
            attempts: int = 6) -> T:
        """``work(session)`` as one unit of work, run again when the server says "try again".

        A serialization failure, a deadlock, a unique-key race or a connection lost before the
        commit left nothing saved, so the work simply runs again on a fresh session (the pool
        replaces a dead connection). A connection lost *during* the commit leaves the outcome
        unknown: ``verify(session, result)`` then reads whether the work's change is there
        (a unique marker it wrote); without it, a :class:`ServerConnectionError` with
        ``saved=None`` says so. ``work`` must be safe to run more than once.
        """
        for attempt in range(1, attempts + 1):
            session = self._factory()
            committing = False
            try:
                self._begin_write(session)
                result = work(session)
                committing = True
                session.commit()
                return result
            except Exception as exc:
                session.rollback()
                lost = _disconnected(exc)
                if lost and committing:
                    saved = self._verified(verify, result) if verify is not None else None
                    if saved:
                        return result
                    if saved is None:
                        raise ServerConnectionError(
                            f"{_hide_password(self.project)}: the connection to the server was lost while "
                            "saving; the change may or may not be saved: reload to see", saved=None) from exc
                if attempt < attempts and (_transient(exc) or lost):
                    time.sleep(min(2.0, 0.05 * 2 ** (attempt - 1)) * (0.5 + random.random()))
                    continue
                self._raise_plainly(exc)
                raise
            finally:
                session.close()
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _raise_plainly(self, exc: BaseException) -> None:
        """Raise a full disk, a read-only file or a lost server as the user's to fix, not a bug."""
        failure = write_failure(exc, self.project, self.read_only_reason) if isinstance(exc, DBAPIError) else None
        failure = failure or server_failure(exc, self.project)
        if failure is not None:
            raise failure from exc

    def _begin_write(self, session: Session) -> None:
        if self.dialect == "sqlite" and not self.read_only:
            # Python's sqlite3 opens a transaction only at the first INSERT/UPDATE/DELETE, so
            # what a unit read before that came from another snapshot, and a second writer's
            # commit in between broke a unique key or was overwritten. The write lock first
            # makes the unit one transaction; other writers wait (busy timeout).
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")

    def _verified(self, verify: Callable[[Session, T], bool], result: T) -> bool | None:
        """Whether the work whose commit lost its connection is saved; None when that cannot be read."""
        for attempt in range(3):
            try:
                with self.read() as s:
                    return bool(verify(s, result))
            except DBAPIError as exc:
                if not _disconnected(exc):
                    raise
                time.sleep(0.2 * (attempt + 1))
        return None

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


T = TypeVar("T")
#: SQLSTATEs after which running the same unit of work again is the right answer:
#: serialization failure, deadlock, and a unique-key race (the rerun sees the other row).
RETRY_STATES = {"40001", "40P01", "23505"}


def _sqlstate(exc: BaseException) -> str:
    return str(getattr(getattr(exc, "orig", None), "sqlstate", "") or "")


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and _sqlstate(exc) in RETRY_STATES


def _disconnected(exc: BaseException) -> bool:
    # connection_invalidated: the pool saw the connection die (server restart, network drop,
    # pg_terminate_backend); 08xxx: the server could not be reached at all.
    # 57P0x: the server is shutting down or starting. A psycopg OperationalError without any
    # SQLSTATE is a connection-level failure (refused, reset); sqlite3's errors have no sqlstate.
    if not isinstance(exc, DBAPIError):
        return False
    state = _sqlstate(exc)
    return bool(exc.connection_invalidated or state.startswith("08") or state in ("57P01", "57P02", "57P03")
                or (type(exc.orig).__name__ == "OperationalError" and hasattr(exc.orig, "sqlstate") and not state))


def expect_version(row, version: int | None, what: str) -> None:
    """Refuse an edit made on an older copy of a shared row (optimistic concurrency).

    A service that lets a user edit what they read earlier (a settings dialog, the taxonomy
    editor) passes the ``version`` it showed; the flush then re-checks it in the UPDATE, so
    an edit between this check and the commit is refused too (ConflictError).
    """
    if version is not None and row.version != version:
        raise ConflictError(f"{what} was changed by someone else since you opened it (version {version}, now "
                            f"{row.version}); your edit was not saved (nothing was overwritten). Reload and try again")


def _hide_password(where: str) -> str:
    if "://" not in where:
        return where
    from sqlalchemy.engine import make_url

    return make_url(where).render_as_string(hide_password=True)


def server_failure(exc: BaseException, where: str) -> UserError | None:
    """The user-facing error for a conflict or a refusal by a shared server, or None.

    A lost connection stays the driver's error (the GUI tells those apart and reconnects);
    :meth:`Store.run` retries it first.
    """
    where = _hide_password(where)
    if isinstance(exc, StaleDataError):
        m = re.search(r"on table '([^']+)'", str(exc))
        what = f"the {m.group(1)} row" if m else "a shared row"
        return ConflictError(f"{where}: someone else changed {what} since it was read; your edit was not saved "
                             "(nothing was overwritten). Reload and try again")
    if isinstance(exc, DBAPIError) and _sqlstate(exc) == "42501":
        first = (str(exc.orig).strip().splitlines() or [""])[0]
        return PermissionDeniedError(f"{where}: the server refused ({first}); nothing was changed")
    return None
