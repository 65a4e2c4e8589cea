"""Backups of a project file: File → Back up, and an automatic one a day.

A backup is made with SQLite's backup API (:func:`screener.storage.engine.copy_database`): one
read transaction gives a consistent snapshot while others keep screening (WAL lets writers go
on), the copy is checked with ``integrity_check``, and it appears under its name only when
whole. Automatic backups go to ``<project stem>_backups/`` beside the project file, one when
the project is opened and the newest is more than a day old; the newest few are kept.

PDFs in the attachment folder are plain files and are not part of a backup. A project on a
PostgreSQL server is backed up by its server (``pg_dump``), or copied to a file with
``screener pull``.
"""

from __future__ import annotations

import errno
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from screener.core.errors import UserError
from screener.storage.engine import DiskFullError, copy_database
from screener.storage.session import Store

#: How many automatic backups are kept (the newest ones).
KEEP = 7
#: An automatic backup is made when the newest one is older than this.
MAX_AGE = timedelta(days=1)
_STAMP = "%Y%m%d-%H%M%S"
_AUTO = re.compile(r"-auto-(\d{8}-\d{6})(?:-(\d+))?$")


@dataclass(frozen=True)
class BackupInfo:
    path: str
    size: int
    created: datetime
    automatic: bool


def backup_dir(store: Store) -> Path:
    """The folder of automatic backups, beside the project file (not created here)."""
    p = Path(store.project)
    return p.with_name(f"{p.stem}_backups")


def backup_project(store: Store, target: str | Path | None = None, automatic: bool = False) -> BackupInfo:
    """Copy the open project to ``target`` (default: a new dated file in the backup folder).

    Screening can go on meanwhile. Raises a :class:`UserError` for a server project, a target
    that is the project itself, or a place that cannot be written or is full; nothing is left
    under the target's name then.
    """
    if not store.is_file:
        raise UserError(f"{store.project}: a project on a server is backed up by the server (pg_dump); "
                        "`screener pull URL FILE.screener` makes a file copy")
    project = Path(store.project)
    now = datetime.now()
    if target is None:
        target = _free_name(backup_dir(store), f"{project.stem}-{'auto-' if automatic else ''}{now.strftime(_STAMP)}",
                            project.suffix or ".screener")
    target = Path(target)
    if target.resolve() == project.resolve():
        raise UserError(f"{target}: a backup cannot replace the project itself; choose another name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_database(project, target)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(f"{target}: the disk is full; no backup was written") from None
        raise UserError(f"{target}: cannot write the backup ({exc.strerror or exc})") from None
    except sqlite3.Error as exc:
        text = str(exc).lower()
        if "full" in text:
            raise DiskFullError(f"{target}: the disk is full; no backup was written") from None
        if "unable to open" in text or "readonly" in text or "i/o" in text:
            raise UserError(f"{target}: cannot write the backup ({exc})") from None
        raise
    return BackupInfo(str(target), target.stat().st_size, now, automatic)


def list_backups(store: Store) -> list[BackupInfo]:
    """The automatic backups in the backup folder, newest first."""
    folder = backup_dir(store)
    if not store.is_file or not folder.is_dir():
        return []
    found = []
    for p in folder.glob(f"{Path(store.project).stem}-auto-*"):
        m = _AUTO.search(p.stem)
        if not m or not p.is_file():
            continue
        info = BackupInfo(str(p), p.stat().st_size, datetime.strptime(m.group(1), _STAMP), True)
        found.append((info.created, int(m.group(2) or 1), info))  # -2, -3: later in the same second
    return [info for *_, info in sorted(found, key=lambda x: x[:2], reverse=True)]


def auto_backup(store: Store, keep: int = KEEP, max_age: timedelta = MAX_AGE,
                now: datetime | None = None) -> BackupInfo | None:
    """The daily backup, run when a project is opened: a new copy when the newest is older than
    ``max_age`` (None when none was due), then all but the newest ``keep`` automatic ones go.

    Skipped for server projects and read-only ones (nowhere to write).
    """
    if not store.is_file or store.read_only:
        return None
    now = now or datetime.now()
    existing = list_backups(store)
    if existing and now - existing[0].created < max_age:
        return None
    info = backup_project(store, automatic=True)
    for old in list_backups(store)[max(keep, 1):]:
        Path(old.path).unlink(missing_ok=True)
    return info


def _free_name(folder: Path, stem: str, suffix: str) -> Path:
    target = folder / f"{stem}{suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target
