"""Edits made in a window left open while someone else saved: a clear message, nothing overwritten.

Another Store on the same project file plays the other reviewer's desktop and saves behind the
open dialog's back. Saving in the dialog must then show a plain message (not the bug report),
leave the other person's change standing, and show it in the dialog, so the user can edit again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from shiboken6 import isValid

from screener.services import screening, taxonomy
from screener.services.conflicts import list_conflicts, resolve
from screener.services.outcomes import stage_outcomes
from screener.services.project import get_settings, open_project, update_settings
from screener.services.reviewers import add_reviewer
from screener.ui.conflicts_view import ConflictsDialog
from screener.ui.errors import BugReportDialog
from tests.ui.helpers import open_as, settle

SEG = "Task > Segmentation"


def _message(qtbot) -> QMessageBox:
    """The one message box on screen (and no bug report)."""
    def shown() -> list[QMessageBox]:
        return [x for x in QApplication.topLevelWidgets() if isinstance(x, QMessageBox) and x.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1, timeout=5000)
    assert not [x for x in QApplication.topLevelWidgets() if isinstance(x, BugReportDialog) and x.isVisible()]
    return shown()[0]


def test_settings_saved_behind_the_dialogs_back_are_not_overwritten(qtbot, main_window, project, tmp_path):
    w = main_window
    open_as(qtbot, w, project, "ana")
    dialog = w.project_settings()
    settle(qtbot, w)
    ft_reason = dialog.stage_widgets["full_text"][2]
    wanted_ft_reason = not ft_reason.isChecked()
    # ana edits the form...
    dialog.title.setText("Ana's title")
    dialog.inclusion.setPlainText("Adults only")
    ft_reason.setChecked(wanted_ft_reason)
    # ...while ben, on his own desktop, saves the project settings
    with open_project(project) as other:
        update_settings(other, title="Ben's title", question="Which FMs segment CT?")

    dialog.save()
    settle(qtbot, w)
    box = _message(qtbot)
    assert "the project settings were changed by someone else since you opened them" in box.text()
    assert "reload and try again" in box.text()
    assert dialog.isVisible()  # not accepted: the user edits again
    dialog.grab().save(str(tmp_path / "settings_conflict_dialog.png"))
    box.grab().save(str(tmp_path / "settings_conflict_message.png"))
    with open_project(project) as store:
        s = get_settings(store)
    assert (s.title, s.question, s.inclusion_criteria) == ("Ben's title", "Which FMs segment CT?", "")
    assert s.stages["full_text"].reason_required != wanted_ft_reason  # nothing of ana's was saved
    # the form shows what ben changed; ana's edits of what nobody else changed stay
    settle(qtbot, w)
    assert dialog.title.text() == "Ben's title" and dialog.question.toPlainText() == "Which FMs segment CT?"
    assert dialog.inclusion.toPlainText() == "Adults only" and ft_reason.isChecked() == wanted_ft_reason
    assert w.ctx.settings.title == "Ben's title"  # the window's copy was refreshed too
    box.close()

    # on the fresh copy, OK saves (and closes the dialog)
    dialog.save()
    settle(qtbot, w)
    assert not isValid(dialog) or not dialog.isVisible()
    with open_project(project) as store:
        s = get_settings(store)
    assert (s.title, s.inclusion_criteria) == ("Ben's title", "Adults only")
    assert s.stages["full_text"].reason_required == wanted_ft_reason


def test_a_settings_dialog_opened_on_an_old_copy_shows_the_project_as_it_is(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project, "ana")
    with open_project(project) as other:  # saved after the window read the project
        update_settings(other, {"title_abstract": {"reviewers_required": 3}}, title="Ben's title")
    assert w.ctx.settings.title != "Ben's title"
    dialog = w.project_settings()
    settle(qtbot, w)
    assert dialog.title.text() == "Ben's title"
    assert dialog.stage_widgets["title_abstract"][0].value() == 3
    dialog.question.setPlainText("Does it work?")
    dialog.save()
    settle(qtbot, w)
    with open_project(project) as store:
        s = get_settings(store)
    assert (s.title, s.question, s.stages["title_abstract"].reviewers_required) == ("Ben's title", "Does it work?", 3)


def test_a_tag_changed_behind_the_taxonomy_editors_back(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project, "ana")
    dialog = w.project_settings()
    settle(qtbot, w)
    editor = dialog.taxonomy
    item = editor.tree.findItems("Segmentation", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)[0]
    editor.tree.setCurrentItem(item)
    with open_project(project) as other:
        seg = next(t for t in taxonomy.list_tags(other) if t.path == SEG)
        taxonomy.rename_tag(other, seg.id, "Segmentation (2D/3D)")
    editor.buttons["retire"].click()  # on the old copy
    settle(qtbot, w)
    box = _message(qtbot)
    assert "the tag 'Task > Segmentation (2D/3D)' was changed by someone else" in box.text()
    box.close()
    settle(qtbot, w)
    # the tree reloaded: ben's name shows, and the tag was not retired
    assert editor.tree.findItems("Segmentation (2D/3D)", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
    with open_project(project) as store:
        now = next(t for t in taxonomy.list_tags(store, include_retired=True) if t.id == seg.id)
    assert now.name == "Segmentation (2D/3D)" and not now.retired
    dialog.reject()


def test_a_conflict_resolved_by_another_adjudicator_meanwhile(qtbot, main_window, project):
    with open_project(project) as store:
        add_reviewer(store, "cy", "adjudicator")
        screening.decide(store, 3, "ana", "include")
        screening.decide(store, 3, "ben", "exclude")
    w = main_window
    open_as(qtbot, w, project, "cy")
    w.actions_by_name["conflicts"].trigger()
    qtbot.waitUntil(lambda: isinstance(w.dialogs.get("conflicts"), ConflictsDialog), timeout=5000)
    dialog = w.dialogs["conflicts"]
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() == 1, timeout=5000)
    with open_project(project) as other:
        resolve(other, 3, "include", "ana", note="it is imaging")
    qtbot.keyClick(dialog.list, Qt.Key.Key_E)  # cy excludes, on what the list showed
    settle(qtbot, w)
    box = _message(qtbot)
    assert "record 3 at the title/abstract stage was resolved by ana (now: include)" in box.text()
    box.close()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() == 0, timeout=5000)  # reloaded
    with open_project(project) as store:
        with store.read() as s:
            assert stage_outcomes(s, "title_abstract", [3])[3].state == "include"
        assert list_conflicts(store, "ta")["count"] == 0
    dialog.close()
