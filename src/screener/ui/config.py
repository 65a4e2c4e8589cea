"""Per-user UI state in QSettings, every key declared once here.

Only what belongs to one person on one machine lives here (window geometry, splitters, recent
projects, who they screen as in each project, key bindings). Everything a team shares is in
the project database.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QSettings

ORGANIZATION = "screener"
APPLICATION = "screener"
MAX_RECENT = 10


class Key:
    GEOMETRY = "window/geometry"
    WINDOW_STATE = "window/state"
    SPLITTER = "screen/splitter"
    HEADER = "screen/header"
    RECENT = "projects/recent"
    KEY_PRESET = "keys/preset"
    SHORTCUTS = "keys/shortcuts"
    ASK_REASON = "screening/ask_optional_reason"
    ORDER = "screening/order"
    SEED = "screening/seed"
    RANK_EXPLORATION = "screening/rank_exploration"  # percent of the relevance queue picked at random
    LAST_SERVER = "projects/last_server"  # a URL without the password (that is in the keyring, if anywhere)


def ui_settings() -> QSettings:
    """The one settings store of the app (an INI file in the user's config folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def _project_key(project: str) -> str:
    # Paths and URLs contain '/', which QSettings reads as groups: key projects by a digest.
    return hashlib.sha1(project.encode("utf-8")).hexdigest()[:16]


def remembered_reviewer(project: str) -> str | None:
    value = ui_settings().value(f"projects/reviewer/{_project_key(project)}", None)
    return str(value) if value else None


def remember_reviewer(project: str, name: str) -> None:
    ui_settings().setValue(f"projects/reviewer/{_project_key(project)}", name)


def recent_projects() -> list[str]:
    value = ui_settings().value(Key.RECENT, [])
    if isinstance(value, str):  # QSettings gives a bare string for a one-item list
        value = [value]
    return [str(v) for v in (value or []) if v]


def without_password(project: str) -> str:
    """A project URL with any password taken out (paths are returned as they are)."""
    parts = urlsplit(project) if "://" in project else None
    if parts is None or parts.password is None:
        return project
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))


def add_recent_project(project: str) -> list[str]:
    # A server URL is kept without its password: settings are a plain file.
    project = without_password(project)
    items = [project] + [p for p in recent_projects() if p != project]
    ui_settings().setValue(Key.RECENT, items[:MAX_RECENT])
    return items[:MAX_RECENT]


def remove_recent_project(project: str) -> list[str]:
    items = [p for p in recent_projects() if p != project]
    ui_settings().setValue(Key.RECENT, items)
    return items


def get_bool(key: str, default: bool) -> bool:
    value = ui_settings().value(key, default)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def get_int(key: str, default: int) -> int:
    try:
        return int(ui_settings().value(key, default))
    except (TypeError, ValueError):
        return default


def get_str(key: str, default: str) -> str:
    value = ui_settings().value(key, default)
    return str(value) if value is not None else default


def set_value(key: str, value) -> None:
    ui_settings().setValue(key, value)
