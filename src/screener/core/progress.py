"""A Qt-free progress and cancel channel that services accept from the CLI and the GUI alike."""

from __future__ import annotations

import threading
from collections.abc import Callable

from screener.core.errors import Cancelled


class Progress:
    """Reports how far long work has come and lets another thread ask it to stop.

    The GUI wraps it to emit signals; the CLI prints to stderr or passes ``None``.
    Work calls :meth:`check` at safe points, so a cancel rolls back a whole unit of work.
    """

    def __init__(self, callback: Callable[[int, int, str], None] | None = None):
        self._callback = callback
        self._cancel = threading.Event()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        self.check()
        if self._callback is not None:
            self._callback(done, total, text)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


def checkpoint(progress: Progress | None, done: int = 0, total: int = 0, text: str = "") -> None:
    """Report to ``progress`` if there is one; a no-op for callers that passed ``None``."""
    if progress is not None:
        progress.report(done, total, text)
