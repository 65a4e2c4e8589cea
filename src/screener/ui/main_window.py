"""The main window: the start page or the screening page, the menus, the status bar.

Opening a project, creating one, importing, and saving settings all run on the task runner;
the window only reacts to their results. A UserError from any of them becomes a message; any
other exception a bug report, and the window stays usable.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from functools import partial

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QStackedWidget, QWidget

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.services import demo
from screener.ui import config, keys, safety, theme
from screener.ui.context import ProjectContext, open_context, read_context
from screener.ui.dialogs.about import show_about
from screener.ui.dialogs.connect_dialog import ConnectDialog, PasswordNeeded, ServerAddress, is_server_url, open_server
from screener.ui.dialogs.import_dialog import ImportDialog
from screener.ui.dialogs.new_project import NewProjectWizard, create_project
from screener.ui.dialogs.project_settings import ProjectSettingsDialog
from screener.ui.dialogs.reviewer import ReviewerDialog
from screener.ui.dialogs.shortcuts import ShortcutsDialog
from screener.ui.errors import show_error
from screener.ui.live import LivePresenter, wait_stopped
from screener.ui.main_menus import MenusMixin
from screener.ui.screen_view import ScreenView
from screener.ui.review_actions import ReviewActionsMixin
from screener.ui.session import ScreeningSession
from screener.ui.start_page import StartPage
from screener.ui.tasks import TaskRunner
from screener.ui.widgets.help_overlay import HelpOverlay

PROJECT_SUFFIXES = (".screener",)


class MainWindow(MenusMixin, ReviewActionsMixin, QMainWindow):
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
        self.live = LivePresenter(self)
        self.help = HelpOverlay(self)
        self.start_page.set_recent(config.recent_projects())
        self._update_actions()
        self._restore_geometry()

    # -- actions and menus ------------------------------------------------------------------------------

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
                     "conflicts", "agreement", "export", "prisma", "backup"):
            self.actions_by_name[name].setEnabled(open_)
        self.actions_by_name["study"].setEnabled(has_record)
        for name, act in self.screen.actions_by_name.items():
            act.setEnabled(open_ if name in ("search", "next", "previous", "next_todo") else has_record)
        self._update_undo()
        self.screen.progress_box.setVisible(open_)
        self.blind_label.setVisible(open_)
        self.reviewer_label.setVisible(open_)
        safety.apply_read_only(self)

    def _update_undo(self, *_args) -> None:
        stack = self.session.undo_stack if self.session is not None else None
        self.actions_by_name["undo"].setEnabled(bool(stack and stack.canUndo()))
        self.actions_by_name["redo"].setEnabled(bool(stack and stack.canRedo()))
        self.actions_by_name["undo"].setText(self.tr("&Undo %1").replace("%1", stack.undoText())
                                             if stack and stack.canUndo() else self.tr("&Undo"))
        self.actions_by_name["redo"].setText(self.tr("&Redo %1").replace("%1", stack.redoText())
                                             if stack and stack.canRedo() else self.tr("&Redo"))

    # -- opening and closing projects ----------------------------------------------------------------

    def open_project(self, project: str, reviewer: str | None = None, password: str | None = None,
                     remember: bool | None = None, read_only: bool = False) -> None:
        """Open ``project`` as ``reviewer`` (asking who is screening when not given)."""
        if is_server_url(str(project)):
            self._open_server(str(project), reviewer, password, remember)
            return
        self.show_status(self.tr("Opening %1…").replace("%1", project))
        self.runner.submit(open_context, str(project), reviewer or "", read_only, lane="db",
                           title=self.tr("Opening project…"), parent=self,
                           done=partial(self._on_context, str(project), reviewer),
                           failed=partial(self._on_open_failed, str(project), reviewer=reviewer))

    def _on_open_failed(self, project: str, exc: BaseException, tb: str, reviewer: str | None = None) -> None:
        if safety.offer_read_only(self, project, reviewer, exc):  # another screener has it open
            return
        self.show_status("")
        if isinstance(exc, UserError) and "no such project file" in str(exc):
            config.remove_recent_project(project)
            self.start_page.set_recent(config.recent_projects())
            self._fill_recent_menu()
            exc = UserError(self.tr("%1\n\nIt may have been moved, renamed or deleted, so it is no longer in the "
                                    "recent projects. Find it with File → Open project… (%2).")
                            .replace("%1", str(exc)).replace("%2", self.actions_by_name["open"].shortcut()
                                                             .toString(QKeySequence.SequenceFormat.NativeText)))
        show_error(self, exc, tb)

    def _on_context(self, project: str, reviewer: str | None, ctx: ProjectContext) -> None:
        if reviewer:
            self._start(ctx)
            return
        known = {r.name: r.role for r in ctx.reviewers}
        # On a server the login is the reviewer: whoever owns the connection's role screens.
        user = ServerAddress.parse(project)[0].user if is_server_url(project) else ""
        by_login = [r for r in ctx.reviewers if user and r.db_role == user]
        if len(by_login) == 1:
            self._start(ctx.with_reviewer(by_login[0].name, by_login[0].role))
            return
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
        self.live.start(ctx, self.session)
        self.show_status(self.tr("Opened %1 as %2").replace("%1", ctx.title).replace("%2", ctx.reviewer))
        safety.after_open(self, ctx)  # read-only state, daily backup
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
        self.live.stop()
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

    def choose_server_project(self, address: ServerAddress | None = None, message: str = "") -> ConnectDialog:
        """File → Open project on a server…: the connection dialog (prefilled with the last server)."""
        last = config.get_str(config.Key.LAST_SERVER, "")
        if address is None and is_server_url(last):
            address = ServerAddress.parse(last)[0]
        dialog = ConnectDialog(address, message, self)
        dialog.accepted.connect(partial(self._on_connect_accepted, dialog))
        self._open_dialog("connect", dialog)
        return dialog

    def _on_connect_accepted(self, dialog: ConnectDialog) -> None:
        config.set_value(config.Key.LAST_SERVER, dialog.url())  # never with the password
        self.open_project(dialog.url(), password=dialog.secret(), remember=dialog.wants_remember())

    def _open_server(self, url: str, reviewer: str | None, password: str | None, remember: bool | None) -> None:
        # The password travels to the worker and into the engine only; the context, the recent
        # list, the title and every message name the project by its URL without it.
        try:
            address, in_url = ServerAddress.parse(url)
        except UserError as exc:
            show_error(self, exc)
            return
        self.show_status(self.tr("Opening %1…").replace("%1", address.display()))
        self.runner.submit(open_server, address, password if password is not None else in_url, reviewer or "",
                           remember, lane="db", title=self.tr("Connecting to the server…"), parent=self,
                           done=partial(self._on_server_opened, reviewer), failed=partial(self._on_server_failed, address))

    def _on_server_opened(self, reviewer: str | None, result) -> None:
        ctx, note = result
        if note:
            self.show_status(self.tr("The password was not remembered: %1").replace("%1", note))
            box = QMessageBox(QMessageBox.Icon.Information, self.tr("Password not remembered"), self.tr(
                "The project is open, but the password could not be kept in the system keyring (%1). "
                "You will be asked for it next time.").replace("%1", note), QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        self._on_context(ctx.project, reviewer, ctx)

    def _on_server_failed(self, address: ServerAddress, exc: BaseException, tb: str) -> None:
        if isinstance(exc, PasswordNeeded):
            self.show_status("")
            self.choose_server_project(address, str(exc))
            return
        self._on_open_failed(address.url(), exc, tb)

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
        dialog.imported.connect(self._on_imported)
        self._open_dialog("import", dialog)
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
        dialog.changed.connect(self.reload_context)
        self._open_dialog("settings", dialog)
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

    def _open_dialog(self, name: str, dialog) -> None:
        """Open a window-modal dialog that deletes itself when closed, kept by name for tests and refreshes."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs[name] = dialog
        dialog.open()

    def refresh(self) -> None:
        self.reload_context()
        if self.session is not None:
            self.session.model.refresh_rows()

    def edit_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.accepted.connect(self.apply_keys)
        self._open_dialog("shortcuts", dialog)

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
        if self.live.handle_error(exc):  # a lost server: a status, a retry, not a bug report
            return
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
        wait_stopped()
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
