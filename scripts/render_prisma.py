"""Render PRISMA 2020 flow diagrams as the app draws them (offscreen), to look at and for docs/.

    QT_QPA_PLATFORM=offscreen python scripts/render_prisma.py [OUT_DIR] [LABELED.csv]

Three diagrams, each built through the real services in a temporary folder:

* ``prisma_demo.png``: the demo project (its corpus comes from web lists: the other-methods
  column) after two simulated reviewers screened part of it: screening still in progress.
* ``prisma.png``: a finished update of a review on a labeled dataset (default: Cohen 2006
  Triptans, real MEDLINE records whose ``label_included`` is the review's final decision), with
  duplicates, two reviewers, conflicts resolved, reports not retrieved, reasons, two reports of
  one study, citation searching, and the previous version's counts entered.
* ``prisma_window.png``: the PRISMA window of the app on that review.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

from offscreen import isolated_app

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
LABELED = Path("/work/shared/data/labeled/Cohen_2006_Triptans.csv")
FT_REASONS = ["Wrong population", "Wrong intervention", "Wrong outcome", "Wrong study design"]


def _demo(tmp: Path) -> str:
    from screener.services import demo, screening
    from screener.services.project import open_project

    project = demo.build_demo(tmp / "demo.screener")
    with open_project(project) as store:
        for rid in range(1, 241):
            label = "exclude" if rid % 5 == 0 else "include"
            reasons = ["Not an original study (review, editorial, commentary)"] if label == "exclude" else []
            screening.decide(store, rid, "ana", label, reasons=reasons)
            if rid <= 200:
                other = "exclude" if rid % 23 == 0 else label
                screening.decide(store, rid, "ben", other,
                                 reasons=["Not medical imaging"] if other == "exclude" else [])
        for rid in [r for r in range(1, 61) if r % 5 and r % 23]:
            label = "exclude" if rid % 7 == 0 else "include"
            reasons = ["No quantitative evaluation"] if label == "exclude" else []
            screening.decide(store, rid, "ana", label, stage="ft", reasons=reasons)
            screening.decide(store, rid, "ben", label, stage="ft", reasons=reasons)
    return str(project)


def _labeled_review(tmp: Path, labeled: Path) -> str:
    from screener.core.records import ParsedFile, RecordData
    from screener.services import fulltext, screening
    from screener.services.conflicts import resolve
    from screener.services.dedup import find_candidates
    from screener.services.importing import import_parsed
    from screener.services.prisma import set_previous_counts
    from screener.services.project import init_project, update_settings
    from screener.services.studies import link_report

    with open(labeled, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("title") or "").strip()]

    def rec(r, i) -> RecordData:
        authors = tuple(a.strip() for a in (r.get("authors") or "").split(";") if a.strip())
        year = int(float(r["year"])) if (r.get("year") or "").strip() else None
        return RecordData(title=r["title"], abstract=r.get("abstract") or "", authors=authors, year=year,
                          doi=r.get("doi") or "", line=i + 2)

    store = init_project(tmp / "review.screener", title="Triptans (update)", reviewers=["ana", "ben"])
    update_settings(store, stage_changes={"ft": {"reason_required": True}})
    records = [rec(r, i) for i, r in enumerate(rows)]
    # a few records (three of them included in the end) were found only by citation searching
    held = set([i for i, r in enumerate(rows) if r.get("label_included") == "1"][-3:] + list(range(len(rows) - 5,
                                                                                                   len(rows))))
    order = [i for i in range(len(rows)) if i not in held] + sorted(held)  # import order = record ids
    import_parsed(store, ParsedFile(str(labeled), "csv", "utf-8", tuple(records[i] for i in order if i not in held)),
                  source="MEDLINE")
    import_parsed(store, ParsedFile("citations.ris", "ris", "utf-8", tuple(records[i] for i in sorted(held))),
                  source="Citation searching", source_type="citation")
    # the same search re-run in a second database returns some of the same records again
    again = tuple(records[i] for i in range(0, len(records), 9) if i not in held)
    import_parsed(store, ParsedFile("embase.ris", "ris", "utf-8", again), source="Embase (overlap)")
    find_candidates(store, auto=True, by="ana")
    from screener.services.dedup import list_groups

    kept_of = {m: g["kept"] for g in list_groups(store) for m in g["merged"]}
    row_of: dict[int, int] = {}  # the record that stands for each row after deduplication
    for rid, i in enumerate(order, start=1):
        row_of.setdefault(kept_of.get(rid, rid), i)
    decided = sorted(row_of)
    for rid in decided:
        r = rows[row_of[rid]]
        include = r.get("label_included") == "1" or rid % 11 == 0  # title/abstract lets doubtful ones through
        label = "include" if include else "exclude"
        reasons = [] if include else ["Wrong population"]
        screening.decide(store, rid, "ana", label, reasons=reasons)
        disagree = rid % 37 == 5
        screening.decide(store, rid, "ben", ("exclude" if include else "include") if disagree else label,
                         reasons=(["Wrong population"] if include else []) if disagree else reasons)
        if disagree:
            resolve(store, rid, label, "ana", reasons=reasons)
    from screener.services import queries

    for rid in queries.record_ids(store, queries.RecordQuery("ana", filter="todo")):  # copies dedup kept apart
        for who in ("ana", "ben"):
            screening.decide(store, rid, who, "exclude", reasons=["Wrong population"])
    passed = [rid for rid in decided if rows[row_of[rid]].get("label_included") == "1" or rid % 11 == 0]
    finals = []
    for k, rid in enumerate(passed):
        if k in (3, 17):
            fulltext.mark_not_retrieved(store, rid, by="ana")
            continue
        final = rows[row_of[rid]].get("label_included") == "1"
        reasons = [] if final else [FT_REASONS[k % len(FT_REASONS)]]
        screening.decide(store, rid, "ana", "include" if final else "exclude", stage="ft", reasons=reasons)
        screening.decide(store, rid, "ben", "include" if final else "exclude", stage="ft", reasons=reasons)
        if final:
            finals.append(rid)
    if len(finals) >= 2:
        link_report(store, finals[1], finals[0])  # a second report of the first study
    set_previous_counts(store, 12, 15)
    store.close()
    return str(tmp / "review.screener")


def main(out: Path, labeled: Path = LABELED) -> list[Path]:

    app, tmp = isolated_app("screener-prisma-")

    from screener.services.prisma import prisma_counts
    from screener.services.project import open_project
    from screener.ui.main_window import MainWindow
    from screener.ui.prisma_painter import PrismaLayout
    from screener.ui.prisma_view import to_png

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, project in (("prisma_demo.png", _demo(tmp)), ("prisma.png", _labeled_review(tmp, labeled))):
        with open_project(project) as store:
            counts = prisma_counts(store)
        path = out / name
        path.write_bytes(to_png(PrismaLayout(counts), scale=1.5))
        written.append(path)

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.open_project(project, "ana")
    end = time.time() + 30
    while time.time() < end and not (w.session is not None and w.runner.idle):
        app.processEvents()
        time.sleep(0.01)
    dialog = w.show_prisma()
    dialog.resize(1300, 860)
    end = time.time() + 30
    while time.time() < end and not (dialog.counts is not None and dialog.idle and w.runner.idle):
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()
    path = out / "prisma_window.png"
    dialog.grab().save(str(path))
    written.append(path)
    w.close()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"
    data = Path(sys.argv[2]) if len(sys.argv) > 2 else LABELED
    for p in main(target, data):
        print(p)
