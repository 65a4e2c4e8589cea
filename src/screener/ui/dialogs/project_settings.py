"""Project settings: what the whole team shares, stored in the project (never in QSettings)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from screener.core.enums import Role, Stage
from screener.core.errors import ConflictError
from screener.services import conflicts, reviewers, taxonomy
from screener.services.dto import Settings, StageConfig
from screener.services.project import get_settings, update_settings
from screener.ui.context import ProjectContext
from screener.ui.dialogs.taxonomy_editor import ReasonsEditor, TaxonomyEditor
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

STAGE_TEXT = {Stage.TITLE_ABSTRACT.value: "Title/abstract", Stage.FULL_TEXT.value: "Full text"}


def _vocabularies(store):
    return (taxonomy.list_reasons(store, include_retired=True), taxonomy.list_tags(store, include_retired=True),
            reviewers.list_reviewers(store))


class ProjectSettingsDialog(QDialog):
    """Tabs: review, screening (with merging sure duplicates at import), highlighting, reasons,
    taxonomy, reviewers.

    Texts and stage rules are saved with OK; edits of reasons, tags and reviewers are saved at
    once, each as its own unit of work, so the lists always show what the project holds.

    OK sends the versions of the settings the form shows: if someone else saved the settings
    since, nothing is overwritten; a message says so and the parts they changed are shown
    afresh, so the user can make their edit again on top.
    """

    changed = Signal()

    def __init__(self, ctx: ProjectContext, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.setWindowTitle(self.tr("Project settings — %1").replace("%1", ctx.title))
        self.setAccessibleName(self.tr("Project settings"))
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self._build_review()
        self._build_screening()
        self._build_terms()
        self.reasons = ReasonsEditor(self.run)
        self.tabs.addTab(self.reasons, self.tr("Exclusion reasons"))
        self.taxonomy = TaxonomyEditor(self.run)
        self.tabs.addTab(self.taxonomy, self.tr("Taxonomy"))
        self._build_reviewers()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        #: What the form was filled from; its versions are sent back with OK.
        self.shown: Settings = ctx.settings
        self._fill_project(ctx.settings)
        for stage, cfg in ctx.settings.stages.items():
            self._fill_stage(stage, cfg)
        self.reload()
        # the window's copy may be older than the project: show what it holds now
        self.refresh_settings()

    # -- tabs -------------------------------------------------------------------------------------------

    def _build_review(self) -> None:
        w = QWidget()
        form = QFormLayout(w)
        self.title = QLineEdit()
        self.title.setAccessibleName(self.tr("Title"))
        form.addRow(self.tr("&Title:"), self.title)
        self.question = QPlainTextEdit()
        self.question.setAccessibleName(self.tr("Review question"))
        form.addRow(self.tr("&Question:"), self.question)
        self.inclusion = QPlainTextEdit()
        self.inclusion.setAccessibleName(self.tr("Inclusion criteria"))
        form.addRow(self.tr("&Inclusion criteria:"), self.inclusion)
        self.exclusion = QPlainTextEdit()
        self.exclusion.setAccessibleName(self.tr("Exclusion criteria"))
        form.addRow(self.tr("E&xclusion criteria:"), self.exclusion)
        # an updated review: the previous version's counts feed PRISMA's "Previous studies" boxes
        self.update_box = QGroupBox(self.tr("This review updates an earlier version"))
        self.update_box.setCheckable(True)
        self.update_box.setChecked(False)
        prev = QFormLayout(self.update_box)
        self.previous_studies = QSpinBox()
        self.previous_reports = QSpinBox()
        for spin, name in ((self.previous_studies, self.tr("Studies included in the previous version")),
                           (self.previous_reports, self.tr("Reports of those studies"))):
            spin.setRange(0, 1_000_000)
            spin.setAccessibleName(name)
            prev.addRow(name + ":", spin)
        form.addRow(self.update_box)
        self.tabs.addTab(w, self.tr("Review"))

    def previous_values(self) -> tuple[int | None, int | None]:
        """The previous version's (studies, reports); (None, None) for a new review."""
        if not self.update_box.isChecked():
            return (None, None)
        return (self.previous_studies.value(), self.previous_reports.value())

    def _build_screening(self) -> None:
        w = QWidget()
        v = QVBoxLayout(w)
        self.stage_widgets: dict[str, tuple[QSpinBox, QCheckBox, QCheckBox]] = {}
        self.stage_state: dict[str, tuple[QLabel, QPushButton]] = {}
        for stage in (Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value):
            box = QGroupBox(self.tr(STAGE_TEXT[stage]))
            form = QFormLayout(box)
            required = QSpinBox()
            required.setRange(1, 20)
            required.setAccessibleName(self.tr("Reviewers required per record"))
            form.addRow(self.tr("Reviewers per record:"), required)
            blind = QCheckBox(self.tr("Blind: reviewers do not see each other's decisions"))
            form.addRow("", blind)
            reason = QCheckBox(self.tr("A reason is required to exclude"))
            form.addRow("", reason)
            row = QHBoxLayout()
            state = QLabel()
            row.addWidget(state)
            unblind = QPushButton(self.tr("End blinding now…"))
            unblind.setToolTip(self.tr("Owners only: everyone then sees every decision of this stage"))
            unblind.clicked.connect(partial(self._unblind, stage))
            row.addWidget(unblind)
            row.addStretch(1)
            form.addRow(self.tr("Now:"), row)
            self.stage_widgets[stage] = (required, blind, reason)
            self.stage_state[stage] = (state, unblind)
            v.addWidget(box)
        self.maybe_rule = QCheckBox(self.tr("A “maybe” goes to adjudication rather than counting as agreement"))
        v.addWidget(self.maybe_rule)
        self.reason_rule = QCheckBox(self.tr("At full text, excludes with different reasons are a conflict"))
        v.addWidget(self.reason_rule)
        dups = QGroupBox(self.tr("Duplicates"))
        dl = QVBoxLayout(dups)
        self.auto_dedup = QCheckBox(self.tr("Merge sure duplicates automatically after each import"))
        self.auto_dedup.setToolTip(self.tr("Records that carry decisions, or that a person marked as not duplicates, "
                                           "are never merged automatically; uncertain pairs wait in Duplicates"))
        dl.addWidget(self.auto_dedup)
        v.addWidget(dups)
        v.addStretch(1)
        self.tabs.addTab(w, self.tr("Screening"))

    def _build_terms(self) -> None:
        w = QWidget()
        form = QFormLayout(w)
        form.addRow(QLabel(self.tr("One word or phrase per line; matched as whole words, any case.")))
        self.include_terms = QPlainTextEdit()
        self.include_terms.setAccessibleName(self.tr("Include terms"))
        form.addRow(self.tr("Highlight in &green:"), self.include_terms)
        self.exclude_terms = QPlainTextEdit()
        self.exclude_terms.setAccessibleName(self.tr("Exclude terms"))
        form.addRow(self.tr("Highlight in &red:"), self.exclude_terms)
        self.tabs.addTab(w, self.tr("Highlighting"))

    def _build_reviewers(self) -> None:
        w = QWidget()
        v = QVBoxLayout(w)
        self.reviewer_table = QTableWidget(0, 2)
        self.reviewer_table.setAccessibleName(self.tr("Reviewers"))
        self.reviewer_table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Role")])
        self.reviewer_table.horizontalHeader().setStretchLastSection(True)
        self.reviewer_table.verticalHeader().hide()
        self.reviewer_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        v.addWidget(self.reviewer_table, 1)
        row = QHBoxLayout()
        self.new_reviewer = QLineEdit()
        self.new_reviewer.setPlaceholderText(self.tr("Name"))
        self.new_reviewer.setAccessibleName(self.tr("New reviewer name"))
        self.new_role = QComboBox()
        self.new_role.setAccessibleName(self.tr("New reviewer role"))
        for role in Role:
            self.new_role.addItem(self.tr(role.value), role.value)
        add = QPushButton(self.tr("Add reviewer"))
        add.clicked.connect(self._add_reviewer)
        row.addWidget(self.new_reviewer, 1)
        row.addWidget(self.new_role)
        row.addWidget(add)
        v.addLayout(row)
        self.tabs.addTab(w, self.tr("Reviewers"))

    # -- what the form shows ------------------------------------------------------------------------

    def _fill_project(self, s: Settings, before: Settings | None = None) -> None:
        """Show the project-wide settings of ``s``; with ``before`` (what the form was filled from)
        only the values someone changed since, so the user's edits of the others stay."""
        def previous(x: Settings) -> tuple[int | None, int | None]:
            return (x.previous_studies, x.previous_reports)

        def set_previous(value: tuple[int | None, int | None]) -> None:
            self.update_box.setChecked(value[0] is not None)
            self.previous_studies.setValue(value[0] or 0)
            self.previous_reports.setValue(value[1] or 0)

        fields = ((lambda x: x.title, self.title.setText), (lambda x: x.question, self.question.setPlainText),
                  (lambda x: x.inclusion_criteria, self.inclusion.setPlainText),
                  (lambda x: x.exclusion_criteria, self.exclusion.setPlainText),
                  (lambda x: x.include_terms, lambda v: self.include_terms.setPlainText("\n".join(v))),
                  (lambda x: x.exclude_terms, lambda v: self.exclude_terms.setPlainText("\n".join(v))),
                  (lambda x: x.maybe_needs_resolution, self.maybe_rule.setChecked),
                  (lambda x: x.reason_conflicts, self.reason_rule.setChecked),
                  (lambda x: x.auto_dedup, self.auto_dedup.setChecked), (previous, set_previous))
        for get, put in fields:
            if before is None or get(s) != get(before):
                put(get(s))
        self.shown = replace(s, stages=self.shown.stages)

    def _fill_stage(self, stage: str, cfg: StageConfig, before: StageConfig | None = None) -> None:
        """Show one stage's rules and state; with ``before``, as in :meth:`_fill_project`."""
        if stage not in self.stage_widgets:
            return
        required, blind, reason = self.stage_widgets[stage]
        for get, put in ((lambda c: c.reviewers_required, required.setValue), (lambda c: c.blind, blind.setChecked),
                         (lambda c: c.reason_required, reason.setChecked)):
            if before is None or get(cfg) != get(before):
                put(get(cfg))
        state, unblind = self.stage_state[stage]
        state.setText(self.tr("Unblinded") if cfg.unblinded else (self.tr("Blind") if cfg.blind else self.tr("Open")))
        unblind.setEnabled(self.ctx.is_owner and cfg.blind and not cfg.unblinded)
        self.shown = replace(self.shown, stages={**self.shown.stages, stage: cfg})

    def refresh_settings(self, stages_only: bool = False) -> None:
        """Read the settings again and show afresh the values saved by someone else meanwhile.

        Values nobody else changed keep what the user typed. ``stages_only`` after an edit of
        this dialog's own that touches only a stage row (ending blinding).
        """
        self.runner.submit(get_settings, self.ctx.store, lane="db", done=partial(self._on_settings, stages_only),
                           failed=self._failed)

    def _on_settings(self, stages_only: bool, fresh: Settings) -> None:
        if not stages_only and fresh.version != self.shown.version:
            self._fill_project(fresh, self.shown)
        for stage, cfg in fresh.stages.items():
            old = self.shown.stages.get(stage)
            if old is None or cfg.version != old.version:
                self._fill_stage(stage, cfg, old)

    # -- immediate edits ------------------------------------------------------------------------------

    def run(self, fn, *args) -> None:
        """One service call on the db lane; the vocabularies are read back afterwards."""
        self.runner.submit(fn, self.ctx.store, *args, lane="db", done=self._after_edit, failed=self._failed)

    def _after_edit(self, _result) -> None:
        self.changed.emit()
        self.reload()
        self.refresh_settings(stages_only=True)  # ending blinding changed a stage row

    def _failed(self, exc: BaseException, tb: str) -> None:
        show_error(self, exc, tb)
        self.reload()

    def reload(self) -> None:
        self.runner.submit(_vocabularies, self.ctx.store, lane="db", done=self._on_vocabularies, failed=self._failed)

    def _on_vocabularies(self, result) -> None:
        reasons, tags, people = result
        self.reasons.set_reasons(reasons)
        self.taxonomy.set_tags(tags)
        self.reviewer_table.setRowCount(len(people))
        for i, r in enumerate(people):
            self.reviewer_table.setItem(i, 0, QTableWidgetItem(r.name))
            self.reviewer_table.setItem(i, 1, QTableWidgetItem(self.tr(r.role)))

    def _add_reviewer(self) -> None:
        name = self.new_reviewer.text().strip()
        if name:
            self.new_reviewer.clear()
            self.run(reviewers.add_reviewer, name, self.new_role.currentData())

    def _unblind(self, stage: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("End blinding"),
                          self.tr("Everyone will see every reviewer's decisions, notes and tags at the %1 "
                                  "stage. This cannot be undone.").replace("%1", self.tr(STAGE_TEXT[stage])),
                          QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel, self)
        box.accepted.connect(lambda: self.run(conflicts.unblind, stage, self.ctx.reviewer))
        box.open()

    # -- saving ---------------------------------------------------------------------------------------

    def values(self) -> tuple[dict, dict]:
        changes = {"title": self.title.text().strip(), "question": self.question.toPlainText().strip(),
                   "inclusion_criteria": self.inclusion.toPlainText().strip(),
                   "exclusion_criteria": self.exclusion.toPlainText().strip(),
                   "include_terms": [t for t in self.include_terms.toPlainText().splitlines() if t.strip()],
                   "exclude_terms": [t for t in self.exclude_terms.toPlainText().splitlines() if t.strip()],
                   "maybe_needs_resolution": self.maybe_rule.isChecked(),
                   "reason_conflicts": self.reason_rule.isChecked(), "auto_dedup": self.auto_dedup.isChecked()}
        stages = {stage: {"reviewers_required": req.value(), "blind": blind.isChecked(),
                          "reason_required": reason.isChecked()}
                  for stage, (req, blind, reason) in self.stage_widgets.items()}
        return changes, stages

    def save(self) -> None:
        """OK: save the form in one unit of work, refused if someone saved the settings meanwhile."""
        changes, stages = self.values()
        # bound with partial: "title" is also a keyword of submit() itself
        job = partial(update_settings, self.ctx.store, stages, version=self.shown.version,
                      stage_versions={st: cfg.version for st, cfg in self.shown.stages.items()},
                      previous=self.previous_values(), **changes)
        self.runner.submit(job, lane="db", done=self._saved, failed=self._save_failed)

    def _saved(self, _settings) -> None:
        self.changed.emit()
        self.accept()

    def _save_failed(self, exc: BaseException, tb: str) -> None:
        if isinstance(exc, ConflictError):
            exc = ConflictError(self.tr("%1\n\nThe form now shows their changes, with your other edits kept: check "
                                        "it and press OK again.").replace("%1", str(exc)))
        show_error(self, exc, tb)
        if isinstance(exc, ConflictError):
            # the window's copy is stale too; the form shows what the other person changed
            # and keeps the user's edits of the values nobody else changed
            self.changed.emit()
            self.refresh_settings()
