"""The new-project wizard: where, what the review asks, its criteria, who screens, which template."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QWidget, QWizard, QWizardPage)

from screener.services.project import TEMPLATES, init_project, load_template, update_settings
from screener.storage.engine import SUFFIX


@dataclass(frozen=True)
class NewProjectSpec:
    path: str
    title: str
    question: str
    inclusion: str
    exclusion: str
    reviewers: tuple[str, ...]
    template: str


def create_project(spec: NewProjectSpec) -> str:
    """Create the project described by the wizard (runs on a worker); returns its path."""
    store = init_project(spec.path, title=spec.title, reviewers=list(spec.reviewers), template=spec.template,
                         question=spec.question)
    try:
        if spec.inclusion or spec.exclusion:
            update_settings(store, inclusion_criteria=spec.inclusion, exclusion_criteria=spec.exclusion)
    finally:
        store.close()
    return spec.path


class _PlacePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("The review"))
        self.setSubTitle(self.tr("Where the project file goes and what the review is about."))
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Project file"))
        self.path.setPlaceholderText(self.tr("e.g. ~/reviews/fm-imaging.screener"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        label = QLabel(self.tr("Project &file:"))
        label.setBuddy(self.path)
        form.addRow(label, row)
        self.title = QLineEdit()
        self.title.setAccessibleName(self.tr("Title"))
        form.addRow(self.tr("&Title:"), self.title)
        self.question = QPlainTextEdit()
        self.question.setAccessibleName(self.tr("Review question"))
        self.question.setMaximumHeight(90)
        form.addRow(self.tr("Review &question:"), self.question)
        self.path.textChanged.connect(self.completeChanged)
        self.title.textChanged.connect(self.completeChanged)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("New project file"), self.path.text(),
                                              self.tr("screener projects (*.screener)"))
        if path:
            if not path.endswith(SUFFIX):
                path += SUFFIX
            self.path.setText(path)
            if not self.title.text():
                self.title.setText(Path(path).stem.replace("-", " ").replace("_", " "))

    def project_path(self) -> str:
        text = self.path.text().strip()
        if text and "://" not in text and not text.endswith(SUFFIX):
            text += SUFFIX
        return str(Path(text).expanduser()) if text and "://" not in text else text

    def isComplete(self) -> bool:
        return bool(self.path.text().strip() and self.title.text().strip())

    def validatePage(self) -> bool:
        path = self.project_path()
        if "://" not in path and Path(path).exists():
            self.setSubTitle(self.tr("<b>A file of that name already exists; choose another name.</b>"))
            return False
        return True


class _CriteriaPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Eligibility criteria"))
        self.setSubTitle(self.tr("Shown to every reviewer beside the records. You can change them later."))
        form = QFormLayout(self)
        self.inclusion = QPlainTextEdit()
        self.inclusion.setAccessibleName(self.tr("Inclusion criteria"))
        self.exclusion = QPlainTextEdit()
        self.exclusion.setAccessibleName(self.tr("Exclusion criteria"))
        form.addRow(self.tr("&Include:"), self.inclusion)
        form.addRow(self.tr("E&xclude:"), self.exclusion)


class _PeoplePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Reviewers and template"))
        self.setSubTitle(self.tr("One reviewer per line; the first is the project's owner. The template "
                                 "seeds exclusion reasons, a tag taxonomy and highlight terms."))
        form = QFormLayout(self)
        self.reviewers = QPlainTextEdit()
        self.reviewers.setAccessibleName(self.tr("Reviewers"))
        self.reviewers.setPlaceholderText("ana\nben")
        self.reviewers.setMaximumHeight(110)
        form.addRow(self.tr("&Reviewers:"), self.reviewers)
        self.template = QComboBox()
        self.template.setAccessibleName(self.tr("Template"))
        for name in TEMPLATES:
            self.template.addItem(name, name)
        form.addRow(self.tr("&Template:"), self.template)
        self.description = QLabel()
        self.description.setWordWrap(True)
        form.addRow("", self.description)
        self.template.currentIndexChanged.connect(self._describe)
        self.reviewers.textChanged.connect(self.completeChanged)
        self._describe()

    def _describe(self) -> None:
        try:
            self.description.setText(load_template(self.template.currentData()).get("description", ""))
        except Exception:  # a missing template file only loses the description
            self.description.setText("")

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.strip() for n in self.reviewers.toPlainText().splitlines() if n.strip()))

    def isComplete(self) -> bool:
        return bool(self.names())


class NewProjectWizard(QWizard):
    def __init__(self, parent: QWidget | None = None, path: str = ""):
        super().__init__(parent)
        self.setWindowTitle(self.tr("New project"))
        self.setAccessibleName(self.tr("New project"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.place = _PlacePage()
        self.place.path.setText(path)
        self.criteria = _CriteriaPage()
        self.people = _PeoplePage()
        for page in (self.place, self.criteria, self.people):
            self.addPage(page)
        self.resize(620, 460)

    def spec(self) -> NewProjectSpec:
        return NewProjectSpec(self.place.project_path(), self.place.title.text().strip(),
                              self.place.question.toPlainText().strip(), self.criteria.inclusion.toPlainText().strip(),
                              self.criteria.exclusion.toPlainText().strip(), self.people.names(),
                              self.people.template.currentData())
