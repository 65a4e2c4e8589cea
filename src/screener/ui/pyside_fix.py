"""A guard against PySide6 builds that drop references to None and True on Python < 3.12.

PySide6 6.12.0 on Python 3.11 loses one reference to ``None`` each time C++ calls a Python
override that returns None (every ``data()`` role a model does not answer, every event handler)
and one reference to ``True`` on each ``Signal.emit``. Python 3.12 made these objects immortal,
which hides the bug there; on 3.11 their reference counts fall by thousands per second in a
table view until the interpreter aborts ("deallocating None"). This module detects the leak at
start-up and, only then, keeps those counts far from zero with a periodic top-up. It changes
nothing on a Python or PySide6 that does not leak.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QSortFilterProxyModel, QTimer, Signal

_FLOOR = 1 << 29  # top up when a count falls below this...
_TOP_UP = 1 << 30  # ...by this much: ~10^9 leaked references, minutes of the worst case
_INTERVAL_MS = 5000
_SINGLETONS = (None, True, False)


class _Probe(QObject):
    fired = Signal(int)


class _NoneModel(QAbstractListModel):
    def rowCount(self, parent=QModelIndex()):
        return 1

    def data(self, index, role=0):
        return None


def _refcount(obj) -> ctypes.c_ssize_t:
    # ob_refcnt is the first field of every object in CPython < 3.12 (the only case handled here).
    return ctypes.c_ssize_t.from_address(id(obj))


def leaks_singletons(n: int = 64) -> bool:
    """Whether this PySide6 loses references to None or True (always False on Python ≥ 3.12)."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    model = _NoneModel()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    index = proxy.index(0, 0)
    before = sys.getrefcount(None)
    for _ in range(n):
        proxy.data(index, 1)  # C++ calls the Python data(), which returns None
    lost_none = before - sys.getrefcount(None)
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(n):
        probe.fired.emit(1)
    lost_true = before - sys.getrefcount(True)
    return lost_none >= n // 2 or lost_true >= n // 2


def top_up() -> None:
    for obj in _SINGLETONS:
        count = _refcount(obj)
        if count.value < _FLOOR:
            count.value += _TOP_UP


_timer: QTimer | None = None


def install(parent: QObject | None = None) -> bool:
    """Start the guard if this build leaks; returns whether it was needed."""
    global _timer
    if _timer is not None:
        return True
    if not leaks_singletons():
        return False
    top_up()
    _timer = QTimer(parent)
    _timer.setInterval(_INTERVAL_MS)
    _timer.timeout.connect(top_up)
    _timer.start()
    return True
