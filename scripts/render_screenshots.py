"""Render the main views of the app to PNG files in docs/ (offscreen, on the demo project).

    QT_QPA_PLATFORM=offscreen python scripts/render_screenshots.py [OUT_DIR]

Everything is built in a temporary folder (project, PDFs, per-user settings), so running this
touches neither the user's settings nor their projects.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from offscreen import isolated_app, sample_pdf, settle

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SIZE = (1400, 860)


def main(out: Path) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    app, tmp = isolated_app("screener-shots-")

    from screener.services import demo, queries, screening
    from screener.services.conflicts import unblind
    from screener.services.project import open_project, update_settings
    from screener.ui import config, theme
    from screener.ui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    project = demo.build_demo(tmp / "fm-imaging-demo.screener")

    # A little history: ben has screened the first records, both have included a few, so the
    # full-text stage has something in it.
    with open_project(project) as store:
        ids = queries.record_ids(store, queries.RecordQuery("ana"))
        for rid in ids[:40]:
            label = "exclude" if rid % 4 == 0 else "include"
            reasons = ["Not an original study (review, editorial, commentary)"] if label == "exclude" else []
            screening.decide(store, rid, "ben", label, reasons=reasons, origin="demo")
        for rid in ids[:6]:
            screening.decide(store, rid, "ana", "include" if rid != 4 else "exclude", origin="demo")
    config.add_recent_project(str(tmp / "earlier-review.screener"))
    config.add_recent_project(str(project))

    w = MainWindow()
    w.resize(*SIZE)
    w.show()

    def wait(cond=lambda: True, timeout: float = 20) -> None:
        settle(app, w, cond, timeout)

    def shot(widget, name: str) -> None:
        app.processEvents()
        path = out / name
        widget.grab().save(str(path))
        written.append(path)

    shot(w, "start_page.png")

    w.open_project(str(project), "ana")
    wait(lambda: w.session is not None and w.screen.record_pane.shown_id is not None)
    target = next(rid for rid in w.session.model.ids[6:] if rid not in w.session.model.mine)
    with open_project(project) as store:
        survey = queries.record_ids(store, queries.RecordQuery("ana", search="survey", filter="todo"))
    w.session.go_to(survey[0] if survey else target)
    wait(lambda: w.screen.record_pane.shown_id == w.session.current)
    w.screen.table.setFocus()
    shot(w, "screening.png")

    QTest.keyClick(w.screen.table, Qt.Key.Key_E)
    wait()
    shot(w, "reason_picker.png")
    QTest.keyClick(w.screen.table, Qt.Key.Key_Escape)

    w.toggle_help()
    wait()
    shot(w, "keyboard_help.png")
    w.toggle_help()

    # Full text: unblind the title/abstract stage (so agreed includes pass), attach a PDF.
    with open_project(project) as store:
        unblind(store, "ta", "ana")
        update_settings(store, stage_changes={"full_text": {"blind": True}})
    w.refresh()
    wait()
    pdf = sample_pdf(tmp / "paper.pdf")
    w.screen.set_stage("ft")
    wait(lambda: w.session.stage == "full_text" and w.session.current is not None)
    rid = w.session.current
    w.screen.attach_file(str(pdf))
    wait(lambda: w.screen.fulltext_pane.loaded_path is not None)
    w.session.go_to(rid)
    wait(lambda: w.screen.record_pane.shown_id == rid)
    end = time.time() + 1.5  # QPdfView renders pages in the background
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)
    shot(w, "full_text.png")

    w.screen.set_stage("ta")
    wait(lambda: w.session.stage == "title_abstract" and w.screen.record_pane.shown_id is not None)
    w.session.go_to(w.session.model.ids[0])
    wait(lambda: w.screen.record_pane.shown_id == w.session.model.ids[0])
    shot(w, "unblinded.png")

    settings = w.project_settings()
    wait()
    settings.resize(780, 560)
    settings.tabs.setCurrentWidget(settings.taxonomy)
    shot(settings, "settings_taxonomy.png")
    settings.tabs.setCurrentIndex(1)
    shot(settings, "settings_screening.png")
    settings.reject()

    ris = tmp / "scopus.ris"
    ris.write_text("TY  - JOUR\nTI  - MedSAM: segment anything in medical images\nAU  - Ma, J.\nPY  - 2024\n"
                   "JO  - Nature Communications\nDO  - 10.1038/s41467-024-44824-z\nER  - \n\n"
                   "TY  - JOUR\nAU  - Nobody, N.\nPY  - 2021\nER  - \n\n"
                   "TY  - JOUR\nTI  - SAM-Med2D\nAU  - Cheng, J.\nPY  - 2023\nER  - \n", encoding="utf-8")
    dialog = w.import_files([str(ris)])
    wait()
    dialog.source.setText("Scopus")
    shot(dialog, "import.png")
    dialog.reject()

    w.close_project()
    w.new_project()
    wizard = w.dialogs["new"]
    wizard.place.path.setText("~/reviews/fm-ct-segmentation.screener")
    wizard.place.title.setText("Foundation models for CT segmentation")
    wizard.place.question.setPlainText("How well do foundation models segment CT images?")
    shot(wizard, "new_project.png")
    wizard.reject()

    theme.use_dark(app)
    w.open_project(str(project), "ben")
    wait(lambda: w.session is not None and w.screen.record_pane.shown_id is not None)
    shot(w, "dark.png")
    w.close()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"
    for path in main(target):
        print(path)
