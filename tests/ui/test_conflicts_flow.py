"""Two reviewers screen independently by keyboard in the real window; an adjudicator resolves the
label conflicts and settles the final tags by keyboard; the outcomes and tags are final. The
Agreement dashboard shows the same numbers as the service, hides them from a plain reviewer of a
blind stage, and exports its plot."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from screener.services import conflicts, screening
from screener.services.agreement import stage_agreement
from screener.services.conflicts import unblind
from screener.services.outcomes import stage_outcomes
from screener.services.project import open_project, update_settings
from screener.services.review_tables import tags_table
from screener.services.reviewers import add_reviewer
from screener.services.status import project_status
from screener.services.taxonomy import list_tags
from screener.services.taxonomy_keys import set_tag_shortcut
from screener.storage.models import DecisionEvent, Resolution
from screener.ui.agreement_view import fmt
from screener.ui.conflicts_view import DIFFERS, GIVEN, ConflictsDialog
from tests.ui.helpers import open_as, settle

REASON = "Not medical imaging"
TAG = "Task>Segmentation"
CT, SEG = "Imaging modality > CT", "Task > Segmentation"
ALT = Qt.KeyboardModifier.AltModifier
# What each reviewer presses on records 1-6: a label key and tag shortcuts (Alt+C CT, Alt+G segmentation).
ANA = [("I", ()), ("I", ("C",)), ("E", ()), ("I", ("C", "G")), ("M", ()), ("I", ("C",))]
BEN = [("I", ()), ("I", ("G",)), ("E", ()), ("E", ()), ("E", ()), ("I", ("C",))]


def _prepare(project) -> None:
    with open_project(project) as store:
        update_settings(store, stage_changes={"title_abstract": {"reason_required": True}})
        add_reviewer(store, "cy", "adjudicator")
        by_path = {t.path: t.id for t in list_tags(store)}
        set_tag_shortcut(store, by_path[CT], "Alt+C")
        set_tag_shortcut(store, by_path[SEG], "Alt+G")


def _open_as(qtbot, w, project, reviewer: str) -> None:
    """Close the project if open (a window holds its lock), then open it as ``reviewer``."""
    if w.ctx is not None:
        w.close_project()
        settle(qtbot, w)
    open_as(qtbot, w, project, reviewer)
    assert w.ctx.reviewer == reviewer


def _screen_in_window(qtbot, w, project, reviewer: str, plan) -> None:
    """``reviewer`` opens the project and decides records 1.. in order, by keyboard only."""
    _open_as(qtbot, w, project, reviewer)
    assert w.session.current == 1
    for rid, (label, tags) in enumerate(plan, start=1):
        assert w.screen.record_pane.shown_id == rid
        target = w.focusWidget() or w.screen.table
        for letter in tags:
            qtbot.keyClick(target, getattr(Qt.Key, f"Key_{letter}"), ALT)
        qtbot.keyClick(target, getattr(Qt.Key, f"Key_{label}"))
        if label == "E":  # a reason is required here: the picker asks for its number
            assert w.screen.decision_panel.picking
            names = [r.name for r in w.ctx.reasons["title_abstract"] if not r.retired]
            qtbot.keyClick(w.focusWidget() or w.screen.table, getattr(Qt.Key, f"Key_{names.index(REASON) + 1}"))
        settle(qtbot, w)


def _press(qtbot, dialog, key, widget=None) -> None:
    qtbot.keyClick(widget or dialog.list, key)


def _wait_loaded(qtbot, dialog, count: int) -> None:
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() == count, timeout=5000)


def _open_conflicts(qtbot, w) -> ConflictsDialog:
    w.actions_by_name["conflicts"].trigger()
    qtbot.waitUntil(lambda: isinstance(w.dialogs.get("conflicts"), ConflictsDialog), timeout=5000)
    dialog = w.dialogs["conflicts"]
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() > 0, timeout=5000)
    return dialog


def _tag_rows(dialog) -> dict[str, list[str]]:
    """The tag grid as {tag: [each reviewer's cell..., final tick]}."""
    rows = {}
    for r in range(dialog.tags.rowCount()):
        cells = [dialog.tags.item(r, c) for c in range(dialog.tags.columnCount())]
        final = "x" if cells[-1].checkState() == Qt.CheckState.Checked else ""
        rows[cells[0].text()] = [c.text() for c in cells[1:-1]] + [final]
    return rows


def test_two_reviewers_to_final_outcomes(qtbot, main_window, project):
    _prepare(project)
    w = main_window
    assert w.actions_by_name["conflicts"].shortcut().toString() == "Ctrl+Shift+C"
    _screen_in_window(qtbot, w, project, "ana", ANA)
    _screen_in_window(qtbot, w, project, "ben", BEN)
    with open_project(project) as store:
        assert screening.get_decision(store, 4, "ana", "ta").tags == (CT, SEG)
        assert screening.get_decision(store, 2, "ben", "ta").tags == (SEG,)

    # a plain reviewer of the blind stage is told why the view does not open
    w.actions_by_name["conflicts"].trigger()
    qtbot.waitUntil(lambda: any(isinstance(x, QMessageBox) and x.isVisible() for x in QApplication.topLevelWidgets()),
                    timeout=5000)
    box = next(x for x in QApplication.topLevelWidgets() if isinstance(x, QMessageBox) and x.isVisible())
    assert "adjudicator" in box.text() and "conflicts" not in w.dialogs
    box.close()

    _open_as(qtbot, w, project, "cy")
    dialog = _open_conflicts(qtbot, w)
    # label conflicts 4 (include/exclude) and 5 (maybe/exclude), then record 2: both include, tagged differently
    assert [(it["record_id"], it["kind"]) for it in dialog.items] == [(4, "label"), (5, "label"), (2, "tags")]
    assert dialog.count_label.text() == "2 conflicts and 1 tag disagreements to resolve"
    assert "[tags]" in dialog.list.item(2).text()

    # record 4: labels side by side and highlighted; ben excluded without tags, so no tag disagrees
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(2)] == ["ana", "ben"]
    assert dialog.table.item(0, 0).text() == "include" and dialog.table.item(0, 1).text() == "exclude"
    assert dialog.table.item(0, 0).font().bold() and not dialog.table.item(2, 0).font().bold()
    assert dialog.table.item(1, 1).text() == REASON and dialog.table.item(2, 0).text() == "—"
    assert _tag_rows(dialog) == {CT: [GIVEN, "", "x"], SEG: [GIVEN, "", "x"]}
    # T goes to the tag grid, Space unticks CT, Esc comes back; I includes with the final tags
    _press(qtbot, dialog, Qt.Key.Key_T)
    assert dialog.tags.hasFocus() and dialog.tags.currentRow() == 0
    _press(qtbot, dialog, Qt.Key.Key_Space, dialog.tags)
    _press(qtbot, dialog, Qt.Key.Key_Escape, dialog.tags)
    assert dialog.list.hasFocus() and dialog.final == {SEG} and "Final tags: " + SEG in dialog.tags_label.text()
    dialog.note.setText("segmentation study; CT only mentioned")
    _press(qtbot, dialog, Qt.Key.Key_I)
    _wait_loaded(qtbot, dialog, 2)

    # record 5: E asks for a reason (Esc cancels), then the reason's number key
    assert dialog.current()["record_id"] == 5
    _press(qtbot, dialog, Qt.Key.Key_E)
    assert dialog.picking and REASON in dialog.hint.text()
    _press(qtbot, dialog, Qt.Key.Key_Escape)
    assert not dialog.picking
    _press(qtbot, dialog, Qt.Key.Key_E)
    number = dialog.reasons.index(REASON) + 1
    _press(qtbot, dialog, getattr(Qt.Key, f"Key_{number % 10}"))
    _wait_loaded(qtbot, dialog, 1)

    # record 2: each reviewer's tags side by side, the differing rows marked; I does nothing here
    item = dialog.current()
    assert item["record_id"] == 2 and item["kind"] == "tags" and "tagged it differently" in dialog.hint.text()
    assert _tag_rows(dialog) == {DIFFERS + CT: [GIVEN, "", "x"], DIFFERS + SEG: ["", GIVEN, "x"]}
    assert all(dialog.tags.item(r, 0).font().bold() for r in range(2))
    _press(qtbot, dialog, Qt.Key.Key_I)
    assert not dialog.busy and dialog.list.count() == 1
    _press(qtbot, dialog, Qt.Key.Key_C)  # common: none
    assert dialog.final == set()
    _press(qtbot, dialog, Qt.Key.Key_A)  # all: the union
    assert dialog.final == {CT, SEG}
    _press(qtbot, dialog, Qt.Key.Key_2)  # ben's tags
    assert dialog.final == {SEG} and _tag_rows(dialog)[DIFFERS + CT][-1] == ""
    _press(qtbot, dialog, Qt.Key.Key_S)
    _wait_loaded(qtbot, dialog, 0)
    assert dialog.count_label.text() == "No conflicts left at this stage."
    dialog.resize(1000, 560)
    settle(qtbot, w)

    with open_project(project) as store:
        doc = conflicts.list_conflicts(store)
        assert doc["count"] == 0 and doc["tag_count"] == 0
        ta = project_status(store)["stages"]["title_abstract"]
        assert (ta["conflicts"], ta["included"], ta["excluded"]) == (0, 4, 2)
        with store.read() as s:
            states = {rid: o.state for rid, o in stage_outcomes(s, "title_abstract").items() if rid <= 6}
            events = s.execute(select(DecisionEvent.record_id, DecisionEvent.origin)
                               .where(DecisionEvent.kind == "resolution").order_by(DecisionEvent.id)).all()
        assert states == {1: "include", 2: "include", 3: "exclude", 4: "include", 5: "exclude", 6: "include"}
        assert [tuple(e) for e in events] == [(4, "resolve"), (5, "resolve"), (2, "tags")]
        cols, rows = tags_table(store, "ta")
        final = {r[0]: (dict(zip(cols, r))["Imaging modality"], dict(zip(cols, r))["Task"]) for r in rows}
        assert final == {1: ("", ""), 2: ("", "Segmentation"), 4: ("", "Segmentation"), 6: ("CT", "")}
        with store.read() as s:  # the note went with record 4's resolution
            note = s.scalar(select(Resolution.note).where(Resolution.record_id == 4))
        assert note == "segmentation study; CT only mentioned"
    dialog.close()


def _screen_by_service(project) -> None:
    """ana and ben each decide records 1-8; they disagree on 2, 4, 5 and 7."""
    ana = ["include", "include", "exclude", "include", "maybe", "exclude", "include", "exclude"]
    ben = ["include", "exclude", "exclude", "maybe", "include", "exclude", "exclude", "exclude"]
    with open_project(project) as store:
        add_reviewer(store, "cy", "adjudicator")
        for rid, (a, b) in enumerate(zip(ana, ben), start=1):
            screening.decide(store, rid, "ana", a, reasons=[REASON] if a == "exclude" else [],
                             tags=[TAG] if rid % 2 else [], note="ana's note" if rid == 2 else "")
            screening.decide(store, rid, "ben", b, reasons=[REASON] if b == "exclude" else [],
                             tags=[TAG] if rid % 3 else [])
        screening.decide(store, 1, "cy", "include")  # a third reviewer on one record


def test_agreement_dashboard_numbers_and_exports(qtbot, main_window, project, tmp_path):
    _screen_by_service(project)
    w = main_window
    _open_as(qtbot, w, project, "ana")
    dialog = w.show_agreement()
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    assert not dialog.hidden() and dialog.pages.currentIndex() == 0
    with open_project(project) as store:
        expected = stage_agreement(store)
    for key in ("n_items", "percent_agreement", "cohen_kappa", "cohen_kappa_ci95", "pabak", "gwet_ac1",
                "fleiss_kappa", "krippendorff_alpha"):
        assert dialog.values[key].text() == fmt(expected[key]), key
        assert "nan" not in dialog.values[key].text().lower()
    assert dialog.values["n_items"].text() == "8"
    # three reviewers: a row per pair; the confusion matrix follows the selected pair
    assert dialog.pairs.rowCount() == 3
    assert [dialog.pairs.item(0, c).text() for c in (0, 1)] == ["ana", "ben"]
    assert dialog.pairs.item(0, 4).text() == fmt(expected["pairs"][0]["cohen_kappa"])
    assert "undefined" in dialog.pairs.item(1, 4).text()  # ana–cy share one record: kappa undefined, not NaN

    def matrix() -> list[list[int]]:
        n = dialog.confusion.rowCount()
        return [[int(dialog.confusion.item(r, c + 1).text()) for c in range(n)] for r in range(n)]

    assert matrix() == expected["pairs"][0]["confusion"]
    dialog.pairs.setCurrentCell(2, 0)
    assert "ben (rows) × cy" in dialog.confusion_label.text() and matrix() == expected["pairs"][2]["confusion"]
    assert dialog.tags.rowCount() == 1 and "Segmentation" in dialog.tags.item(0, 0).text()
    assert dialog.reasons.rowCount() == 1 and dialog.reasons.item(0, 0).text() == REASON
    assert dialog.plot.blocks and dialog.plot.blocks[0]["n_items"] == 8

    png, svg = tmp_path / "plot.png", tmp_path / "plot.svg"
    dialog.export(str(png))
    dialog.export(str(svg))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and svg.stat().st_size > 500
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("plot")) == ["plot.png", "plot.svg"]

    # the full-text stage has nothing rated twice: everything reads "undefined", never NaN
    dialog.stage_box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dialog.data["stage"] == "full_text", timeout=5000)
    assert dialog.values["cohen_kappa"].text() == "undefined" and dialog.values["n_items"].text() == "0"
    dialog.close()
    settle(qtbot, w)


