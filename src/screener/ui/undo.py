"""Undo and redo of decisions: each command swaps one reviewer's decision between two snapshots.

A snapshot is the plain dict that services.screening stores in its event log (label, reasons,
tags, note), or None for "no decision", so undo writes exactly what was there before through
``restore_decision`` and the event log records the undo like any other change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from screener.ui.session import ScreeningSession

State = dict[str, Any] | None


class DecisionCommand(QUndoCommand):
    def __init__(self, session: "ScreeningSession", record_id: int, stage: str, before: State, after: State,
                 text: str):
        super().__init__(text)
        self._session = session
        self.record_id, self.stage, self.before, self.after = record_id, stage, before, after
        self._pushed = False

    def redo(self) -> None:
        first = not self._pushed
        self._pushed = True
        self._session.apply_state(self.record_id, self.stage, self.after, origin="gui" if first else "redo",
                                  first=first)
        if not first:
            self._session.show_record(self.record_id, self.stage)

    def undo(self) -> None:
        self._session.apply_state(self.record_id, self.stage, self.before, origin="undo")
        self._session.show_record(self.record_id, self.stage)
