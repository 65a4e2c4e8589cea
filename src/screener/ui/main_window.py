"""The main window: the start page or the screening page, the menus, the status bar.

Opening a project, creating one, importing, and saving settings all run on the task runner;
the window only reacts to their results. A UserError from any of them becomes a message; any
other exception a bug report, and the window stays usable.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox, QStackedWidget, QWidget

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.services import demo
from screener.services.merge import merge_projects
from screener.ui import config, keys, theme
from screener.ui.agreement_view import AgreementDialog
from screener.ui.conflicts_view import open_conflicts
from screener.ui.context import ProjectContext, open_context, read_context
from screener.ui.duplicates_view import open_duplicates
from screener.ui.dialogs.about import show_about
from screener.ui.dialogs.import_dialog import ImportDialog
from screener.ui.dialogs.new_project import NewProjectWizard, create_project
from screener.ui.dialogs.project_settings import ProjectSettingsDialog
from screener.ui.dialogs.reviewer import ReviewerDialog
from screener.ui.dialogs.shortcuts import ShortcutsDialog
from screener.ui.errors import show_error
from screener.ui.screen_view import ScreenView
from screener.ui.session import ScreeningSession
from screener.ui.start_page import StartPage
from screener.ui.tasks import TaskRunner
from screener.ui.widgets.help_overlay import HelpOverlay

PROJECT_SUFFIXES = (".screener",)


class MainWindow(QMainWindow):
    project_opened = Signal(str)
    project_closed = Signal()

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner or TaskRunner(self)
        self.runner.error.connect(self._on_error)
        self.runner.busy_changed.connect(self._on_busy)
        self.ctx: ProjectContext | None = None
        self.session: ScreeningSession | None = None
        self.dialogs: dict[str, QWidget] = {}
        self.setWindowTitle("screener")
        self.setWindowIcon(theme.icon("screener"))
        self.setAcceptDrops(True)
        self.stack = QStackedWidget()
        self.start_page = StartPage()
        self.screen = ScreenView(self.runner)
        self.screen.status_message.connect(self.show_status)
        self.screen.stage_changed.connect(lambda _stage: self._show_context() if self.ctx is not None else None)
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.screen)
        self.setCentralWidget(self.stack)
        self.start_page.new_requested.connect(self.new_project)
        self.start_page.open_requested.connect(self.choose_project)
        self.start_page.open_url_requested.connect(self.choose_server_project)
        self.start_page.demo_requested.connect(self.open_demo)
        self.start_page.recent_chosen.connect(self.open_project)
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self.help = HelpOverlay(self)
        self.start_page.set_recent(config.recent_projects())
        self._update_actions()
        self._restore_geometry()

    # -- actions and menus ------------------------------------------------------------------------------

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
        a["duplicates"] = self._action(self.tr("&Duplicates…"), partial(open_duplicates, self), "Ctrl+Shift+D")
        a["merge"] = self._action(self.tr("&Merge decisions from a copy…"), self.merge_copy)
        a["shortcuts"] = self._action(self.tr("&Keyboard shortcuts…"), self.edit_shortcuts)
        a["help"] = self._action(self.tr("Keyboard &help"), self.toggle_help, bindings["help"], "help")
        a["help"].setShortcuts([QKeySequence(bindings["help"]), QKeySequence("?")])
        a["about"] = self._action(self.tr("&About screener"), self.about)
        a["about"].setMenuRole(QAction.MenuRole.AboutRole)

    def _build_menus(self) -> None:
        a, s = self.actions_by_name, self.screen.actions_by_name
        mb = self.menuBar()
        m = mb.addMenu(self.tr("&File"))
        for name in ("new", "open", "open_url", "demo"):
            m.addAction(a[name])
        self.recent_menu = m.addMenu(self.tr("Open &recent"))
        m.addSeparator()
        m.addAction(a["import"])
        m.addAction(a["merge"])
        m.addAction(a["close"])
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
        m = mb.addMenu(self.tr("&Project"))
        m.addAction(a["settings"])
        m.addAction(a["reviewer"])
        m.addAction(a["agreement"])
        m.addAction(a["duplicates"])
        m.addAction(a["refresh"])
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

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.reviewer_label = QLabel()
        self.reviewer_label.setAccessibleName(self.tr("Reviewer"))
        self.blind_label = QLabel()
        self.blind_label.setAccessibleName(self.tr("Blind mode"))
        self.saving_label = QLabel()
        self.saving_label.setAccessibleName(self.tr("Saving"))
        sb.addPermanentWidget(self.saving_label)
        sb.addPermanentWidget(self.screen.progress_box)
        sb.addPermanentWidget(self.blind_label)
        sb.addPermanentWidget(self.reviewer_label)

    def _update_actions(self) -> None:
        open_ = self.ctx is not None and self.session is not None
        has_record = open_ and self.session.current is not None
        for name in ("import", "merge", "duplicates", "close", "settings", "reviewer", "refresh", "stage_ta", "stage_ft", "reshuffle",
                     "conflicts", "agreement"):
            self.actions_by_name[name].setEnabled(open_)
        for name, act in self.screen.actions_by_name.items():
            act.setEnabled(open_ if name in ("search", "next", "previous", "next_todo") else has_record)
        self._update_undo()
        self.screen.progress_box.setVisible(open_)
        self.blind_label.setVisible(open_)
        self.reviewer_label.setVisible(open_)

    def _update_undo(self, *_args) -> None:
        stack = self.session.undo_stack if self.session is not None else None
        self.actions_by_name["undo"].setEnabled(bool(stack and stack.canUndo()))
        self.actions_by_name["redo"].setEnabled(bool(stack and stack.canRedo()))
        self.actions_by_name["undo"].setText(self.tr("&Undo %1").replace("%1", stack.undoText())
                                             if stack and stack.canUndo() else self.tr("&Undo"))
        self.actions_by_name["redo"].setText(self.tr("&Redo %1").replace("%1", stack.redoText())
                                             if stack and stack.canRedo() else self.tr("&Redo"))

    # -- opening and closing projects ----------------------------------------------------------------

    def open_project(self, project: str, reviewer: str | None = None) -> None:
        """Open ``project`` as ``reviewer`` (asking who is screening when not given)."""
        self.show_status(self.tr("Opening %1…").replace("%1", project))
        self.runner.submit(open_context, str(project), reviewer or "", lane="db", title=self.tr("Opening project…"),
                           parent=self, done=partial(self._on_context, str(project), reviewer),
                           failed=partial(self._on_open_failed, str(project)))

    def _on_open_failed(self, project: str, exc: BaseException, tb: str) -> None:
        self.show_status("")
        if isinstance(exc, UserError) and "no such project file" in str(exc):
            config.remove_recent_project(project)
            self.start_page.set_recent(config.recent_projects())
            self._fill_recent_menu()
        show_error(self, exc, tb)

    def _on_context(self, project: str, reviewer: str | None, ctx: ProjectContext) -> None:
        if reviewer:
            self._start(ctx)
            return
        known = {r.name: r.role for r in ctx.reviewers}
        remembered = config.remembered_reviewer(project)
        if remembered in known:
            self._start(ctx.with_reviewer(remembered, known[remembered]))
            return
        if not known:
            ctx.store.close()
            show_error(self, UserError(self.tr("%1 has no reviewers yet; add one with `screener reviewer add`.")
                                       .replace("%1", project)))
            return
        if len(known) == 1:
            name = next(iter(known))
            self._start(ctx.with_reviewer(name, known[name]))
            return
        dialog = ReviewerDialog(ctx.title, ctx.reviewers, remembered, self)
        self.dialogs["reviewer"] = dialog
        dialog.finished.connect(partial(self._on_reviewer_chosen, ctx, dialog))
        dialog.open()

    def _on_reviewer_chosen(self, ctx: ProjectContext, dialog: ReviewerDialog, result: int) -> None:
        name = dialog.reviewer()
        dialog.deleteLater()
        self.dialogs.pop("reviewer", None)
        if result != ReviewerDialog.DialogCode.Accepted or not name:
            if self.ctx is None or self.ctx.store is not ctx.store:
                ctx.store.close()
            self.show_status(self.tr("Not opened"))
            return
        role = next(r.role for r in ctx.reviewers if r.name == name)
        if self.ctx is not None and self.ctx.store is ctx.store:
            self._switch_to(ctx.with_reviewer(name, role))
        else:
            self._start(ctx.with_reviewer(name, role))

    def _start(self, ctx: ProjectContext) -> None:
        self._close_session()
        self.ctx = ctx
        config.add_recent_project(ctx.project)
        config.remember_reviewer(ctx.project, ctx.reviewer)
        self._fill_recent_menu()
        self.start_page.set_recent(config.recent_projects())
        order = config.get_str(config.Key.ORDER, "imported")
        self.session = ScreeningSession(ctx, self.runner, order=order if order in ("imported", "random") else
                                        "imported", seed=config.get_int(config.Key.SEED, 1), parent=self)
        self.session.error.connect(self._on_error)
        self.session.current_changed.connect(lambda _rid: self._update_actions())
        self.session.undo_stack.indexChanged.connect(self._update_undo)
        self.session.undo_stack.cleanChanged.connect(self._update_undo)
        self.screen.set_stage(Stage.TITLE_ABSTRACT.value)
        self.screen.set_session(self.session)
        self.stack.setCurrentWidget(self.screen)
        self.screen.restore_layout()
        self._show_context()
        self._update_actions()
        self.screen.focus_list()
        self.show_status(self.tr("Opened %1 as %2").replace("%1", ctx.title).replace("%2", ctx.reviewer))
        self.project_opened.emit(ctx.project)

    def _switch_to(self, ctx: ProjectContext) -> None:
        """Same project, another reviewer (a new session on the same store)."""
        store = self.ctx.store
        self.ctx = None  # keep the store open across the switch
        self._close_session(close_store=False)
        self._start(replace(ctx, store=store))

    def _show_context(self) -> None:
        ctx = self.ctx
        self.setWindowTitle(self.tr("%1 — %2 — screener").replace("%1", ctx.title).replace("%2", ctx.reviewer))
        self.reviewer_label.setText(self.tr("Reviewer: <b>%1</b>").replace("%1", ctx.reviewer))
        stage = self.session.stage if self.session else Stage.TITLE_ABSTRACT.value
        blind = ctx.blinded.get(stage, True)
        self.blind_label.setText(self.tr("Blind") if blind else self.tr("Open"))
        self.blind_label.setToolTip(self.tr("Other reviewers' decisions are hidden at this stage") if blind
                                    else self.tr("Decisions of all reviewers are visible at this stage"))

    def _close_session(self, close_store: bool = True) -> None:
        if self.session is not None:
            self.session.flush()  # decisions still waiting for the next paint are written too
            self.screen.clear_session()
            self.session.undo_stack.clear()
            self.runner.wait()  # every decision written before the store goes
            self.session.deleteLater()
            self.session = None
            gc.unfreeze()  # see ScreeningSession._on_list
        if self.ctx is not None and close_store:
            self.ctx.store.close()
        if close_store:
            self.ctx = None

    def close_project(self) -> None:
        if self.session is not None:
            self.screen.save_layout()
        self._close_session()
        self.stack.setCurrentWidget(self.start_page)
        self.setWindowTitle("screener")
        self._update_actions()
        self.project_closed.emit()

    def choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open project"), "",
                                              self.tr("screener projects (*.screener);;All files (*)"))
        if path:
            self.open_project(path)

    def choose_server_project(self) -> None:
        url, ok = QInputDialog.getText(self, self.tr("Open a project on a server"),
                                       self.tr("Database URL (postgresql://user@host:5432/dbname):"))
        if ok and url.strip():
            self.open_project(url.strip())

    def new_project(self) -> None:
        wizard = NewProjectWizard(self)
        self.dialogs["new"] = wizard
        wizard.accepted.connect(partial(self._create, wizard))
        wizard.open()

    def _create(self, wizard: NewProjectWizard) -> None:
        spec = wizard.spec()
        self.runner.submit(create_project, spec, lane="db", title=self.tr("Creating project…"), parent=self,
                           done=lambda path: self.open_project(path, spec.reviewers[0]), failed=self._on_error)

    def open_demo(self, path: str | None = None) -> None:
        self.runner.submit(demo.build_demo, path, lane="db", title=self.tr("Building the demo project…"), parent=self,
                           with_progress=True, done=lambda p: self.open_project(str(p), demo.DEMO_REVIEWERS[0]),
                           failed=self._on_error)

    def switch_reviewer(self) -> None:
        if self.ctx is None:
            return
        dialog = ReviewerDialog(self.ctx.title, self.ctx.reviewers, self.ctx.reviewer, self)
        self.dialogs["reviewer"] = dialog
        dialog.finished.connect(partial(self._on_reviewer_chosen, self.ctx, dialog))
        dialog.open()

    # -- project-level dialogs -----------------------------------------------------------------------

    def import_files(self, paths=()) -> ImportDialog | None:
        if self.ctx is None:
            return None
        dialog = ImportDialog(self.ctx, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._on_imported)
        self.dialogs["import"] = dialog
        dialog.open()
        if paths:
            dialog.add_files(paths)
        return dialog

    def _on_imported(self, summary) -> None:
        self.show_status(self.tr("Imported %1 records").replace("%1", str(summary.imported)))
        if self.session is not None:
            self.session.reload()

    def project_settings(self) -> ProjectSettingsDialog | None:
        if self.ctx is None:
            return None
        dialog = ProjectSettingsDialog(self.ctx, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.reload_context)
        self.dialogs["settings"] = dialog
        dialog.open()
        return dialog

    def show_conflicts(self) -> None:
        """Screening → Conflicts…: the current stage's conflicts, if this reviewer may see them."""
        if self.ctx is None or self.session is None:
            return

        def opened(dialog) -> None:
            self.dialogs["conflicts"] = dialog

        open_conflicts(self, self.ctx, self.runner, self.session.stage, on_open=opened, on_resolved=self._on_resolved)

    def _on_resolved(self, _record_id: int) -> None:
        if self.session is not None:
            self.session.model.refresh_rows()

    def merge_copy(self) -> None:
        """File → Merge decisions from a copy…: bring in what a reviewer screened offline."""
        if self.ctx is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Merge decisions from another copy of this project"),
                                              "", self.tr("screener projects (*.screener)"))
        if path:
            self.runner.submit(merge_projects, self.ctx.store, path, lane="db", done=self._on_merged,
                               failed=self._on_error)

    def _on_merged(self, report: dict) -> None:
        new = sum(len(ids) for ids in report["new_conflicts"].values())
        QMessageBox.information(self, self.tr("Merged"), self.tr(
            "{added} new and {updated} newer decisions came in; {unchanged} were already here and {kept} are "
            "newer here. {resolutions} resolutions. New conflicts: {new}.").format(
                added=report["decisions_added"], updated=report["decisions_updated"],
                unchanged=report["unchanged"], kept=report["kept_newer_here"],
                resolutions=report["resolutions"], new=new))
        self.refresh()

    def show_agreement(self) -> AgreementDialog | None:
        """Project → Agreement…: the agreement dashboard, opened on the current stage."""
        if self.ctx is None:
            return None
        stage = self.session.stage if self.session is not None else Stage.TITLE_ABSTRACT.value
        dialog = AgreementDialog(self.ctx, self.runner, stage, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["agreement"] = dialog
        dialog.open()
        return dialog

    def reload_context(self) -> None:
        if self.ctx is None:
            return
        ctx = self.ctx
        self.runner.submit(read_context, ctx.store, ctx.project, ctx.reviewer, lane="db",
                           done=self._on_context_reloaded, failed=self._on_error)

    def _on_context_reloaded(self, ctx: ProjectContext) -> None:
        if self.ctx is None or self.ctx.store is not ctx.store:
            return
        self.ctx = ctx
        if self.session is not None:
            self.session.set_context(ctx)
            self.screen.apply_context(ctx)
        self._show_context()

    def refresh(self) -> None:
        self.reload_context()
        if self.session is not None:
            self.session.model.refresh_rows()

    def edit_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.apply_keys)
        self.dialogs["shortcuts"] = dialog
        dialog.open()

    def apply_keys(self) -> None:
        bindings = keys.bindings()
        self.screen.apply_keys(bindings)
        self.actions_by_name["undo"].setShortcut(QKeySequence(bindings["undo"]))
        self.actions_by_name["redo"].setShortcut(QKeySequence(bindings["redo"]))
        self.actions_by_name["help"].setShortcuts([QKeySequence(bindings["help"]), QKeySequence("?")])

    def help_entries(self) -> dict[str, list[tuple[str, str]]]:
        bindings = keys.bindings()
        groups: dict[str, list[tuple[str, str]]] = {}
        for cmd in keys.COMMANDS:
            groups.setdefault(self.tr(cmd.group), []).append((keys.command_text(cmd.name), bindings.get(cmd.name, "")))
        groups.setdefault(self.tr("Decide"), []).append((self.tr("Pick exclusion reason"), "1…9, 0"))
        a = self.actions_by_name
        app_group = groups.setdefault(self.tr("Project"), [])
        for name in ("import", "settings", "stage_ta", "stage_ft", "refresh", "quit"):
            app_group.append((a[name].text().replace("&", ""), a[name].shortcut().toString()))
        if self.ctx is not None:
            tags = [(t.path, t.shortcut) for t in self.ctx.tags if t.shortcut]
            if tags:
                groups[self.tr("Tags")] = tags
        return groups

    def toggle_help(self) -> None:
        self.help.set_entries(self.help_entries())
        self.help.toggle()
        if not self.help.isVisible() and self.session is not None:
            self.screen.focus_list()

    def about(self) -> None:
        self.dialogs["about"] = show_about(self)

    def undo(self) -> None:
        if self.session is not None:
            self.screen.decision_panel.cancel_pick()
            self.session.undo_stack.undo()

    def redo(self) -> None:
        if self.session is not None:
            self.session.undo_stack.redo()

    # -- status, errors, window state ------------------------------------------------------------------

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    def _on_busy(self, busy: bool) -> None:
        writing = self.session is not None and self.session.writes_pending > 0
        self.saving_label.setText(self.tr("Saving…") if busy and writing else "")

    def _on_error(self, exc: BaseException, tb: str = "") -> None:
        show_error(self, exc, tb or None)

    def _restore_geometry(self) -> None:
        settings = config.ui_settings()
        geometry = settings.value(config.Key.GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 880)
        state = settings.value(config.Key.WINDOW_STATE)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def save_window_state(self) -> None:
        config.set_value(config.Key.GEOMETRY, self.saveGeometry())
        config.set_value(config.Key.WINDOW_STATE, self.saveState())
        if self.session is not None:
            self.screen.save_layout()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_window_state()
        self.help.hide()
        self._close_session()
        self.runner.wait()
        event.accept()

    # -- drag and drop ---------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        projects = [p for p in paths if p.endswith(PROJECT_SUFFIXES)]
        if projects:
            self.open_project(projects[0])
        elif self.ctx is not None:
            self.import_files(paths)
        else:
            show_error(self, UserError(self.tr("Open or create a project first, then drop reference files on it.")))
