"""Keyboard bindings: every command's default key, the presets, and the user's own choices.

The decision keys come in presets that match the tools reviewers already know (Rayyan: I, E,
U; ASReview: R for relevant, I for irrelevant, N for a note). A user may rebind any command;
their bindings are per-user UI state, kept in QSettings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from screener.ui import config


@dataclass(frozen=True)
class Command:
    name: str
    text: str  # English source text, translated with context "Keys"
    default: str
    group: str


COMMANDS: tuple[Command, ...] = (
    Command("include", "Include", "I", "Decide"),
    Command("exclude", "Exclude", "E", "Decide"),
    Command("maybe", "Maybe", "M", "Decide"),
    Command("clear", "Clear my decision", "Backspace", "Decide"),
    Command("next", "Next record", "J", "Move"),
    Command("previous", "Previous record", "K", "Move"),
    Command("next_todo", "Next record to screen", "Space", "Move"),
    Command("note", "Write a note", "N", "Decide"),
    Command("tags", "Filter tags", "T", "Decide"),
    Command("search", "Search records", "Ctrl+F", "Move"),
    Command("open_link", "Open the record's link", "O", "Move"),
    Command("attach", "Attach full-text PDF", "Ctrl+Shift+P", "Full text"),
    Command("not_retrieved", "Full text not retrieved", "Ctrl+Shift+R", "Full text"),
    Command("undo", "Undo", "Ctrl+Z", "Edit"),
    Command("redo", "Redo", "Ctrl+Shift+Z", "Edit"),
    Command("help", "Keyboard help", "F1", "Help"),
)
BY_NAME = {c.name: c for c in COMMANDS}

PRESETS: dict[str, dict[str, str]] = {
    "default": {"include": "I", "exclude": "E", "maybe": "M", "note": "N"},
    "rayyan": {"include": "I", "exclude": "E", "maybe": "U", "note": "N"},
    "asreview": {"include": "R", "exclude": "I", "maybe": "M", "note": "N"},
}
PRESET_NAMES = {"default": "screener (I, E, M)", "rayyan": "Rayyan (I, E, U)", "asreview": "ASReview (R, I)"}


def command_text(name: str) -> str:
    return QCoreApplication.translate("Keys", BY_NAME[name].text)


def preset_bindings(preset: str) -> dict[str, str]:
    keys = {c.name: c.default for c in COMMANDS}
    keys.update(PRESETS.get(preset, PRESETS["default"]))
    return keys


def current_preset() -> str:
    name = config.get_str(config.Key.KEY_PRESET, "default")
    return name if name in PRESETS else "default"


def overrides() -> dict[str, str]:
    try:
        data = json.loads(config.get_str(config.Key.SHORTCUTS, "{}"))
    except ValueError:
        return {}
    return {k: str(v) for k, v in data.items() if k in BY_NAME} if isinstance(data, dict) else {}


def bindings() -> dict[str, str]:
    """The key of every command: the preset's, then the user's own changes."""
    keys = preset_bindings(current_preset())
    keys.update(overrides())
    return keys


def save(preset: str, keys: dict[str, str]) -> None:
    """Store a preset and the bindings that differ from it."""
    base = preset_bindings(preset)
    config.set_value(config.Key.KEY_PRESET, preset)
    config.set_value(config.Key.SHORTCUTS, json.dumps({k: v for k, v in keys.items() if base.get(k) != v}))


def conflicts(keys: dict[str, str]) -> dict[str, list[str]]:
    """Keys bound to more than one command (a key must do one thing)."""
    seen: dict[str, list[str]] = {}
    for name, key in keys.items():
        if key:
            seen.setdefault(key.lower(), []).append(name)
    return {k: v for k, v in seen.items() if len(v) > 1}
