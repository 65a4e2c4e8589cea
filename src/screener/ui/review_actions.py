"""The main window's review commands: conflicts, merge, agreement, PRISMA, exports, studies.

Each opens its own dialog on the project the window has open, or runs its service on the task
runner; the window's refresh follows what they change.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from screener.core.enums import Stage
from screener.services.merge import merge_projects
from screener.ui.agreement_view import AgreementDialog
from screener.ui.conflicts_view import open_conflicts
from screener.ui.dialogs.export_dialog import ExportDialog
from screener.ui.prisma_view import PrismaWindow


class ReviewActionsMixin:
    """The review commands of :class:`~screener.ui.main_window.MainWindow`."""

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
        new_tags = sum(len(ids) for ids in report.get("new_tag_disagreements", {}).values())
        QMessageBox.information(self, self.tr("Merged"), self.tr(
            "{added} new and {updated} newer decisions came in; {unchanged} were already here and {kept} are "
            "newer here. {resolutions} resolutions. New conflicts: {new}; new tag disagreements: {tags}.").format(
                added=report["decisions_added"], updated=report["decisions_updated"],
                unchanged=report["unchanged"], kept=report["kept_newer_here"],
                resolutions=report["resolutions"], new=new, tags=new_tags))
        self.refresh()

    def show_agreement(self) -> AgreementDialog | None:
        """Project → Agreement…: the agreement dashboard, opened on the current stage."""
        if self.ctx is None:
            return None
        stage = self.session.stage if self.session is not None else Stage.TITLE_ABSTRACT.value
        dialog = AgreementDialog(self.ctx, self.runner, stage, self)
        self._open_dialog("agreement", dialog)
        return dialog

    def show_prisma(self) -> PrismaWindow | None:
        """Project → PRISMA flow diagram…: the live diagram, its exports and the methods text."""
        if self.ctx is None:
            return None
        old = self.dialogs.get("prisma")
        if old is not None and old.isVisible():
            old.raise_()
            old.activateWindow()
            return old
        dialog = PrismaWindow(self.ctx, self.runner, self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # it shows one project as one reviewer's session feeds it: a new project or reviewer closes it
        self.project_opened.connect(dialog.close)
        self.project_closed.connect(dialog.close)
        self.live.refreshed.connect(dialog.schedule_refresh)  # teammates' decisions on a server project
        self.dialogs["prisma"] = dialog
        dialog.destroyed.connect(lambda _=None: self.dialogs.pop("prisma", None))
        dialog.show()
        return dialog

    def export_tables(self) -> ExportDialog | None:
        """File → Export a table…: the review's tables (and figures) in CSV, TSV, XLSX, RIS, BibTeX, SVG, PNG."""
        if self.ctx is None:
            return None
        dialog = ExportDialog(self.ctx, self.runner, self)
        dialog.exported.connect(lambda r: self.show_status(self.tr("Wrote %1 rows to %2")
                                                           .replace("%1", str(r["rows"])).replace("%2", r["path"])))
        self._open_dialog("export", dialog)
        return dialog

    def link_study(self, study_id: int | None = None) -> None:
        """Screening → Report of another study…: link the current record to a study's main record
        (PRISMA counts studies and reports apart); 0 makes it a study of its own again."""
        if self.session is None or self.session.current is None:
            return
        from screener.services.studies import link_report, unlink_report

        rid = self.session.current
        if study_id is None:
            from PySide6.QtWidgets import QInputDialog

            study_id, ok = QInputDialog.getInt(
                self, self.tr("Report of another study"),
                self.tr("Record %1 is a report of the study whose main record is (0: its own study):")
                .replace("%1", str(rid)), 0, 0, 2_000_000_000)
            if not ok:
                return
        job = partial(unlink_report, self.ctx.store, rid) if study_id == 0 else partial(link_report, self.ctx.store,
                                                                                          rid, study_id)
        self.runner.submit(job, lane="db", failed=self._on_error,
                           done=lambda link: self.show_status(self.tr("Study %1: reports %2").replace(
                               "%1", str(link.study_id)).replace("%2", ", ".join(map(str, link.reports)))))

