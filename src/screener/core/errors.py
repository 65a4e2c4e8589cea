"""Errors a user can cause and fix, as opposed to bugs.

Anything derived from :class:`UserError` is shown as one clear message (CLI: one line on
stderr, exit code 1; GUI: a message box). Every other exception is a bug and gets a report.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or environment, with a message that says what and where."""


class FileFormatError(UserError):
    """A file that cannot be read at all (empty, binary, wrong encoding, unknown format)."""

    def __init__(self, path: str, reason: str, line: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


class ProjectVersionError(UserError):
    """The project was written by a newer screener, or is not a screener project at all."""


class NotFoundError(UserError):
    """A record, reviewer, reason or tag named by the user does not exist."""


class ConflictError(UserError):
    """Someone else changed a shared row (settings, taxonomy, a record, a resolution) since it was
    read; the edit was not saved, so nothing was overwritten. Reload and edit again."""


class PermissionDeniedError(UserError):
    """The team server refused: the connection's role may not do this (e.g. a reviewer changing
    the settings, or acting as another reviewer)."""


class ServerConnectionError(UserError):
    """The connection to the team server failed or was lost.

    ``saved`` says what became of the change: False when it was certainly not saved, None when the
    connection dropped during the commit and it cannot be known (read the data back).
    """

    def __init__(self, message: str, saved: bool | None = False):
        super().__init__(message)
        self.saved = saved


class Cancelled(Exception):
    """Raised inside long work when the user pressed Cancel; the unit of work rolls back."""
