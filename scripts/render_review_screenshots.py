"""Render the Conflicts view (on a tag disagreement) and the Agreement dashboard to PNG files.

    QT_QPA_PLATFORM=offscreen python scripts/render_review_screenshots.py [OUT_DIR] [BLIND_OUT_DIR]

Writes ``conflicts.png`` and ``agreement.png`` (as the adjudicator) to OUT_DIR (default docs/) and
``agreement_blind.png`` (what a plain reviewer sees while the stage is blind) to BLIND_OUT_DIR
(default: the temporary folder). The demo project is built in a temporary folder with per-user
settings there too, and two reviewers' decisions are simulated with a fixed seed.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from offscreen import isolated_app, settle

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
N_RECORDS = 240
TAGS = {"segment": "Task > Segmentation", "report": "Task > Report generation", " ct": "Imaging modality > CT",
        "mri": "Imaging modality > MRI", "x-ray": "Imaging modality > X-ray", "radiograph": "Imaging modality > X-ray",
        "patholog": "Imaging modality > Pathology", "clip": "Model family > Vision-language model",
        "sam": "Model family > Vision foundation model > Segment anything (SAM)", "zero-shot": "Adaptation > Zero-shot"}
EXTRA = ["Task > Classification", "Task > Detection", "Adaptation > Prompting", "Adaptation > Adapters / PEFT",
         "Adaptation > Full fine-tuning", "Model family > Multimodal large model"]
REASONS = ["Not medical imaging", "Not an original study (review, editorial, commentary)",
           "Not a large or foundation model"]


def simulate(project: Path, seed: int = 3) -> None:
    """ana and ben screen the first records; ben agrees more as time goes on; both tag includes."""
    from sqlalchemy import select

    from screener.services import screening
    from screener.services.project import open_project
    from screener.services.reviewers import add_reviewer
    from screener.storage.models import Record

    rng = random.Random(seed)
    with open_project(project) as store:
        add_reviewer(store, "cy", "adjudicator")
        with store.read() as s:
            rows = s.execute(select(Record.id, Record.title).order_by(Record.id).limit(N_RECORDS)).all()
        for i, (rid, title) in enumerate(rows):
            truth = rng.choices(["include", "exclude"], weights=[4, 6])[0]
            lowered = f" {title.lower()}"
            tags = {tag for key, tag in TAGS.items() if key in lowered} | set(rng.sample(EXTRA, 2))
            follows = 0.55 + 0.4 * i / len(rows)
            for who, p in (("ana", 0.85), ("ben", follows)):
                label = truth if rng.random() < p else rng.choice(["include", "exclude", "maybe"])
                given = [t for t in sorted(tags) if rng.random() < 0.85] if label == "include" else []
                if given and rng.random() < 0.15:
                    given.append(rng.choice(EXTRA))  # now and then a tag the other did not think of
                reasons = [rng.choice(REASONS)] if label == "exclude" else []
                screening.decide(store, rid, who, label, reasons=reasons, tags=sorted(set(given)), origin="demo")


def main(out: Path, blind_out: Path | None = None) -> list[Path]:

    app, tmp = isolated_app("screener-review-shots-")

    from screener.services import demo
    from screener.ui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    blind_out = blind_out or tmp
    project = demo.build_demo(tmp / "fm-imaging-demo.screener")
    simulate(project)
    written: list[Path] = []

    w = MainWindow()
    w.resize(1400, 860)
    w.show()

    def wait(cond=lambda: True, timeout: float = 30) -> None:
        settle(app, w, cond, timeout)

    def shot(widget, path: Path) -> None:
        app.processEvents()
        widget.grab().save(str(path))
        written.append(path)

    def open_as(name: str) -> None:
        if w.ctx is not None:
            w.close_project()
            wait()
        w.open_project(str(project), name)
        wait(lambda: w.ctx is not None and w.ctx.reviewer == name and w.session is not None
             and w.screen.record_pane.shown_id is not None)

    open_as("ben")
    dialog = w.show_agreement()
    dialog.resize(1000, 720)
    wait(lambda: dialog.data is not None)
    shot(dialog, blind_out / "agreement_blind.png")
    dialog.close()

    open_as("cy")
    w.show_conflicts()
    wait(lambda: "conflicts" in w.dialogs and not w.dialogs["conflicts"].busy)
    conflicts = w.dialogs["conflicts"]
    conflicts.resize(1180, 660)
    tagged = [i for i, it in enumerate(conflicts.items) if it["kind"] == "tags"]
    row = max(tagged, key=lambda i: (len(conflicts.items[i]["final_tags"]), -i))  # the richest one
    conflicts.list.setCurrentRow(row)
    conflicts.list.scrollToItem(conflicts.list.currentItem())
    wait()
    shot(conflicts, out / "conflicts.png")
    conflicts.close()

    dialog = w.show_agreement()
    dialog.resize(1000, 720)
    wait(lambda: dialog.data is not None)
    dialog.pairs.setFocus()
    dialog.tabs.setCurrentIndex(0)
    shot(dialog, out / "agreement.png")
    dialog.tabs.setCurrentIndex(1)
    shot(dialog, blind_out / "agreement_tags.png")
    dialog.close()
    w.close()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"
    blind = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    for path in main(target, blind):
        print(path)
