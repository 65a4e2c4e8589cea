"""The main window's actions and menus, kept apart from the window's project handling.

Every action is made once here, named in ``actions_by_name`` (the keyboard reference and the
read-only state look them up by name) and given a status tip saying what it does.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from screener.ui import config, keys, safety, theme
from screener.ui.duplicates_view import open_duplicates


class MenusMixin:
    """Builds the actions and the menu bar of :class:`~screener.ui.main_window.MainWindow`."""

    def _action(self, text: str, slot, key: str | QKeySequence.StandardKey | None = None, icon: str = "") -> QAction:
        act = QAction(theme.icon(icon) if icon else theme.icon(""), text, self)
        if key is not None:
            act.setShortcut(QKeySequence(key))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(lambda _=False: slot())
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        bindings = keys.bindings()
        a = self.actions_by_name = {}
        a["new"] = self._action(self.tr("&New project…"), self.new_project, QKeySequence.StandardKey.New, "new")
        a["open"] = self._action(self.tr("&Open project…"), self.choose_project, QKeySequence.StandardKey.Open, "open")
        a["open_url"] = self._action(self.tr("Open project on a &server…"), self.choose_server_project)
        a["demo"] = self._action(self.tr("Open the &demo project"), self.open_demo)
        a["import"] = self._action(self.tr("&Import records…"), self.import_files, "Ctrl+I", "import")
        a["export"] = self._action(self.tr("&Export a table…"), self.export_tables, "Ctrl+E")
        a["backup"] = self._action(self.tr("&Back up…"), partial(safety.back_up, self))
        a["close"] = self._action(self.tr("&Close project"), self.close_project, QKeySequence.StandardKey.Close)
        a["quit"] = self._action(self.tr("&Quit"), self.close, "Ctrl+Q")
        a["quit"].setMenuRole(QAction.MenuRole.QuitRole)
        a["undo"] = self._action(self.tr("&Undo"), self.undo, bindings["undo"], "undo")
        a["redo"] = self._action(self.tr("&Redo"), self.redo, bindings["redo"], "redo")
        a["settings"] = self._action(self.tr("Project &settings…"), self.project_settings, "Ctrl+,", "settings")
        a["settings"].setMenuRole(QAction.MenuRole.PreferencesRole)
        a["reviewer"] = self._action(self.tr("Switch &reviewer…"), self.switch_reviewer)
        a["refresh"] = self._action(self.tr("&Refresh"), self.refresh, QKeySequence.StandardKey.Refresh)
        a["stage_ta"] = self._action(self.tr("Title/abstract stage"), partial(self.screen.set_stage, "ta"), "Ctrl+1")
        a["stage_ft"] = self._action(self.tr("Full-text stage"), partial(self.screen.set_stage, "ft"), "Ctrl+2")
        a["reshuffle"] = self._action(self.tr("New &random order"), self.screen.reshuffle)
        a["conflicts"] = self._action(self.tr("&Conflicts…"), self.show_conflicts, "Ctrl+Shift+C")
        a["agreement"] = self._action(self.tr("&Agreement…"), self.show_agreement)
        a["prisma"] = self._action(self.tr("&PRISMA flow diagram…"), self.show_prisma)
        a["study"] = self._action(self.tr("Report of another &study…"), self.link_study)
        a["duplicates"] = self._action(self.tr("&Duplicates…"), partial(open_duplicates, self), "Ctrl+Shift+D")
        a["merge"] = self._action(self.tr("&Merge decisions from a copy…"), self.merge_copy)
        a["shortcuts"] = self._action(self.tr("&Keyboard shortcuts…"), self.edit_shortcuts)
        a["help"] = self._action(self.tr("Keyboard &help"), self.toggle_help, bindings["help"], "help")
        a["help"].setShortcuts([QKeySequence(bindings["help"]), QKeySequence("?")])
        a["about"] = self._action(self.tr("&About screener"), self.about)
        a["about"].setMenuRole(QAction.MenuRole.AboutRole)
        self._describe_actions()

    def _describe_actions(self) -> None:
        """What the main actions do, shown in the status bar while the menu item is under the mouse."""
        tips = {"new": self.tr("Create a project: its title, reviewers, criteria, exclusion reasons and tags"),
                "open": self.tr("Open a project file (*.screener)"),
                "open_url": self.tr("Open a team project kept on a PostgreSQL server"),
                "demo": self.tr("Open a ready-made project of real papers, to try screening"),
                "import": self.tr("Add search results (RIS, BibTeX, PubMed, EndNote, Web of Science, CSV, Excel); "
                                  "each file counts as one source in PRISMA"),
                "merge": self.tr("Bring in the decisions a reviewer made offline in a copy of this project"),
                "settings": self.tr("Criteria, exclusion reasons, tags, reviewers and blinding of this project"),
                "reviewer": self.tr("Screen as another reviewer of this project"),
                "stage_ta": self.tr("Screen titles and abstracts"),
                "stage_ft": self.tr("Screen the full texts of the records that passed title/abstract screening"),
                "reshuffle": self.tr("List the records in a new random order"),
                "conflicts": self.tr("The records the reviewers disagree on, to resolve one by one"),
                "agreement": self.tr("How well the reviewers agree, by stage, reason and tag"),
                "duplicates": self.tr("Records found more than once across the sources: merge or keep apart"),
                "shortcuts": self.tr("Change the keys, or use the Rayyan or ASReview keys"),
                "help": self.tr("Every key of the app (F1 or ?)")}
        for name, tip in tips.items():
            if name in self.actions_by_name:
                self.actions_by_name[name].setStatusTip(tip)

    def _build_menus(self) -> None:
        a, s = self.actions_by_name, self.screen.actions_by_name
        mb = self.menuBar()
        m = mb.addMenu(self.tr("&File"))
        for name in ("new", "open", "open_url", "demo"):
            m.addAction(a[name])
        self.recent_menu = m.addMenu(self.tr("Open &recent"))
        m.addSeparator()
        for name in ("import", "export", "backup", "merge", "close"):
            m.addAction(a[name])
        m.addSeparator()
        m.addAction(a["quit"])
        m = mb.addMenu(self.tr("&Edit"))
        m.addAction(a["undo"])
        m.addAction(a["redo"])
        m.addSeparator()
        m.addAction(s["search"])
        m.addAction(a["shortcuts"])
        m = mb.addMenu(self.tr("&Screening"))
        for name in ("include", "exclude", "maybe", "clear"):
            m.addAction(s[name])
        m.addSeparator()
        for name in ("next_todo", "next", "previous", "open_link", "note", "tags"):
            m.addAction(s[name])
        m.addSeparator()
        m.addAction(a["stage_ta"])
        m.addAction(a["stage_ft"])
        m.addAction(a["reshuffle"])
        m.addSeparator()
        m.addAction(a["conflicts"])
        m.addSeparator()
        m.addAction(s["attach"])
        m.addAction(s["not_retrieved"])
        m.addAction(a["study"])
        m = mb.addMenu(self.tr("&Project"))
        for name in ("settings", "reviewer", "agreement", "prisma", "duplicates", "refresh"):
            m.addAction(a[name])
        m = mb.addMenu(self.tr("&Help"))
        m.addAction(a["help"])
        m.addAction(a["about"])
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for p in config.recent_projects():
            act = self.recent_menu.addAction(p if "://" in p else Path(p).name)
            act.setToolTip(p)
            act.triggered.connect(lambda _=False, path=p: self.open_project(path))
        self.recent_menu.setEnabled(bool(config.recent_projects()))

