"""The full-text stage (attach a PDF, read it, not retrieved, reasons required) and blind mode."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from screener.services import fulltext, queries, screening
from screener.services.conflicts import unblind
from screener.services.project import open_project, update_settings
from tests.ui.helpers import make_pdf, open_as, settle


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.focusWidget() or window.screen.table, k, modifier)


def test_full_text_stage_attach_pdf_and_required_reason(qtbot, main_window, project, tmp_path):
    with open_project(project) as store:
        update_settings(store, stage_changes={"title_abstract": {"reviewers_required": 1}})
    w = main_window
    open_as(qtbot, w, project)
    key(qtbot, w, Qt.Key.Key_I)  # records 1-3 included by ana, alone enough at title/abstract
    key(qtbot, w, Qt.Key.Key_I)
    key(qtbot, w, Qt.Key.Key_M)
    settle(qtbot, w)
    key(qtbot, w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # the full-text stage
    settle(qtbot, w)
    assert w.session.stage == "full_text" and w.session.model.ids == [1, 2]  # maybe needs adjudication
    assert w.session.current == 1 and w.screen.record_pane.shown_id == 1

    pdf = make_pdf(tmp_path / "Paper one (final).pdf")
    w.screen.attach_file(str(pdf))  # what the file dialog or a drop on the pane does
    settle(qtbot, w)
    folder = project.with_name("review_attachments")
    copied = folder / "1-Paper_one_final.pdf"
    assert copied.read_bytes() == pdf.read_bytes()
    qtbot.waitUntil(lambda: w.screen.fulltext_pane.loaded_path == str(copied), timeout=5000)
    assert w.screen.fulltext_pane.document.pageCount() == 1
    assert w.screen.tabs.currentWidget() is w.screen.fulltext_pane

    key(qtbot, w, Qt.Key.Key_E)
    assert w.screen.decision_panel.picking
    key(qtbot, w, Qt.Key.Key_Return)  # no reason: refused at full text
    assert w.screen.decision_panel.picking and "required" in w.screen.decision_panel.hint.text()
    key(qtbot, w, Qt.Key.Key_3)
    settle(qtbot, w)
    with open_project(project) as store:
        d = screening.get_decision(store, 1, "ana", "ft")
        assert d.label == "exclude" and len(d.reasons) == 1
    assert w.session.current == 2
    key(qtbot, w, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, w)
    with open_project(project) as store:
        assert fulltext.get_attachment(store, 2).status == "not_retrieved"
    assert "not retrieved" in w.screen.fulltext_pane.status.text()


def test_blind_mode_hides_other_reviewers_until_unblinded(qtbot, main_window, project):
    with open_project(project) as store:
        for rid in (1, 2, 3):
            screening.decide(store, rid, "ben", "exclude", reasons=["Not medical imaging"],
                             tags=["Task > Detection"], note="ben's secret note")
    w = main_window
    open_as(qtbot, w, project)
    model = w.session.model
    others_col = 6
    assert w.screen.table.isColumnHidden(others_col)
    html = w.screen.record_pane.toHtml()
    assert "secret" not in html and "ben" not in html and "Blind mode" in html
    assert model.data(model.index(0, others_col)) in ("", None)
    assert model.data(model.index(0, 5)) == "Pending"  # one of two reviewers, without saying how
    assert not w.screen.filter_combo.model().item(w.screen.filter_combo.findData("conflict")).isEnabled()
    assert w.session.view(1).decisions == ()
    key(qtbot, w, Qt.Key.Key_I)
    settle(qtbot, w)
    assert model.data(model.index(0, 5)) == "Screened"  # not "Conflict": that would tell

    with open_project(project) as store:
        unblind(store, "ta", "ana")
    key(qtbot, w, Qt.Key.Key_F5)
    settle(qtbot, w)
    w.session.go_to(1)
    settle(qtbot, w)
    assert not w.screen.table.isColumnHidden(others_col)
    assert model.data(model.index(0, 5)) == "Conflict"
    assert "ben: Exclude" in model.data(model.index(0, others_col))
    assert "secret" in w.screen.record_pane.toHtml()
    assert w.screen.filter_combo.model().item(w.screen.filter_combo.findData("conflict")).isEnabled()
    with open_project(project) as store:
        assert queries.display_rows(store, [1], "ana", "ta")[0].others == (("ben", "exclude"),)


def test_attach_refuses_a_non_pdf(qtbot, main_window, project, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    w = main_window
    open_as(qtbot, w, project)
    fake = tmp_path / "fake.pdf"
    fake.write_text("not a pdf")
    w.screen.attach_file(str(fake))
    settle(qtbot, w)
    box = next(b for b in w.findChildren(QMessageBox) if b.isVisible())
    assert "not a PDF" in box.text()
    assert not Path(project).with_name("review_attachments").exists() or \
        not any(Path(project).with_name("review_attachments").iterdir())
