"""The screening page: the record list, the record (or its PDF), the decision and the tags."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QMenu,
                               QProgressBar, QSplitter, QTableView, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from screener.core.enums import Stage
from screener.core.errors import UserError
from screener.services import fulltext, queries
from screener.services.queries import StageProgress
from screener.ui import config, keys, theme
from screener.ui.context import ProjectContext
from screener.ui.errors import show_error
from screener.ui.models.record_table import COLUMNS, OTHERS_COLUMN, SCORE_COLUMN
from screener.ui.session import ScreeningSession
from screener.ui.tasks import TaskRunner
from screener.ui.widgets.decision_panel import DecisionPanel
from screener.ui.widgets.fulltext_pane import FullTextPane
from screener.ui.widgets.list_bar import ListBar
from screener.ui.widgets.ranking_panel import RankingPanel
from screener.ui.widgets.record_view import RecordPane, criteria_html, record_links
from screener.ui.widgets.tag_panel import TagPanel

def _native(key: str) -> str:
    """A key as this platform writes it (Ctrl+I, or ⌘I on a Mac)."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


SCREEN_COMMANDS = ("include", "exclude", "maybe", "clear", "next", "previous", "next_todo", "note", "tags",
                   "search", "open_link", "attach", "not_retrieved")


class ScreenView(QWidget):
    status_message = Signal(str)
    stage_changed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.session: ScreeningSession | None = None
        self._syncing = False
        self._pick_keys_installed = False
        self._build()
        self._build_actions()

    # -- building ---------------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        self.bar = ListBar()
        self.stage_combo, self.filter_combo = self.bar.stage_combo, self.bar.filter_combo
        self.order_combo, self.search = self.bar.order_combo, self.bar.search
        self.bar.stage_chosen.connect(self._on_stage_chosen)
        self.bar.filter_chosen.connect(self._on_filter_chosen)
        self.bar.order_chosen.connect(self._on_order_chosen)
        self.bar.search_changed.connect(self._on_search)
        self.bar.search_done.connect(self.focus_list)
        layout.addWidget(self.bar)

        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Record list"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

        self.record_pane = RecordPane()
        self.fulltext_pane = FullTextPane()
        self.fulltext_pane.attach_requested.connect(self.attach_pdf)
        self.fulltext_pane.not_retrieved_requested.connect(self.mark_not_retrieved)
        self.fulltext_pane.pdf_dropped.connect(self.attach_file)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Record and full text"))
        self.tabs.addTab(self.record_pane, self.tr("Record"))
        self.tabs.addTab(self.fulltext_pane, self.tr("Full text"))
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.criteria_pane = QTextBrowser()
        self.criteria_pane.setAccessibleName(self.tr("Review question and criteria"))
        self.criteria_pane.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.tabs.addTab(self.criteria_pane, self.tr("Criteria"))

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.decision_panel = DecisionPanel()
        self.decision_panel.decide_requested.connect(self.request_decision)
        self.decision_panel.exclude_with.connect(self._exclude_with)
        self.decision_panel.reasons_changed.connect(self._reasons_changed)
        self.decision_panel.note_committed.connect(self._note_committed)
        self.decision_panel.note_left.connect(self.focus_list)
        self.decision_panel.picking_changed.connect(self._on_picking)
        self.tag_panel = TagPanel()
        self.tag_panel.tags_changed.connect(self._tags_changed)
        self.tag_panel.leave.connect(self.focus_list)
        side_layout.addWidget(self.decision_panel)
        side_layout.addWidget(QLabel(self.tr("<b>Tags</b>")))
        side_layout.addWidget(self.tag_panel, 1)
        self.ranking_panel = RankingPanel(self.runner)
        self.ranking_panel.order_changed.connect(self._follow_current)
        self.ranking_panel.message.connect(self.status_message)
        side_layout.addWidget(self.ranking_panel)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        # progress bars, shown by the main window in its status bar
        self.progress_box = QWidget()
        pb = QHBoxLayout(self.progress_box)
        pb.setContentsMargins(0, 0, 0, 0)
        self.mine_bar = QProgressBar()
        self.mine_bar.setAccessibleName(self.tr("My progress"))
        self.team_bar = QProgressBar()
        self.team_bar.setAccessibleName(self.tr("Team progress"))
        for bar_w in (self.mine_bar, self.team_bar):
            bar_w.setMinimumWidth(190)
            bar_w.setMaximumHeight(18)
            bar_w.setTextVisible(True)
            pb.addWidget(bar_w)

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        handlers = {"include": partial(self.request_decision, "include"),
                    "exclude": partial(self.request_decision, "exclude"),
                    "maybe": partial(self.request_decision, "maybe"), "clear": self.clear_decision,
                    "next": partial(self.step, 1), "previous": partial(self.step, -1), "next_todo": self.next_todo,
                    "note": self.focus_note, "tags": self.tag_panel.focus_filter, "search": self.focus_search,
                    "open_link": self.open_link, "attach": self.attach_pdf, "not_retrieved": self.mark_not_retrieved}
        icons = {"include": "include", "exclude": "exclude", "maybe": "maybe", "attach": "attach",
                 "next": "next", "previous": "previous", "not_retrieved": "not_retrieved"}
        for name in SCREEN_COMMANDS:
            act = QAction(theme.icon(icons[name]) if name in icons else theme.icon(""), keys.command_text(name), self)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _=False, h=handlers[name]: h())
            self.addAction(act)
            self.actions_by_name[name] = act
        self.apply_keys(keys.bindings())

    def apply_keys(self, bindings: dict[str, str]) -> None:
        for name, act in self.actions_by_name.items():
            act.setShortcut(QKeySequence(bindings.get(name, "")))
        self.decision_panel.set_shortcut_hints(bindings)
        if self.session is not None:
            self.tag_panel.install_shortcuts(self.window(), self.session.ctx.tags, reserved=bindings.values())

    # -- session ------------------------------------------------------------------------------------------

    def set_session(self, session: ScreeningSession) -> None:
        self.session = session
        self.table.setModel(session.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 48), (2, 46), (3, 110), (4, 84), (5, 86), (6, 150), (SCORE_COLUMN, 70)):
            self.table.setColumnWidth(col, width)
        self.table.setColumnHidden(3, True)  # the venue is in the record pane; the header menu shows it
        state = config.ui_settings().value(config.Key.HEADER)
        if isinstance(state, QByteArray) and not state.isEmpty():
            header.restoreState(state)
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        session.list_changed.connect(self._on_list_changed)
        session.current_changed.connect(self._on_current_changed)
        session.view_changed.connect(self._on_view_changed)
        session.state_changed.connect(self._on_state_changed)
        session.progress_changed.connect(self._on_progress)
        session.message.connect(self.status_message)
        self.bar.select(self.order_combo, session.query.order, emit=False)
        self.bar.enable_option(self.order_combo, "relevance", queries.relevance_available())
        self.apply_context(session.ctx)
        self.ranking_panel.set_session(session)
        self.record_pane.show_message(self.tr("Loading records…"))
        session.reload()

    def clear_session(self) -> None:
        """Let go of the session before it is deleted (the list keeps no dangling model)."""
        s = self.session
        if s is None:
            return
        for signal, slot in ((s.list_changed, self._on_list_changed), (s.current_changed, self._on_current_changed),
                             (s.view_changed, self._on_view_changed), (s.state_changed, self._on_state_changed),
                             (s.progress_changed, self._on_progress), (s.message, self.status_message)):
            signal.disconnect(slot)
        self.decision_panel.cancel_pick()
        self.ranking_panel.clear_session()
        self.table.setModel(None)
        self.session = None
        self.record_pane.show_message("")
        self.fulltext_pane.show_attachment(None, None)

    def apply_context(self, ctx: ProjectContext) -> None:
        """Reasons, tags, terms and blinding of the project as it now stands."""
        stage = self.session.stage if self.session else Stage.TITLE_ABSTRACT.value
        self.decision_panel.set_reasons(ctx.reasons.get(stage, ()), ctx.reason_required(stage))
        self.criteria_pane.setHtml(criteria_html(ctx))
        self.tag_panel.set_tags(ctx.tags)
        skipped = self.tag_panel.install_shortcuts(self.window(), ctx.tags, reserved=keys.bindings().values())
        if skipped:
            self.status_message.emit(self.tr("Tag keys not used (already taken or invalid): %1")
                                     .replace("%1", ", ".join(skipped)))
        if not self._pick_keys_installed:
            self.decision_panel.install_pick_keys(self.window())
            self._pick_keys_installed = True
        blind = ctx.blinded.get(stage, True)
        self.table.setColumnHidden(OTHERS_COLUMN, blind)
        self.bar.enable_option(self.filter_combo, "conflict", not blind)
        self._refresh_record()

    def _header_menu(self, pos) -> None:
        menu = QMenu(self)
        blind = self.session is not None and self.session.blinded
        for col, (key, text, _sort) in enumerate(COLUMNS):
            if key in ("id", "title") or (key == "others" and blind):
                continue
            act = menu.addAction(self.tr(text))
            act.setCheckable(True)
            act.setChecked(not self.table.isColumnHidden(col))
            act.toggled.connect(lambda on, c=col: self.table.setColumnHidden(c, not on))
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    # -- list and selection -----------------------------------------------------------------------------

    def _on_list_changed(self) -> None:
        n = self.session.model.rowCount()
        self.bar.set_count(n)
        if n == 0:
            self.record_pane.show_message(self.empty_text())

    def empty_text(self) -> str:
        """What an empty list means and what to do next (a new project's first screen says this)."""
        q, s = self.session.query, self.session
        if q.filter == "todo" and not q.search and s.progress is not None and s.progress.eligible:
            return self.tr("You have screened every record in this list. Next: Screening → Conflicts… "
                           "(%1) shows where the reviewers disagree.").replace("%1", _native("Ctrl+Shift+C"))
        if q.search or q.filter != "all":
            return self.tr("No records match the search or the filter. Clear the search box, or choose "
                           "“All records” in Show.")
        if s.stage == Stage.FULL_TEXT.value:
            return self.tr("No records have reached the full text yet. A record comes here when its "
                           "title/abstract screening ends in include or maybe: the reviewers agree, or "
                           "their conflict is resolved (Screening → Conflicts…).")
        return self.tr("This project has no records yet. Import the search results of each database with "
                       "File → Import records… (%1), or drop the files on this window. RIS, BibTeX, PubMed, "
                       "EndNote, Web of Science, CSV and Excel files are read.").replace("%1", _native("Ctrl+I"))

    def _follow_current(self) -> None:
        """After the ranking re-ordered the list: select the record on screen again."""
        if self.session is not None and self.session.current is not None:
            self._on_current_changed(self.session.current)

    def _on_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or self.session is None or not current.isValid():
            return
        rid = self.session.model.id_at(current.row())
        if rid is not None and rid != self.session.current:
            self.decision_panel.cancel_pick()
            self.session.go_to(rid)

    def _on_current_changed(self, rid: int) -> None:
        enabled = rid >= 0
        for name in ("include", "exclude", "maybe", "clear", "note", "open_link", "attach", "not_retrieved"):
            self.actions_by_name[name].setEnabled(enabled)
        self.decision_panel.set_enabled_for_record(enabled)
        self.tag_panel.setEnabled(enabled)
        row = self.session.model.row_of(rid) if enabled else None
        if row is None:
            return
        self._syncing = True
        idx = self.session.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(idx)
        self._syncing = False

    def _on_view_changed(self, view) -> None:
        if view is None:
            if self.session.current is None:
                self.fulltext_pane.show_attachment(None, None)
                if self.session.model.rowCount():
                    self.record_pane.show_message(self.tr("No record selected."))
            else:
                self.record_pane.show_message(self.tr("Loading record %1…").replace("%1", str(self.session.current)))
            return
        self._refresh_record()

    def _on_state_changed(self, rid: int) -> None:
        if self.session is not None and rid == self.session.current:
            self._refresh_record()

    def _refresh_record(self) -> None:
        s = self.session
        if s is None or s.current is None:
            return
        view = s.view()
        state, draft = s.state(), s.draft()
        self.decision_panel.set_state(state, draft)
        self.tag_panel.set_checked(state["tags"] if state else draft.get("tags", []))
        if view is None:
            return
        self.record_pane.show_record(view, s.ctx, s.stage, state, draft)
        self.fulltext_pane.show_attachment(view.attachment, view.id)
        if s.stage == Stage.FULL_TEXT.value and view.attachment and view.attachment.get("status") == "attached":
            self.tabs.setCurrentWidget(self.fulltext_pane)
        elif self.tabs.currentWidget() is self.fulltext_pane and s.stage != Stage.FULL_TEXT.value:
            self.tabs.setCurrentWidget(self.record_pane)

    def _on_progress(self, p: StageProgress) -> None:
        total = max(p.eligible, 1)
        mine_text = self.tr("Mine: %1 / %2").replace("%1", str(p.mine)).replace("%2", str(p.eligible))
        if p.blinded:
            fmt = self.tr("Team: %1 / %2 screened (blind)")
        elif p.conflicts:
            fmt = self.tr("Team: %1 / %2 final · %3 conflicts").replace("%3", str(p.conflicts))
        else:
            fmt = self.tr("Team: %1 / %2 final")
        team_text = fmt.replace("%1", str(p.complete)).replace("%2", str(p.eligible))
        # Only what changed: each repaint of a bar costs a little on every decision.
        for bar, value, text in ((self.mine_bar, p.mine, mine_text), (self.team_bar, p.complete, team_text)):
            if bar.maximum() != total:
                bar.setRange(0, total)
            if bar.value() != min(value, total):
                bar.setValue(min(value, total))
            if bar.format() != text:
                bar.setFormat(text)
        tip = (self.tr("Records decided by the required number of reviewers") if p.blinded
               else self.tr("Records with a final decision (agreed or resolved)"))
        if self.team_bar.toolTip() != tip:
            self.team_bar.setToolTip(tip)

    # -- combos and search ----------------------------------------------------------------------------

    def _on_stage_chosen(self, stage: str) -> None:
        if self.session is None:
            return
        self.session.set_stage(stage)
        self.apply_context(self.session.ctx)
        self.stage_changed.emit(stage)
        self.status_message.emit(self.tr("Stage: %1").replace("%1", self.stage_combo.currentText()))

    def set_stage(self, stage: str) -> None:
        self.bar.select(self.stage_combo, Stage.parse(stage).value)

    def _on_filter_chosen(self, name: str) -> None:
        if self.session is not None:
            self.session.set_query(filter=name)

    def set_filter(self, name: str) -> None:
        self.bar.select(self.filter_combo, name)

    def _on_order_chosen(self, order: str) -> None:
        if self.session is None:
            return
        config.set_value(config.Key.ORDER, order)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.session.model.reset_sort()
        self.session.set_query(order=order, seed=config.get_int(config.Key.SEED, 1), sort="queue", descending=False)

    def reshuffle(self) -> None:
        """A new random queue (the next seed); the seed is remembered, so the order can be had again."""
        seed = config.get_int(config.Key.SEED, 1) + 1
        config.set_value(config.Key.SEED, seed)
        if self.order_combo.currentData() != "random":
            self.bar.select(self.order_combo, "random")
        elif self.session is not None:
            self.session.set_query(seed=seed)
        self.status_message.emit(self.tr("Random order, seed %1").replace("%1", str(seed)))

    def _on_search(self, text: str) -> None:
        if self.session is not None:
            self.session.set_query(search=text)

    # -- commands -------------------------------------------------------------------------------------

    def _guard(self, fn, *args) -> None:
        try:
            fn(*args)
        except UserError as exc:
            show_error(self.window(), exc)

    def request_decision(self, label: str) -> None:
        s = self.session
        if s is None or s.current is None:
            return
        self.decision_panel.note.commit()  # a note still being typed goes with the decision
        if label == "exclude":
            reasons = s.ctx.reasons.get(s.stage, ())
            ask = s.ctx.reason_required(s.stage) or config.get_bool(config.Key.ASK_REASON, True)
            if reasons and ask:
                self.decision_panel.begin_pick()
                return
        self.decision_panel.cancel_pick()
        self._guard(s.decide, label)

    def _exclude_with(self, reasons: list) -> None:
        if self.session is not None:
            self._guard(self.session.decide, "exclude", reasons)

    def _reasons_changed(self, reasons: list) -> None:
        if self.session is not None:
            self._guard(self.session.set_reasons, reasons)

    def _note_committed(self, text: str) -> None:
        if self.session is not None and self.session.current is not None:
            self.session.set_note(text)

    def _tags_changed(self, tags: list) -> None:
        if self.session is not None and self.session.current is not None:
            self.session.set_tags(tags)

    def _on_picking(self, picking: bool) -> None:
        for name in ("include", "maybe", "next", "previous", "next_todo"):
            self.actions_by_name[name].setEnabled(not picking and self.session is not None and
                                                  self.session.current is not None)
        self.status_message.emit(self.tr("Pick an exclusion reason by its number; Esc cancels.") if picking else "")

    def clear_decision(self) -> None:
        if self.session is not None:
            self.session.clear()

    def step(self, delta: int) -> None:
        if self.session is not None:
            self.decision_panel.cancel_pick()
            self.session.step(delta)

    def next_todo(self) -> None:
        if self.session is not None:
            self.decision_panel.cancel_pick()
            self.session.advance()

    def focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_note(self) -> None:
        self.decision_panel.note.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_search(self) -> None:
        self.bar.focus_search()

    def open_link(self) -> None:
        view = self.session.view() if self.session else None
        links = record_links(view) if view is not None else []
        if links:
            QDesktopServices.openUrl(QUrl(links[0][1]))

    # -- full text ------------------------------------------------------------------------------------

    def attach_pdf(self) -> None:
        if self.session is None or self.session.current is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Attach the full text of record %1")
                                              .replace("%1", str(self.session.current)), "",
                                              self.tr("PDF files (*.pdf)"))
        if path:
            self.attach_file(path)

    def attach_file(self, path: str) -> None:
        s = self.session
        if s is None or s.current is None:
            return
        rid = s.current
        self.runner.submit(fulltext.attach_pdf, s.store, rid, path, s.reviewer, lane="db",
                           title=self.tr("Copying the PDF…"), parent=self.window(),
                           done=partial(self._on_fulltext_changed, rid), failed=self._on_failed)

    def mark_not_retrieved(self) -> None:
        s = self.session
        if s is None or s.current is None:
            return
        rid = s.current
        self.runner.submit(fulltext.mark_not_retrieved, s.store, rid, s.reviewer, lane="db",
                           done=partial(self._on_fulltext_changed, rid), failed=self._on_failed)

    def _on_fulltext_changed(self, rid: int, info) -> None:
        self.session.forget_view(rid)
        self.session.model.record_changed(rid)
        self.session.model.refetch(rid)
        self.status_message.emit(self.tr("Record %1: full text attached").replace("%1", str(rid))
                                 if info.status == "attached" else
                                 self.tr("Record %1: full text not retrieved").replace("%1", str(rid)))

    def _on_failed(self, exc: BaseException, tb: str) -> None:
        show_error(self.window(), exc, tb)

    # -- remembered layout ----------------------------------------------------------------------------

    def save_layout(self) -> None:
        config.set_value(config.Key.HEADER, self.table.horizontalHeader().saveState())
        config.set_value(config.Key.SPLITTER, self.splitter.saveState())

    def restore_layout(self) -> None:
        state = config.ui_settings().value(config.Key.SPLITTER)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.splitter.restoreState(state)
        else:
            self.splitter.setSizes([540, 540, 320])
