"""Keyboard shortcuts: pick a preset (screener, Rayyan, ASReview) and change any key."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QKeySequenceEdit,
                               QLabel, QScrollArea, QVBoxLayout, QWidget)

from screener.ui import config, keys


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.resize(460, 600)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.preset = QComboBox()
        self.preset.setAccessibleName(self.tr("Preset"))
        for name, text in keys.PRESET_NAMES.items():
            self.preset.addItem(text, name)
        self.preset.setCurrentIndex(self.preset.findData(keys.current_preset()))
        self.preset.currentIndexChanged.connect(self._load_preset)
        form.addRow(self.tr("&Preset:"), self.preset)
        layout.addLayout(form)
        self.edits: dict[str, QKeySequenceEdit] = {}
        inner = QWidget()
        grid = QFormLayout(inner)
        current = keys.bindings()
        for cmd in keys.COMMANDS:
            edit = QKeySequenceEdit(QKeySequence(current.get(cmd.name, "")))
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            edit.setAccessibleName(keys.command_text(cmd.name))
            edit.keySequenceChanged.connect(lambda _s: self._check())
            grid.addRow(keys.command_text(cmd.name) + ":", edit)
            self.edits[cmd.name] = edit
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        self.ask_reason = QCheckBox(self.tr("After Exclude, ask for a reason even where it is optional"))
        self.ask_reason.setChecked(config.get_bool(config.Key.ASK_REASON, True))
        layout.addWidget(self.ask_reason)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        layout.addWidget(self.warning)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._check()

    def current(self) -> dict[str, str]:
        return {name: e.keySequence().toString() for name, e in self.edits.items()}

    def _load_preset(self) -> None:
        for name, key in keys.preset_bindings(self.preset.currentData()).items():
            self.edits[name].setKeySequence(QKeySequence(key))

    def _check(self) -> bool:
        clash = keys.conflicts(self.current())
        text = "; ".join(self.tr("%1 is used by: %2").replace("%1", k.upper()).replace(
            "%2", ", ".join(keys.command_text(n) for n in names)) for k, names in clash.items())
        self.warning.setText(text)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not clash)
        return not clash

    def save(self) -> None:
        if self._check():
            keys.save(self.preset.currentData(), self.current())
            config.set_value(config.Key.ASK_REASON, self.ask_reason.isChecked())
            self.accept()
