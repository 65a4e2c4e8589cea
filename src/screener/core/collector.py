"""Pausing Python's cycle collector during bulk work.

Reading a 100k-record file allocates millions of lists, dicts and records and frees most of
them soon after; none form reference cycles. The collector still walks them every few
thousand allocations, which costs a tenth of an import. Its pause is process-wide, so nested
and concurrent pauses are counted, and the collector runs again when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Leave cycle collection off for the block (it is back on afterwards if it was on before)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
