"""The lock beside a project file: one app instance writes a project, others may read it.

``review.screener`` gets ``review.screener.lock`` while an app instance has it open for writing.
The lock is an operating-system file lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows)
held on that file for as long as the project is open, so it can never outlive its process: after
a crash or a ``kill -9`` the OS drops it and the next instance takes it over ("stale lock
recovered"). The file's content (pid, host, user, since when) only serves to tell the user who
has the project open; the OS lock is what decides.

SQLite itself serialises writers safely, so the command line does not take this lock: a
``screener decide`` run beside the GUI waits briefly for the write lock instead of failing. The
lock exists so that two people (or two windows) do not screen the same file at the same time
without knowing it; the second one is offered the project read-only.

Where nothing can be written at all (a read-only folder, share or medium) there is no lock to
take: :func:`write_blocker` says why, and the project is opened read-only with that reason.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from screener.core.errors import UserError

SUFFIX = ".lock"


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a project's lock, as written in the lock file."""

    pid: int
    host: str
    user: str
    since: str
    app: str = "screener"

    def describe(self) -> str:
        since = self.since[:16].replace("T", " ") if self.since else "an unknown time"
        return f"{self.user or 'someone'} on {self.host or 'an unknown computer'} (process {self.pid}) since {since}"


class ProjectLockedError(UserError):
    """Another app instance has the project open for writing; it can still be opened read-only."""

    def __init__(self, project: str, holder: LockHolder | None):
        self.project = project
        self.holder = holder
        who = holder.describe() if holder else "another screener window"
        super().__init__(f"{project}: the project is open in another screener ({who}); "
                         "it can be opened read-only")


def lock_path(project: str | Path) -> Path:
    p = Path(project)
    return p.with_name(p.name + SUFFIX)


def read_holder(path: str | Path) -> LockHolder | None:
    """The holder recorded in a lock file, or None when there is none or it cannot be read."""
    try:
        raw = Path(path).read_bytes()[:4096]
        data = json.loads(raw.decode("utf-8"))
        return LockHolder(int(data["pid"]), str(data.get("host", "")), str(data.get("user", "")),
                          str(data.get("since", "")), str(data.get("app", "screener")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_blocker(project: str | Path) -> str:
    """Why nothing can be written to a project file, or "" when it can be.

    SQLite needs to write the file itself and to create its journal (``-wal``/``-shm``) and our
    lock file beside it, so a folder that cannot be written makes the project read-only too.
    """
    p = Path(project)
    folder = p.parent if str(p.parent) else Path(".")
    if not os.access(p, os.W_OK):
        return f"the file {p.name} cannot be written (no write permission or a read-only medium)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} cannot be written (no write permission or a read-only medium)"
    return ""


class ProjectLock:
    """An exclusive lock on one project file, held from :meth:`acquire` to :meth:`release`.

    ``recovered`` names the previous holder when a lock left by a crashed instance was taken over.
    """

    def __init__(self, project: str | Path):
        self.project = Path(project)
        self.path = lock_path(project)
        self.recovered: LockHolder | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "ProjectLock":
        """Take the lock, or raise :class:`ProjectLockedError` naming who has it.

        ``OSError`` (typically permission denied or a read-only file system) means no lock can
        be taken here at all; callers open the project read-only then.
        """
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if not _try_lock(fd):
                    raise ProjectLockedError(str(self.project), read_holder(self.path))
                # Another instance may have released and deleted the file between our open and
                # our lock: then we hold a lock on a file no one else will look at. Start again.
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except FileNotFoundError:
                    same = False
                if not same:
                    _unlock(fd)
                    os.close(fd)
                    continue
                previous = read_holder(self.path)
                if previous is not None:
                    self.recovered = previous  # the file survived its holder: a crash
                _write_holder(fd)
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            return self
        raise OSError(errno.EAGAIN, f"cannot take the lock {self.path}: it keeps changing")

    def release(self) -> None:
        """Give the lock up and remove its file (a crash leaves the file; the OS lock goes anyway)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Remove the file while still holding the lock, so no one can take a lock on a file
            # that is about to disappear (see acquire).
            if os.name == "posix":
                try:
                    os.unlink(self.path)
                except OSError:
                    pass
            _unlock(fd)
        finally:
            os.close(fd)
        if os.name != "posix":
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def __enter__(self) -> "ProjectLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _write_holder(fd: int) -> None:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        user = str(os.getuid()) if hasattr(os, "getuid") else ""
    info = {"pid": os.getpid(), "host": socket.gethostname(), "user": user,
            "since": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"), "app": "screener"}
    data = json.dumps(info).encode("utf-8")
    if os.name == "posix":
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    else:  # no pwrite on Windows
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)
        os.ftruncate(fd, len(data))
    os.fsync(fd)


if os.name == "posix":
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
else:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
