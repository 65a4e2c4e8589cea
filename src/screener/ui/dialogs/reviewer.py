"""Who is screening? Asked once per project and remembered (per user) in QSettings."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from screener.services.dto import ReviewerInfo


class ReviewerDialog(QDialog):
    def __init__(self, project_title: str, people: tuple[ReviewerInfo, ...], preselect: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Who is screening?"))
        self.setAccessibleName(self.tr("Choose reviewer"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("You are opening “%1”. Choose your name; screener remembers it for this "
                               "project.").replace("%1", project_title))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.combo = QComboBox()
        self.combo.setAccessibleName(self.tr("Reviewer"))
        for r in people:
            self.combo.addItem(f"{r.name} ({self.tr(r.role)})", r.name)
        if preselect:
            self.combo.setCurrentIndex(max(0, self.combo.findData(preselect)))
        form.addRow(self.tr("&I am:"), self.combo)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def reviewer(self) -> str:
        return self.combo.currentData() or ""
