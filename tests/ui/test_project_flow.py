"""Projects in the window: the wizard, importing, who is screening, the demo, settings, help."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from shiboken6 import isValid

from screener.services import demo, taxonomy
from screener.services.project import get_settings, open_project
from screener.services.status import project_status
from screener.ui import config, keys
from screener.ui.dialogs.reviewer import ReviewerDialog
from tests.ui.helpers import open_as, settle, wait_idle, write_ris


def visible_boxes(window):
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_new_project_wizard_then_import_a_file(qtbot, main_window, tmp_path):
    w = main_window
    assert w.stack.currentWidget() is w.start_page
    w.new_project()
    wizard = w.dialogs["new"]
    path = tmp_path / "fresh"
    wizard.place.path.setText(str(path))
    wizard.place.title.setText("Fresh review")
    wizard.place.question.setPlainText("Do FMs segment CT?")
    wizard.next()
    wizard.criteria.inclusion.setPlainText("Foundation models on medical images")
    wizard.next()
    wizard.people.reviewers.setPlainText("cara\ndan\n")
    wizard.people.template.setCurrentIndex(wizard.people.template.findData("medical-imaging-fm"))
    assert wizard.currentPage().isComplete()
    wizard.accept()
    wait_idle(qtbot, w, lambda: w.session is not None)
    settle(qtbot, w)
    assert w.ctx.reviewer == "cara" and w.ctx.role == "owner"
    assert w.ctx.project == str(path) + ".screener"
    assert w.session.model.rowCount() == 0
    assert config.recent_projects()[0] == w.ctx.project

    ris = write_ris(tmp_path / "pubmed.ris", 12)
    dialog = w.import_files([ris])
    wait_idle(qtbot, w)
    assert dialog.files.item(0, 1).text() == "ris" and dialog.files.item(0, 3).text() == "12"
    assert dialog.rejected.rowCount() == 1 and dialog.rejected.item(0, 1).text().isdigit()
    assert "no title" in dialog.rejected.item(0, 2).text()
    dialog.source.setText("PubMed")
    assert dialog.import_button.isEnabled()
    dialog.import_button.click()
    settle(qtbot, w)
    assert dialog.summary.imported == 12 and dialog.summary.rejected == 1
    assert w.session.model.rowCount() == 12 and w.screen.record_pane.shown_id == 1
    with open_project(w.ctx.project) as store:
        s = get_settings(store)
        assert s.inclusion_criteria.startswith("Foundation") and s.question == "Do FMs segment CT?"
        st = project_status(store)
        assert st["records"] == 12
    # highlighted terms of the template show up in the record pane
    html = w.screen.record_pane.toHtml()
    assert "foundation model" in html.lower() and 'class="include"' not in html  # Qt rewrites spans


def test_drop_files_on_the_window(qtbot, main_window, project, tmp_path):
    w = main_window
    open_as(qtbot, w, project)
    ris = write_ris(tmp_path / "more.ris", 3, broken=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ris))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    w.dropEvent(event)
    wait_idle(qtbot, w)
    dialog = w.dialogs["import"]
    assert dialog.isVisible() and dialog.files.rowCount() == 1 and dialog.files.item(0, 3).text() == "3"
    dialog.reject()


def test_who_is_screening_is_asked_once_then_remembered(qtbot, main_window, project):
    w = main_window
    w.open_project(str(project))
    qtbot.waitUntil(lambda: isinstance(w.dialogs.get("reviewer"), ReviewerDialog), timeout=5000)
    dialog = w.dialogs["reviewer"]
    dialog.combo.setCurrentIndex(dialog.combo.findData("ben"))
    dialog.accept()
    wait_idle(qtbot, w, lambda: w.session is not None)
    settle(qtbot, w)
    assert w.ctx.reviewer == "ben" and "ben" in w.windowTitle()
    w.close_project()
    assert w.stack.currentWidget() is w.start_page and w.session is None
    assert w.start_page.recent.count() == 1
    w.open_project(str(project))
    wait_idle(qtbot, w, lambda: w.session is not None)
    assert w.ctx.reviewer == "ben" and "reviewer" not in w.dialogs


def test_unknown_reviewer_and_bad_file_are_user_messages(qtbot, main_window, project, tmp_path):
    w = main_window
    w.open_project(str(project), "zed")
    wait_idle(qtbot, w)
    assert any("zed" in b.text() for b in visible_boxes(w)) and w.session is None
    for b in visible_boxes(w):
        b.close()
    notes = tmp_path / "notes.screener"
    notes.write_text("hello")
    w.open_project(str(notes), "ana")
    wait_idle(qtbot, w)
    assert any("not a screener project" in b.text() for b in visible_boxes(w))


def test_a_bug_gets_a_report_and_a_log_entry(qtbot, main_window):
    from screener.ui.errors import BugReportDialog, log_path, setup_logging

    w = main_window
    setup_logging()

    def broken():
        raise RuntimeError("boom in a worker")

    w.runner.submit(broken, lane="cpu")
    wait_idle(qtbot, w)
    dialog = next(d for d in w.findChildren(BugReportDialog) if d.isVisible())
    assert "boom in a worker" in dialog.report and "Traceback" in dialog.report
    assert "boom in a worker" in log_path().read_text(encoding="utf-8")
    dialog.copy_report()
    assert "boom" in QApplication.clipboard().text()
    dialog.close()
    assert w.isVisible()  # the app stays alive


def test_open_the_demo(qtbot, main_window, tmp_path):
    w = main_window
    w.open_demo(str(tmp_path / "demo.screener"))
    wait_idle(qtbot, w, lambda: w.session is not None and w.screen.record_pane.shown_id is not None, timeout=30000)
    assert w.ctx.reviewer == demo.DEMO_REVIEWERS[0]
    assert w.session.model.rowCount() == 978 and w.ctx.blinded["title_abstract"]
    assert "Keywords" in w.screen.record_pane.toPlainText()


def test_settings_dialog_edits_reasons_taxonomy_and_terms(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project)
    dialog = w.project_settings()
    wait_idle(qtbot, w)
    dialog.reasons.new_name.setText("Animal study")
    dialog.reasons._add()
    wait_idle(qtbot, w)
    assert "Animal study" in [dialog.reasons.list.item(i).text() for i in range(dialog.reasons.list.count())]
    task = dialog.taxonomy.tree.findItems("Task", Qt.MatchFlag.MatchExactly)[0]
    dialog.taxonomy.tree.setCurrentItem(task)
    dialog.taxonomy.new_name.setText("Triage")
    dialog.taxonomy.add_child.click()
    wait_idle(qtbot, w)
    triage = dialog.taxonomy.tree.findItems("Triage", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)[0]
    triage.setText(1, "Alt+G")  # its key, edited in the tree
    wait_idle(qtbot, w)
    dialog.include_terms.setPlainText("segmentation\nzero-shot")
    dialog.stage_widgets["title_abstract"][0].setValue(1)
    dialog.save()
    settle(qtbot, w)
    assert not isValid(dialog) or not dialog.isVisible()  # closed (and deleted) on OK
    with open_project(project) as store:
        tags = {t.path: t.shortcut for t in taxonomy.list_tags(store)}
        assert tags["Task > Triage"] == "Alt+G"
        s = get_settings(store)
        assert s.include_terms == ("segmentation", "zero-shot")
        assert s.stages["title_abstract"].reviewers_required == 1
    assert "Task > Triage" in w.screen.tag_panel._items
    assert "zero-shot" in w.screen.record_pane.toPlainText().lower()
    assert any(n == "Animal study" for n in (r.name for r in w.ctx.reasons["title_abstract"]))


def test_settings_dialog_turns_merging_duplicates_at_import_on(qtbot, main_window, project, tmp_path):
    from screener.services.dedup import list_groups
    from screener.services.importing import import_files

    w = main_window
    open_as(qtbot, w, project)
    dialog = w.project_settings()
    wait_idle(qtbot, w)
    dialog.tabs.setCurrentIndex(1)  # Screening
    box = dialog.auto_dedup
    assert box.isVisible() and not box.isChecked() and "import" in box.text()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()
    dialog.grab().save(str(tmp_path / "settings_screening.png"))
    dialog.save()
    settle(qtbot, w)
    assert not isValid(dialog) or not dialog.isVisible()
    assert w.ctx.settings.auto_dedup is True
    with open_project(project) as store:
        assert get_settings(store).auto_dedup is True
        # the setting at work: a second file with the same paper ends merged
        a, b = tmp_path / "a.ris", tmp_path / "b.ris"
        import_files(store, [write_ris(a, 1, broken=False), write_ris(b, 1, broken=False)])
        assert [len(g["merged"]) for g in list_groups(store)] == [1]
    dialog = w.project_settings()  # shown again as saved; unticking it saves off
    wait_idle(qtbot, w)
    assert dialog.auto_dedup.isChecked()
    dialog.auto_dedup.setChecked(False)
    dialog.save()
    settle(qtbot, w)
    with open_project(project) as store:
        assert get_settings(store).auto_dedup is False


def test_help_overlay_about_and_key_presets(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project)
    qtbot.keyClick(w.screen.table, Qt.Key.Key_F1)
    assert w.help.isVisible() and "Include" in w.help.label.text()
    qtbot.keyClick(w.help, Qt.Key.Key_Escape)
    assert not w.help.isVisible()
    w.about()
    assert "screener" in w.dialogs["about"].text()
    w.dialogs["about"].close()

    keys.save("rayyan", keys.preset_bindings("rayyan"))
    w.apply_keys()
    assert "[U]" in w.screen.decision_panel.buttons["maybe"].text()
    qtbot.keyClick(w.screen.table, Qt.Key.Key_U)
    settle(qtbot, w)
    assert w.session.model.mine == {1: "maybe"}
    keys.save("asreview", {**keys.preset_bindings("asreview"), "next": "L"})
    assert keys.bindings()["include"] == "R" and keys.bindings()["next"] == "L"
    assert keys.conflicts({"include": "R", "exclude": "r"}) == {"r": ["include", "exclude"]}


def test_window_geometry_and_splitters_are_remembered(qtbot, project):
    from screener.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    open_as(qtbot, w, project)
    w.resize(760, 560)  # within the offscreen screen, which restoreGeometry() clamps to
    w.screen.splitter.setSizes([300, 500, 300])
    sizes = w.screen.splitter.sizes()
    w.close()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    assert (w2.width(), w2.height()) == (760, 560)
    open_as(qtbot, w2, project)
    assert w2.screen.splitter.sizes() == sizes
    assert w2.ctx.project in config.recent_projects()
    w2.close()
