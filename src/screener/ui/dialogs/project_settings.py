"""Project settings: what the whole team shares, stored in the project (never in QSettings)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from screener.core.enums import Role, Stage
from screener.services import conflicts, reviewers, taxonomy
from screener.services.project import update_settings
from screener.ui.context import ProjectContext
from screener.ui.dialogs.taxonomy_editor import ReasonsEditor, TaxonomyEditor
from screener.ui.errors import show_error
from screener.ui.tasks import TaskRunner

STAGE_TEXT = {Stage.TITLE_ABSTRACT.value: "Title/abstract", Stage.FULL_TEXT.value: "Full text"}


def _vocabularies(store):
    return (taxonomy.list_reasons(store, include_retired=True), taxonomy.list_tags(store, include_retired=True),
            reviewers.list_reviewers(store))


class ProjectSettingsDialog(QDialog):
    """Tabs: review, screening, highlighting, reasons, taxonomy, reviewers.

    Texts and stage rules are saved with OK; edits of reasons, tags and reviewers are saved at
    once, each as its own unit of work, so the lists always show what the project holds.
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
        self.reload()

    # -- tabs -------------------------------------------------------------------------------------------

    def _build_review(self) -> None:
        s = self.ctx.settings
        w = QWidget()
        form = QFormLayout(w)
        self.title = QLineEdit(s.title)
        self.title.setAccessibleName(self.tr("Title"))
        form.addRow(self.tr("&Title:"), self.title)
        self.question = QPlainTextEdit(s.question)
        self.question.setAccessibleName(self.tr("Review question"))
        form.addRow(self.tr("&Question:"), self.question)
        self.inclusion = QPlainTextEdit(s.inclusion_criteria)
        self.inclusion.setAccessibleName(self.tr("Inclusion criteria"))
        form.addRow(self.tr("&Inclusion criteria:"), self.inclusion)
        self.exclusion = QPlainTextEdit(s.exclusion_criteria)
        self.exclusion.setAccessibleName(self.tr("Exclusion criteria"))
        form.addRow(self.tr("E&xclusion criteria:"), self.exclusion)
        self.tabs.addTab(w, self.tr("Review"))

    def _build_screening(self) -> None:
        s = self.ctx.settings
        w = QWidget()
        v = QVBoxLayout(w)
        self.stage_widgets: dict[str, tuple[QSpinBox, QCheckBox, QCheckBox]] = {}
        for stage in (Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value):
            cfg = s.stages[stage]
            box = QGroupBox(self.tr(STAGE_TEXT[stage]))
            form = QFormLayout(box)
            required = QSpinBox()
            required.setRange(1, 20)
            required.setValue(cfg.reviewers_required)
            required.setAccessibleName(self.tr("Reviewers required per record"))
            form.addRow(self.tr("Reviewers per record:"), required)
            blind = QCheckBox(self.tr("Blind: reviewers do not see each other's decisions"))
            blind.setChecked(cfg.blind)
            form.addRow("", blind)
            reason = QCheckBox(self.tr("A reason is required to exclude"))
            reason.setChecked(cfg.reason_required)
            form.addRow("", reason)
            row = QHBoxLayout()
            state = QLabel(self.tr("Unblinded") if cfg.unblinded else (self.tr("Blind") if cfg.blind else
                                                                         self.tr("Open")))
            row.addWidget(state)
            unblind = QPushButton(self.tr("End blinding now…"))
            unblind.setEnabled(self.ctx.is_owner and cfg.blind and not cfg.unblinded)
            unblind.setToolTip(self.tr("Owners only: everyone then sees every decision of this stage"))
            unblind.clicked.connect(partial(self._unblind, stage))
            row.addWidget(unblind)
            row.addStretch(1)
            form.addRow(self.tr("Now:"), row)
            self.stage_widgets[stage] = (required, blind, reason)
            v.addWidget(box)
        self.maybe_rule = QCheckBox(self.tr("A “maybe” goes to adjudication rather than counting as agreement"))
        self.maybe_rule.setChecked(s.maybe_needs_resolution)
        v.addWidget(self.maybe_rule)
        self.reason_rule = QCheckBox(self.tr("At full text, excludes with different reasons are a conflict"))
        self.reason_rule.setChecked(s.reason_conflicts)
        v.addWidget(self.reason_rule)
        v.addStretch(1)
        self.tabs.addTab(w, self.tr("Screening"))

    def _build_terms(self) -> None:
        s = self.ctx.settings
        w = QWidget()
        form = QFormLayout(w)
        form.addRow(QLabel(self.tr("One word or phrase per line; matched as whole words, any case.")))
        self.include_terms = QPlainTextEdit("\n".join(s.include_terms))
        self.include_terms.setAccessibleName(self.tr("Include terms"))
        form.addRow(self.tr("Highlight in &green:"), self.include_terms)
        self.exclude_terms = QPlainTextEdit("\n".join(s.exclude_terms))
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

    # -- immediate edits ------------------------------------------------------------------------------

    def run(self, fn, *args) -> None:
        """One service call on the db lane; the vocabularies are read back afterwards."""
        self.runner.submit(fn, self.ctx.store, *args, lane="db", done=self._after_edit, failed=self._failed)

    def _after_edit(self, _result) -> None:
        self.changed.emit()
        self.reload()

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
                   "reason_conflicts": self.reason_rule.isChecked()}
        stages = {stage: {"reviewers_required": req.value(), "blind": blind.isChecked(),
                          "reason_required": reason.isChecked()}
                  for stage, (req, blind, reason) in self.stage_widgets.items()}
        return changes, stages

    def save(self) -> None:
        changes, stages = self.values()
        # bound with partial: "title" is also a keyword of submit() itself
        job = partial(update_settings, self.ctx.store, stages, **changes)
        self.runner.submit(job, lane="db", done=self._saved, failed=self._failed)

    def _saved(self, _settings) -> None:
        self.changed.emit()
        self.accept()