def test_agreement_hidden_from_a_reviewer_while_blind(qtbot, main_window, project):
    _screen_by_service(project)
    w = main_window
    _open_as(qtbot, w, project, "ben")
    dialog = w.show_agreement()
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    assert dialog.hidden() and dialog.pages.currentWidget() is dialog.hidden_note
    assert "blind" in dialog.hidden_note.text() and "adjudicator" in dialog.hidden_note.text()
    assert dialog.values["percent_agreement"].text() == "…"  # nothing was ever filled in
    dialog.close()
    settle(qtbot, w)

    _open_as(qtbot, w, project, "cy")  # an adjudicator sees the figures of the blind stage
    dialog = w.show_agreement()
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    assert not dialog.hidden() and dialog.values["n_items"].text() == "8"
    dialog.close()
    settle(qtbot, w)

    with open_project(project) as store:
        unblind(store, "ta", "ana")
    _open_as(qtbot, w, project, "ben")  # once the owner ends blinding, everyone sees them
    dialog = w.show_agreement()
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    assert not dialog.hidden() and dialog.values["n_items"].text() == "8"
    dialog.stage_box.setCurrentIndex(1)  # the full-text stage is still blind
    qtbot.waitUntil(lambda: dialog.data["stage"] == "full_text", timeout=5000)
    assert dialog.hidden() and "full text" in dialog.hidden_note.text()
    dialog.close()
    settle(qtbot, w)
