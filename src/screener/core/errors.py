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


class Cancelled(Exception):
    """Raised inside long work when the user pressed Cancel; the unit of work rolls back."""
