"""Optimistic concurrency for the rows a team shares: an edit names the version it was made on.

Settings, reasons, tags, records and resolutions carry a ``version`` that SQLAlchemy bumps on
every UPDATE and re-checks in its WHERE clause (``version_id_col``), so a change committed
*while* a save runs is refused at the flush. That alone misses the common case: a dialog left
open for an hour, whose edit is made on the copy it read back then. So a service that edits a
shared row takes the ``version`` its caller read and refuses a different one *before* touching
the row, with a message that says what changed and, when the row records it, by whom.

``version=None`` means "no check" (a one-shot CLI command acts on what is there now); the GUI
always passes what it showed.
"""

from __future__ import annotations

from typing import Any

from screener.core.errors import ConflictError

#: Stages as a sentence names them.
STAGE_NAMES = {"title_abstract": "title/abstract", "full_text": "full-text"}
RELOAD = "your edit was not saved (nothing was overwritten); reload and try again"


def check_version(row: Any, version: int | None, what: str, since: str = "since you opened it",
                  by: str = "", plural: bool = False) -> None:
    """Raise :class:`ConflictError` when ``row`` is not the ``version`` the caller read.

    ``what`` names the row for a person ("the tag 'Task > Segmentation'"); ``by`` who changed it,
    when known. A row that is gone (``row`` None) while a version was given was removed by
    someone else.
    """
    if version is None:
        return
    who = f"by {by}" if by else "by someone else"
    verb = "were" if plural else "was"
    if row is None:
        raise ConflictError(f"{what} {verb} removed {who} {since}; {RELOAD}")
    if int(row.version) != int(version):
        raise ConflictError(f"{what} {verb} changed {who} {since}; {RELOAD}")
