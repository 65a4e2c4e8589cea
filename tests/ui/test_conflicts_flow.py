"""Two reviewers screen independently; an adjudicator resolves the conflicts by keyboard; the
Agreement dashboard shows the same numbers as the service and exports its plot."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from screener.services import conflicts, screening
from screener.services.agreement import stage_agreement
from screener.services.project import open_project, update_settings
from screener.services.reviewers import add_reviewer
from screener.services.status import project_status
from screener.ui.agreement_view import fmt
from screener.ui.conflicts_view import ConflictsDialog
from tests.ui.helpers import open_as, settle

REASON = "Not medical imaging"
TAG = "Task>Segmentation"


def _screen_independently(project) -> None:
    """ana and ben each decide records 1-8; they disagree on 2, 4, 5 and 7."""
    ana = ["include", "include", "exclude", "include", "maybe", "exclude", "include", "exclude"]
    ben = ["include", "exclude", "exclude", "maybe", "include", "exclude", "exclude", "exclude"]
    with open_project(project) as store:
        update_settings(store, stage_changes={"title_abstract": {"reason_required": True}})
        add_reviewer(store, "cy", "adjudicator")
        for rid, (a, b) in enumerate(zip(ana, ben), start=1):
            screening.decide(store, rid, "ana", a, reasons=[REASON] if a == "exclude" else [],
                             tags=[TAG] if rid % 2 else [], note="ana's note" if rid == 2 else "")
            screening.decide(store, rid, "ben", b, reasons=[REASON] if b == "exclude" else [],
                             tags=[TAG] if rid % 3 else [])


def _press(qtbot, dialog, key) -> None:
    qtbot.keyClick(dialog.list, key)


def _open_conflicts(qtbot, w) -> ConflictsDialog:
    w.actions_by_name["conflicts"].trigger()
    qtbot.waitUntil(lambda: isinstance(w.dialogs.get("conflicts"), ConflictsDialog), timeout=5000)
    dialog = w.dialogs["conflicts"]
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() > 0, timeout=5000)
    return dialog


def test_two_reviewers_to_final_outcomes(qtbot, main_window, project, tmp_path):
    _screen_independently(project)
    w = main_window
    assert w.actions_by_name["conflicts"].shortcut().toString() == "Ctrl+Shift+C"

    # a plain reviewer of the blind stage is told why the view does not open
    open_as(qtbot, w, project, "ben")
    w.actions_by_name["conflicts"].trigger()
    qtbot.waitUntil(lambda: any(isinstance(x, QMessageBox) and x.isVisible() for x in QApplication.topLevelWidgets()),
                    timeout=5000)
    box = next(x for x in QApplication.topLevelWidgets() if isinstance(x, QMessageBox) and x.isVisible())
    assert "adjudicator" in box.text() and "conflicts" not in w.dialogs
    box.close()

    open_as(qtbot, w, project, "cy")
    dialog = _open_conflicts(qtbot, w)
    assert dialog.count_label.text().startswith("4 ")
    assert [it["record_id"] for it in dialog.items] == [2, 4, 5, 7]
    # every reviewer's label, reasons, tags and note side by side
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(2)] == ["ana", "ben"]
    assert dialog.table.item(0, 0).text() == "include" and dialog.table.item(0, 1).text() == "exclude"
    assert dialog.table.item(1, 1).text() == REASON
    assert "Segmentation" in dialog.table.item(2, 1).text() and dialog.table.item(3, 0).text() == "ana's note"

    # record 2: exclude needs a reason here → E, then the reason's number key; with a note
    dialog.note.setText("agreed with ben")
    _press(qtbot, dialog, Qt.Key.Key_E)
    assert dialog.picking and REASON in dialog.hint.text()
    _press(qtbot, dialog, Qt.Key.Key_Escape)  # cancel, then again
    assert not dialog.picking
    _press(qtbot, dialog, Qt.Key.Key_E)
    number = dialog.reasons.index(REASON) + 1
    _press(qtbot, dialog, getattr(Qt.Key, f"Key_{number % 10}"))
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() == 3, timeout=5000)
    assert dialog.current()["record_id"] == 4  # the next conflict shows
    _press(qtbot, dialog, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() == 2, timeout=5000)
    assert dialog.current()["record_id"] == 5
    _press(qtbot, dialog, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() == 1, timeout=5000)
    _press(qtbot, dialog, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.list.count() == 0, timeout=5000)
    assert "No conflicts" in dialog.count_label.text()
    dialog.resize(1000, 560)
    settle(qtbot, w)

    with open_project(project) as store:
        assert conflicts.list_conflicts(store)["count"] == 0
        ta = project_status(store)["stages"]["title_abstract"]
        # agreed: 1 include, 3 6 8 exclude; resolved: 2 exclude, 4 include, 5 maybe, 7 include
        assert (ta["conflicts"], ta["included"], ta["excluded"], ta["maybe"]) == (0, 3, 4, 1)
        from screener.services.outcomes import stage_outcomes

        with store.read() as s:
            states = {rid: o.state for rid, o in stage_outcomes(s, "title_abstract").items() if rid <= 8}
        assert states == {1: "include", 2: "exclude", 3: "exclude", 4: "include", 5: "maybe", 6: "exclude",
                          7: "include", 8: "exclude"}
    dialog.close()


def test_agreement_dashboard_numbers_and_exports(qtbot, main_window, project, tmp_path):
    _screen_independently(project)
    w = main_window
    open_as(qtbot, w, project, "ana")
    dialog = w.show_agreement()
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    with open_project(project) as store:
        expected = stage_agreement(store)
    for key in ("n_items", "percent_agreement", "cohen_kappa", "cohen_kappa_ci95", "pabak", "gwet_ac1",
                "fleiss_kappa", "krippendorff_alpha"):
        assert dialog.values[key].text() == fmt(expected[key]), key
        assert "nan" not in dialog.values[key].text().lower()
    assert dialog.values["n_items"].text() == "8"
    assert dialog.pairs.rowCount() == 1 and dialog.pairs.item(0, 4).text() == fmt(expected["pairs"][0]["cohen_kappa"])
    conf = expected["pairs"][0]["confusion"]
    assert [[int(dialog.confusion.item(r, c + 1).text()) for c in range(len(conf))] for r in range(len(conf))] == conf
    assert dialog.tags.rowCount() == 1 and "Segmentation" in dialog.tags.item(0, 0).text()
    assert dialog.reasons.rowCount() == 1 and dialog.reasons.item(0, 0).text() == REASON
    assert dialog.plot.blocks and dialog.plot.blocks[0]["n_items"] == 8

    png, svg = tmp_path / "plot.png", tmp_path / "plot.svg"
    dialog.export(str(png))
    dialog.export(str(svg))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and svg.stat().st_size > 500

    # the full-text stage has nothing rated twice: everything reads "undefined", never NaN
    dialog.stage_box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dialog.data["summary"]["stage"] == "full_text", timeout=5000)
    assert dialog.values["cohen_kappa"].text() == "undefined" and dialog.values["n_items"].text() == "0"
    dialog.close()
    settle(qtbot, w)
