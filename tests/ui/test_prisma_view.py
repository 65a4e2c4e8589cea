"""The PRISMA diagram drawn with Qt: never clipped, its SVG and PDF carry the numbers, it follows the
decisions live in the main window; File → Export writes the review's tables; the settings dialog
takes the previous review's counts."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata

import defusedxml.ElementTree as SafeET
import pypdf
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QFontMetricsF, QImage, QPainter, QPdfWriter

from screener.services import screening
from screener.services.prisma import previous_counts
from screener.services.project import open_project
from screener.services.studies import study_of
from screener.stats.prisma import PrismaCounts
from screener.ui.prisma_painter import NBSP, PrismaLayout
from screener.ui.prisma_view import to_pdf, to_png, to_svg
from tests.ui.helpers import open_as, settle

DONE = PrismaCounts(
    database_results=2100, database_specific_results={"PubMed": 1200, "Scopus": 900},
    register_results=40, register_specific_results={"ClinicalTrials.gov": 40},
    website_results=12, organisation_results=3, citations_results=25,
    duplicates=512, excluded_automatic=300, excluded_other=8,
    excluded_other_reasons={"Retracted": 5, "Not in English": 3},
    records_screened=1320, records_excluded=1192, records_excluded_human=1012, records_excluded_automation=180,
    dbr_sought_reports=128, dbr_notretrieved_reports=6, dbr_assessed=122,
    dbr_excluded={"Not a foundation model": 31, "No evaluation": 12},
    other_sought_reports=20, other_notretrieved_reports=2, other_assessed=18, other_excluded={"Duplicate study": 4},
    new_studies=85, new_reports=93,
)
ONGOING = dataclasses.replace(DONE, records_excluded=1100, records_excluded_human=920, dbr_sought_reports=100,
                              records_awaiting=120, dbr_notretrieved_reports=4, dbr_assessed=80,
                              reports_awaiting_retrieval=16, dbr_excluded={"Not a foundation model": 20},
                              new_reports=56, new_studies=55, reports_awaiting_assessment=18)
LONG = dataclasses.replace(
    DONE, previous_studies=20, previous_reports=25, total_studies_ma=40, total_reports_ma=44,
    dbr_excluded={"Not a foundation model: the authors fine-tune a small convolutional network pretrained on "
                  "ImageNet, which the protocol rules out": 31,
                  "Pneumonoultramicroscopicsilicovolcanoconiosis-and-other-unbreakable-words-in-one-reason": 12},
    database_specific_results={"Web of Science Core Collection (Science Citation Index Expanded)": 2100})
CASES = {"done": DONE, "ongoing": ONGOING, "long": LONG, "no_other": dataclasses.replace(
    DONE, website_results=0, organisation_results=0, citations_results=0, other_sought_reports=0,
    other_notretrieved_reports=0, other_assessed=0, other_excluded=(), new_reports=89, new_studies=81)}


def _numbers(c: PrismaCounts) -> list[str]:
    """Every "(n = …)" the diagram must show, as text."""
    out = [c.database_results, c.register_results, c.duplicates, c.excluded_automatic, c.excluded_other,
           c.records_screened, c.records_excluded, c.dbr_sought_reports, c.dbr_notretrieved_reports, c.dbr_assessed,
           c.new_studies, c.new_reports]
    out += [n for _, n in c.database_specific_results + c.register_specific_results + c.dbr_excluded]
    if c.has_other_methods:
        out += [c.website_results, c.organisation_results, c.citations_results, c.other_sought_reports,
                c.other_notretrieved_reports, c.other_assessed]
    if c.is_update:
        out += [c.previous_studies, c.previous_reports, c.total_studies, c.total_reports]
    return [f"(n = {n})" for n in out]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("size", [9, 13, 18])
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_text_is_clipped(case, size):
    layout = PrismaLayout(CASES[case], pixel_size=size, title="A review with a title long enough to wrap " * 3)
    page = QRectF(0, 0, layout.size.width(), layout.size.height())
    boxes = [item for item in layout.items]
    for item, text in layout.texts():
        where = item.rect if item is not None else page
        assert where.contains(text.rect), (case, size, text.text, where, text.rect)
    for i, a in enumerate(boxes):  # boxes, headers and bands never overlap
        for b in boxes[i + 1:]:
            assert not a.rect.intersects(b.rect), (a.key, b.key)
    # the devices measure no wider than the layout did: on screen/PNG and in the PDF
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pdf = QPdfWriter(buf)
    pdf.setResolution(1200)
    for device in (image, pdf):
        for item, text in layout.texts():
            font = layout.fonts.font(text.bold, text.italic, text.size)
            width = QFontMetricsF(font, device).horizontalAdvance(text.text.replace(NBSP, " "))
            room = text.rect.height() if text.rotated else text.rect.width()  # band labels run upwards
            assert width <= room, (text.text, width, room)
    painter = QPainter(pdf)  # a writer must not be left without a page
    painter.end()


def test_long_reason_names_wrap_and_columns_grow():
    layout = PrismaLayout(LONG)
    excluded = layout.boxes["reports_excluded"]
    pieces = [t.text for t in excluded.texts]
    assert len(pieces) > 4  # the long reason wrapped over several lines
    assert any(p.startswith("Pneumonoultramicroscopic") for p in pieces)
    assert excluded.rect.width() > PrismaLayout(DONE).boxes["reports_excluded"].rect.width()
    # "(n = 31)" is never split over two lines
    assert any(p.endswith(f"(n{NBSP}={NBSP}31)") for p in pieces)


@pytest.mark.parametrize("case", ["ongoing", "long"])
def test_svg_and_pdf_contain_every_number(case):
    counts = CASES[case]
    layout = PrismaLayout(counts)
    root = SafeET.fromstring(to_svg(layout))
    svg_text = _flat(" ".join(el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")))
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(layout)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - layout.size.width() * 0.75) < 1.5  # the page is the diagram
    pdf_text = _flat(reader.pages[0].extract_text())
    for n in _numbers(counts):
        assert n in svg_text, n
        assert n in pdf_text, n
    for label in ("Records screened", "Reports assessed for eligibility", "Identification", "Screening", "Included"):
        assert label in svg_text and label in pdf_text
    if counts.awaiting:
        assert "Awaiting decision (n = 120)" in svg_text and "Awaiting retrieval (n = 16)" in pdf_text
    png = to_png(layout, scale=1.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage.fromData(png)
    assert (image.width(), image.height()) == (round(layout.size.width()), round(layout.size.height()))


def _window(qtbot, main_window, project):
    open_as(qtbot, main_window, project, "ana")
    w = main_window.show_prisma()
    qtbot.waitUntil(lambda: w.counts is not None and w.idle, timeout=10000)
    return w


def test_live_diagram_follows_decisions(qtbot, main_window, project, tmp_path):
    w = _window(qtbot, main_window, project)
    assert w.counts.records_screened == 30 and w.counts.records_awaiting == 30
    assert "30 records or reports await" in w.status.text()
    with open_project(project) as store:  # ben screened record 1 elsewhere
        screening.decide(store, 1, "ben", "include")
    assert main_window.session.current == 1
    main_window.screen.actions_by_name["include"].trigger()  # ana agrees in this window
    settle(qtbot, main_window)
    qtbot.waitUntil(lambda: w.idle and w.counts.dbr_sought_reports == 1, timeout=10000)
    assert w.counts.records_awaiting == 29 and w.counts.reports_awaiting_retrieval == 1
    assert w.canvas.layout_ is not None
    w.canvas.grab().save(str(tmp_path / "live.png"))
    assert QImage(str(tmp_path / "live.png")).width() > 0

    for suffix in (".svg", ".pdf", ".png", ".csv"):
        w.export(str(tmp_path / f"prisma{suffix}"))
    settle(qtbot, main_window)
    qtbot.waitUntil(lambda: (tmp_path / "prisma.csv").exists(), timeout=5000)
    assert "Reports sought for retrieval" in _flat((tmp_path / "prisma.svg").read_text(encoding="utf-8"))
    assert "(n = 29)" in _flat(pypdf.PdfReader(tmp_path / "prisma.pdf").pages[0].extract_text())
    with open(tmp_path / "prisma.csv", encoding="utf-8", newline="") as f:
        rows = {r["data"]: r["n"] for r in csv.DictReader(f)}
    assert rows["records_screened"] == "30" and rows["dbr_sought_reports"] == "1"
    assert not list(tmp_path.glob("*.tmp*")) and not list(tmp_path.glob(".*prisma*"))

    w.tabs.setCurrentIndex(1)  # the methods text is read when asked for
    qtbot.waitUntil(lambda: "30 records were screened" in w.methods.toPlainText(), timeout=10000)
    main_window.close_project()
    settle(qtbot, main_window)
    assert "prisma" not in main_window.dialogs or not main_window.dialogs["prisma"].isVisible()


def test_export_dialog_writes_each_table(qtbot, main_window, project, tmp_path):
    open_as(qtbot, main_window, project, "ana")
    with open_project(project) as store:
        for rid in (1, 2, 3):
            for who in ("ana", "ben"):
                screening.decide(store, rid, who, "include", tags=["Task > Segmentation", "Imaging modality > CT"])
        for who in ("ana", "ben"):
            screening.decide(store, 4, who, "exclude", reasons=["Not medical imaging"])
    d = main_window.export_tables()
    d.select("year-tags")
    formats = [d.format_box.itemData(i) for i in range(d.format_box.count())]
    assert formats == [".csv", ".tsv", ".xlsx", ".svg", ".png"]
    d.select("included")
    assert ".ris" in [d.format_box.itemData(i) for i in range(d.format_box.count())]
    assert d.stage() == "full_text"
    d.select("excluded", ".csv", "title_abstract")
    assert not d.export_button.isEnabled()
    d.path_edit.setText(str(tmp_path / "excluded.csv"))
    d.export_button.click()
    qtbot.waitUntil(lambda: not d.busy and (tmp_path / "excluded.csv").exists(), timeout=10000)
    with open(tmp_path / "excluded.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["record_id"], r["reasons"]) for r in rows] == [("4", "Not medical imaging")]
    settle(qtbot, main_window)

    d = main_window.export_tables()
    d.select("year-tags", ".svg")
    d.path_edit.setText(str(tmp_path / "trend.csv"))
    d.select("year-tags", ".png")  # the name follows the format
    assert d.path_edit.text().endswith("trend.png")
    d.export_button.click()
    qtbot.waitUntil(lambda: not d.busy and (tmp_path / "trend.png").exists(), timeout=10000)
    assert (tmp_path / "trend.png").read_bytes()[:4] == b"\x89PNG"
    settle(qtbot, main_window)


def test_previous_counts_and_study_links_in_the_gui(qtbot, main_window, project):
    open_as(qtbot, main_window, project, "ana")
    d = main_window.project_settings()
    qtbot.waitUntil(lambda: d.update_box.isEnabled(), timeout=5000)
    assert not d.update_box.isChecked() and d.previous_values() == (None, None)
    d.update_box.setChecked(True)
    d.previous_studies.setValue(4)
    d.previous_reports.setValue(6)
    d.save()
    settle(qtbot, main_window)
    store = main_window.ctx.store
    assert previous_counts(store) == (4, 6)
    assert main_window.session.current == 1
    main_window.link_study(5)
    settle(qtbot, main_window)
    assert study_of(store, 1).study_id == 5
    main_window.link_study(0)
    settle(qtbot, main_window)
    assert study_of(store, 1).reports == (1,)
    w = main_window.show_prisma()
    qtbot.waitUntil(lambda: w.counts is not None and w.idle, timeout=10000)
    assert w.counts.is_update and w.canvas.layout_.boxes["previous"] is not None
