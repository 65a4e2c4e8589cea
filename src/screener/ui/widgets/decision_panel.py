"""Decision buttons, the exclusion-reason picker driven by number keys, and the note."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QSizePolicy, QVBoxLayout, QWidget)

from screener.services.dto import ReasonInfo
from screener.ui import theme

PICK_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")


class NoteEdit(QPlainTextEdit):
    """A note that is committed when focus leaves it, on Ctrl+Enter, or on Esc."""

    committed = Signal(str)
    leave = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._original = ""
        self.setTabChangesFocus(True)

    def set_note(self, text: str) -> None:
        self._original = text
        if self.toPlainText() != text:
            self.setPlainText(text)

    def commit(self) -> None:
        text = self.toPlainText()
        if text.strip() != self._original.strip():
            self._original = text
            self.committed.emit(text)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.commit()
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if (enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier) or event.key() == Qt.Key.Key_Escape:
            self.commit()
            self.leave.emit()
            return
        super().keyPressEvent(event)


class DecisionPanel(QWidget):
    decide_requested = Signal(str)  # include | exclude | maybe (exclude may then open the picker)
    exclude_with = Signal(list)  # reason names chosen in the picker
    reasons_changed = Signal(list)  # reasons of an existing exclusion edited with the mouse
    note_committed = Signal(str)
    note_left = Signal()
    picking_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Decision"))
        self._reasons: list[ReasonInfo] = []
        self._required = False
        self._state: dict[str, Any] | None = None
        self._syncing = False
        self.picking = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.state_label = QLabel()
        self.state_label.setAccessibleName(self.tr("Your decision"))
        self.state_label.setTextFormat(Qt.TextFormat.RichText)
        # One line, no word wrap: a wrapping label asks its layout for a new height on every
        # setText, which relayouts and repaints the whole window after each decision.
        self.state_label.setWordWrap(False)
        layout.addWidget(self.state_label)

        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for label, text in (("include", self.tr("Include")), ("exclude", self.tr("Exclude")),
                            ("maybe", self.tr("Maybe"))):
            b = QPushButton(theme.icon(label), text)
            b.setIconSize(QSize(18, 18))
            b.setMinimumHeight(34)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep focus (and arrow keys) on the list
            b.setAccessibleName(text)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.clicked.connect(lambda _=False, lab=label: self.decide_requested.emit(lab))
            self.buttons[label] = b
            row.addWidget(b)
        layout.addLayout(row)

        self.reason_box = QGroupBox(self.tr("Exclusion reasons"))
        rb = QVBoxLayout(self.reason_box)
        self.reason_list = QListWidget()
        self.reason_list.setAccessibleName(self.tr("Exclusion reasons"))
        self.reason_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reason_list.itemChanged.connect(self._on_item_changed)
        self.reason_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reason_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        rb.addWidget(self.reason_list)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName(self.tr("Reason picker help"))
        rb.addWidget(self.hint)
        pick_row = QHBoxLayout()
        self.confirm_button = QPushButton(self.tr("Exclude with these reasons"))
        self.confirm_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.confirm_button.clicked.connect(self.confirm_pick)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self.cancel_pick)
        pick_row.addWidget(self.confirm_button)
        pick_row.addWidget(self.cancel_button)
        rb.addLayout(pick_row)
        layout.addWidget(self.reason_box)

        self.note = NoteEdit()
        self.note.setPlaceholderText(self.tr("Note (N to write, Esc when done)"))
        self.note.setAccessibleName(self.tr("Note"))
        self.note.setMaximumHeight(70)
        self.note.committed.connect(self.note_committed)
        self.note.leave.connect(self.note_left)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self._pick_shortcuts: list[QShortcut] = []
        self._update_picker()

    # -- keys -------------------------------------------------------------------------------------

    def install_pick_keys(self, window: QWidget) -> None:
        """Number keys, Enter and Esc on ``window``; live only while the picker is open."""
        for i, key in enumerate(PICK_KEYS):
            sc = QShortcut(QKeySequence(key), window)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(lambda n=i: self.pick_number(n))
            self._pick_shortcuts.append(sc)
        for key, slot in (("Return", self.confirm_pick), ("Enter", self.confirm_pick), ("Esc", self.cancel_pick)):
            sc = QShortcut(QKeySequence(key), window)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            self._pick_shortcuts.append(sc)
        self._update_picker()

    def set_shortcut_hints(self, keys: dict[str, str]) -> None:
        for label, b in self.buttons.items():
            key = QKeySequence(keys.get(label, "")).toString(QKeySequence.SequenceFormat.NativeText)
            b.setToolTip(self.tr("%1 (%2)").replace("%1", b.text()).replace("%2", key) if key else b.text())
            b.setText(f"{b.accessibleName()}  [{key}]" if key else b.accessibleName())

    # -- content ------------------------------------------------------------------------------------

    def set_reasons(self, reasons: list[ReasonInfo] | tuple[ReasonInfo, ...], required: bool) -> None:
        self._reasons = list(reasons)
        self._required = required
        self.set_state(self._state)

    def set_enabled_for_record(self, enabled: bool) -> None:
        for b in self.buttons.values():
            b.setEnabled(enabled)
        self.note.setEnabled(enabled)
        if not enabled:
            self.cancel_pick()

    def set_state(self, state: dict[str, Any] | None, draft: dict[str, Any] | None = None) -> None:
        """Show the reviewer's decision on the shown record (and what is drafted for it)."""
        self._state = state
        draft = draft or {}
        if state is None:
            self.state_label.setText(self.tr("Your decision: <i>none yet</i>"))
        else:
            label = state["label"]
            text = {"include": self.tr("Include"), "exclude": self.tr("Exclude"), "maybe": self.tr("Maybe")}[label]
            self.state_label.setText(self.tr("Your decision: %1").replace(
                "%1", f"<b style='color:{theme.hex_color(label)}'>{text}</b>"))
        for label, b in self.buttons.items():
            b.setCheckable(True)
            b.setChecked(state is not None and state["label"] == label)
        chosen = set(state.get("reasons", [])) if state else set()
        self._fill_reasons(chosen)
        self.note.set_note(state.get("note", "") if state else draft.get("note", ""))
        self._update_picker()

    def _fill_reasons(self, chosen: set[str]) -> None:
        self._syncing = True
        self.reason_list.clear()
        rows = max(1, min(len(self._reasons), 10))
        self.reason_list.setFixedHeight(rows * (self.fontMetrics().height() + 6) + 6)
        for i, r in enumerate(self._reasons):
            key = PICK_KEYS[i] if i < len(PICK_KEYS) else " "
            item = QListWidgetItem(f"{key}  {r.name}")
            item.setData(Qt.ItemDataRole.UserRole, r.name)
            item.setToolTip(r.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if r.name in chosen else Qt.CheckState.Unchecked)
            self.reason_list.addItem(item)
        self._syncing = False

    def checked_reasons(self) -> list[str]:
        return [self.reason_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.reason_list.count())
                if self.reason_list.item(i).checkState() == Qt.CheckState.Checked]

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        if self._syncing or self.picking:
            return
        if self._state is not None and self._state["label"] == "exclude":
            self.reasons_changed.emit(self.checked_reasons())

    # -- the picker ------------------------------------------------------------------------------------

    def begin_pick(self) -> None:
        self.picking = True
        self._fill_reasons(set(self._state.get("reasons", [])) if self._state and self._state["label"] == "exclude"
                           else set())
        self._update_picker()
        self.picking_changed.emit(True)

    def pick_number(self, n: int) -> None:
        if not self.picking or n >= len(self._reasons):
            return
        self._end_pick()
        self.exclude_with.emit([self._reasons[n].name])

    def confirm_pick(self) -> None:
        if not self.picking:
            return
        chosen = self.checked_reasons()
        if not chosen and self._required:
            self.hint.setText(self.tr("<b>A reason is required at this stage.</b> Press its number key."))
            return
        self._end_pick()
        self.exclude_with.emit(chosen)

    def cancel_pick(self) -> None:
        if self.picking:
            self._end_pick()
            self.set_state(self._state)

    def _end_pick(self) -> None:
        self.picking = False
        self._update_picker()
        self.picking_changed.emit(False)

    def _update_picker(self) -> None:
        for sc in self._pick_shortcuts:
            sc.setEnabled(self.picking)
        exclude_state = self._state is not None and self._state["label"] == "exclude"
        self.reason_box.setVisible(bool(self._reasons) and (self.picking or exclude_state))
        self.confirm_button.setVisible(self.picking)
        self.cancel_button.setVisible(self.picking)
        if self.picking:
            self.reason_box.setTitle(self.tr("Why exclude?"))
            self.hint.setText(self.tr("Press a number to exclude with that reason; or tick several and press "
                                      "Enter; Esc cancels.") if not self._required else
                              self.tr("A reason is required here: press its number (or tick several and press "
                                      "Enter); Esc cancels."))
        else:
            self.reason_box.setTitle(self.tr("Exclusion reasons"))
            self.hint.setText(self.tr("Tick or untick to change the reasons."))
