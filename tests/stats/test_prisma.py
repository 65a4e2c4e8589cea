"""PRISMA 2020 counts: invariants, JSON, the R package's CSV template and the SVG diagram."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.stats.prisma import EXTRA_KEYS, TEMPLATE_KEYS, PrismaCounts, check_invariants
from screener.stats.prisma_svg import render_pdf, render_png, render_svg
from screener.stats.prisma_template import COLUMNS, template_csv
from screener.stats.svg_text import text_width, wrap

# The data column of PRISMA2020's inst/extdata/PRISMA.csv, row by row ("NA" = a label-only row).
TEMPLATE_DATA_COLUMN = [
    "NA", "previous_studies", "previous_reports", "NA", "database_results", "database_specific_results",
    "register_results", "register_specific_results", "NA", "website_results", "organisation_results",
    "citations_results", "duplicates", "excluded_automatic", "excluded_other", "records_screened",
    "records_excluded", "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
    "other_notretrieved_reports", "dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded",
    "new_studies", "new_reports", "total_studies", "total_reports", "identification", "screening",
    "included", "total_studies_ma", "total_reports_ma",
]

# A finished review whose numbers add up (databases/registers and other methods).
DONE = PrismaCounts(
    database_results=2100, database_specific_results={"PubMed": 1200, "Scopus": 900},
    register_results=40, register_specific_results={"ClinicalTrials.gov": 40},
    website_results=12, organisation_results=3, citations_results=25,
    duplicates=512, excluded_automatic=300, excluded_other=8,
    excluded_other_reasons={"Retracted": 5, "Not in English": 3},
    records_screened=1320, records_excluded=1192, records_excluded_human=1012,
    records_excluded_automation=180,
    dbr_sought_reports=128, dbr_notretrieved_reports=6, dbr_assessed=122,
    dbr_excluded={"Not a foundation model": 31, "No evaluation": 12},
    other_sought_reports=20, other_notretrieved_reports=2, other_assessed=18,
    other_excluded={"Duplicate study": 4},
    new_studies=85, new_reports=93,
)
# The same review in the middle of screening.
ONGOING = dataclasses.replace(
    DONE, records_excluded=1100, records_excluded_human=920, dbr_sought_reports=100, records_awaiting=120,
    dbr_notretrieved_reports=4, dbr_assessed=80, reports_awaiting_retrieval=16,
    dbr_excluded={"Not a foundation model": 20}, new_reports=56, new_studies=55,
    reports_awaiting_assessment=18,
)


def test_complete_and_ongoing_reviews_satisfy_the_invariants():
    assert check_invariants(DONE) == []
    assert DONE.awaiting == 0
    assert check_invariants(ONGOING) == []
    assert ONGOING.awaiting == 120 + 16 + 18


def test_each_broken_invariant_is_reported():
    cases = {
        "duplicates": dict(duplicates=511),
        "records_screened (": dict(records_excluded=1191, records_excluded_human=1011),
        "dbr_sought_reports (": dict(dbr_notretrieved_reports=7),
        "other_sought_reports (": dict(other_assessed=17),
        "dbr_assessed + other_assessed": dict(new_reports=94),
        "records_excluded (": dict(records_excluded_human=1000),
        "database_specific_results": dict(database_specific_results={"PubMed": 1200}),
        "register_specific_results": dict(register_specific_results={"ClinicalTrials.gov": 41}),
        "excluded_other_reasons": dict(excluded_other_reasons={"Retracted": 5}),
        "new_studies (": dict(new_studies=94, new_reports=93),
        "total_studies_ma": dict(total_studies_ma=86),
        "is negative": dict(website_results=-1),
    }
    for fragment, change in cases.items():
        problems = check_invariants(dataclasses.replace(DONE, **change))
        assert problems and any(fragment in p for p in problems), (fragment, problems)


def test_undecided_records_must_be_counted_as_awaiting():
    # Screening going on but no awaiting terms: the numbers do not add up and this is said.
    silent = dataclasses.replace(ONGOING, records_awaiting=0)
    assert any("records_awaiting" in p for p in check_invariants(silent))


def test_json_has_every_template_key_and_the_extras():
    doc = DONE.to_json_dict()
    assert list(doc)[: len(TEMPLATE_KEYS)] == list(TEMPLATE_KEYS)
    assert set(EXTRA_KEYS) <= doc.keys()
    assert set(TEMPLATE_KEYS) == {k for k in TEMPLATE_DATA_COLUMN if k not in ("NA", "identification", "screening", "included")}
    assert doc["dbr_excluded"] == {"Not a foundation model": 31, "No evaluation": 12}
    assert doc["records_excluded_human"] == 1012 and doc["records_excluded_automation"] == 180
    assert doc["total_studies"] == 85 and doc["previous_studies"] is None and doc["total_studies_ma"] is None
    json.dumps(doc, allow_nan=False)


def test_updated_review_totals():
    updated = dataclasses.replace(DONE, previous_studies=20, previous_reports=25)
    assert updated.is_update and not DONE.is_update
    assert (updated.total_studies, updated.total_reports) == (105, 118)


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_template_csv_keeps_every_row_in_order():
    text = template_csv(DONE)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = parse_csv(text)
    assert [r["data"] for r in rows] == TEMPLATE_DATA_COLUMN
    assert all(set(r) == set(COLUMNS) for r in rows)
    by_key = {r["data"]: r for r in rows if r["data"] != "NA"}
    assert by_key["records_screened"]["boxtext"] == "Records screened"
    assert by_key["dbr_excluded"]["node"] == "node14" and by_key["dbr_excluded"]["box"] == "box9"
    assert by_key["organisation_results"]["node"] == ""
    assert [r["boxtext"] for r in rows if r["data"] == "NA"] == [
        "Previous studies", "Identification of new studies via databases and registers",
        "Identification of new studies via other methods",
    ]


def test_template_csv_fills_n():
    rows = {r["data"]: r["n"] for r in parse_csv(template_csv(DONE)) if r["data"] != "NA"}
    for key in ("database_results", "duplicates", "records_screened", "records_excluded", "dbr_sought_reports",
                "dbr_assessed", "other_assessed", "new_studies", "new_reports", "website_results",
                "citations_results"):
        assert rows[key] == str(getattr(DONE, key)), key
    assert rows["database_specific_results"] == "PubMed, 1200; Scopus, 900"
    assert rows["dbr_excluded"] == "Not a foundation model, 31; No evaluation, 12"
    assert rows["other_excluded"] == "Duplicate study, 4"
    assert rows["total_studies"] == "85"
    # Not applicable: the R package leaves these boxes out.
    assert rows["previous_studies"] == rows["previous_reports"] == "NA"
    assert rows["total_studies_ma"] == "NA"
    # Label rows keep the template's 0.
    assert rows["identification"] == rows["screening"] == rows["included"] == "0"


def test_template_csv_without_other_methods_and_with_awkward_names():
    counts = PrismaCounts(database_results=3, database_specific_results={"Scopus, Elsevier; 2024": 2, "=HYPERLINK()": 1},
                          records_screened=3, records_excluded=3, records_excluded_human=3)
    rows = {r["data"]: r["n"] for r in parse_csv(template_csv(counts)) if r["data"] != "NA"}
    assert rows["website_results"] == rows["organisation_results"] == rows["citations_results"] == "NA"
    assert rows["database_specific_results"] == "Scopus / Elsevier / 2024, 2; '=HYPERLINK(), 1"
    assert rows["dbr_excluded"] == "0"
    assert rows["register_specific_results"] == ""
    # The package's parser: split on ";", name before the first ",", number after it.
    for part in rows["database_specific_results"].split(";"):
        name, number = part.split(",")
        assert name.strip() and number.strip().isdigit()


def svg_texts(svg: str) -> str:
    root = SafeET.fromstring(svg.encode("utf-8"))
    # Lines of a wrapped paragraph are separate text elements: join them as the reader sees them.
    return " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


@pytest.mark.parametrize("counts", [DONE, ONGOING, dataclasses.replace(DONE, previous_studies=20, previous_reports=25,
                                                                         total_studies_ma=30, total_reports_ma=31)])
def test_svg_is_well_formed_and_shows_every_number(counts):
    svg = render_svg(counts, title="A review & its <numbers>")
    text = svg_texts(svg).replace("\u00a0", " ")
    assert "A review & its <numbers>" in text
    doc = counts.to_json_dict()
    for key in TEMPLATE_KEYS + ("records_excluded_human", "records_excluded_automation"):
        value = doc[key]
        if isinstance(value, dict):
            for name, n in value.items():
                assert f"{name} (n = {n})" in text, (key, name)
        elif value is not None:
            assert f"(n = {value})" in text, key
    for key in EXTRA_KEYS:
        if "awaiting" in key and doc[key]:
            assert f"(n = {doc[key]})" in text, key
    for label in ("Identification", "Screening", "Included", "Records screened", "Reports sought for retrieval",
                  "Reports not retrieved", "Reports assessed for eligibility", "Records removed before screening"):
        assert label in text
    if counts.awaiting:
        assert f"Awaiting decision (n = {counts.records_awaiting})" in text
        assert f"Awaiting retrieval (n = {counts.reports_awaiting_retrieval})" in text
    else:
        assert "Awaiting" not in text
    if counts.is_update:
        assert "Studies included in previous version of review (n = 20)" in text
        assert f"Total studies included in review (n = {counts.total_studies})" in text


def test_svg_without_other_methods_has_one_column():
    simple = PrismaCounts(database_results=10, records_screened=10, records_excluded=8, records_excluded_human=8,
                          dbr_sought_reports=2, dbr_assessed=2, new_studies=2, new_reports=2)
    text = svg_texts(render_svg(simple))
    assert "via other methods" not in text and "Websites" not in text
    assert "by reviewers" not in text


def test_svg_text_stays_inside_its_box():
    names = {f"Reason {i}: a long, long explanation of an exclusion that needs wrapping": i for i in range(1, 6)}
    counts = dataclasses.replace(DONE, dbr_excluded=names, database_specific_results={"X" * 80: 1200, "PubMed": 900})
    root = SafeET.fromstring(render_svg(counts).encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    rects = [tuple(float(r.get(k)) for k in ("x", "y", "width", "height")) for r in root.iter(ns + "rect")][1:]
    checked = 0
    for t in root.iter(ns + "text"):
        if t.get("text-anchor") != "start" or t.get("transform"):
            continue
        x, y = float(t.get("x")), float(t.get("y"))
        inside = [r for r in rects if r[0] <= x <= r[0] + r[2] and r[1] <= y <= r[1] + r[3]]
        if not inside:
            continue  # the notes under the diagram
        rx, _, rw, _ = min(inside, key=lambda r: r[2] * r[3])
        assert x + text_width(t.text, float(t.get("font-size"))) <= rx + rw, t.text
        checked += 1
    assert checked > 30


def test_wrap():
    assert wrap("", 100, 13) == []
    for width in (100, 150, 180, 250):
        lines = wrap("Reports assessed for eligibility (n\u00a0=\u00a0110)", width, 13)
        assert lines[-1].endswith("(n\u00a0=\u00a0110)")  # no break at a no-break space
        assert " ".join(lines) == "Reports assessed for eligibility (n\u00a0=\u00a0110)"
    assert all(text_width(line, 13) <= 180 for line in wrap("y" * 200, 180, 13))
    assert "".join(wrap("y" * 200, 180, 13)) == "y" * 200


def test_png_and_pdf():
    png = render_png(DONE, scale=1.0)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pdf = render_pdf(ONGOING)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
    for n in (ONGOING.records_screened, ONGOING.duplicates, ONGOING.dbr_assessed, ONGOING.new_reports):
        assert f"(n = {n})" in text
    assert "Awaiting decision" in text


def test_svg_parses_with_the_standard_library_too():
    ET.fromstring(render_svg(PrismaCounts()))


@st.composite
def reviews(draw):
    """Counts of a review simulated record by record, so they add up by construction."""
    n = st.integers(0, 400)
    databases = [draw(n) for _ in range(draw(st.integers(1, 3)))]
    registers = [draw(n) for _ in range(draw(st.integers(0, 2)))]
    identified = sum(databases) + sum(registers)
    duplicates = draw(st.integers(0, identified))
    automatic = draw(st.integers(0, identified - duplicates))
    other = draw(st.integers(0, identified - duplicates - automatic))
    screened = identified - duplicates - automatic - other
    excluded = draw(st.integers(0, screened))
    awaiting = draw(st.integers(0, screened - excluded))
    sought = screened - excluded - awaiting
    not_retrieved = draw(st.integers(0, sought))
    awaiting_retrieval = draw(st.integers(0, sought - not_retrieved))
    assessed = sought - not_retrieved - awaiting_retrieval
    left = assessed
    reasons = []
    for _ in range(draw(st.integers(0, 4))):
        reasons.append(draw(st.integers(0, left)))
        left -= reasons[-1]
    awaiting_assessment = draw(st.integers(0, left))
    new_reports = left - awaiting_assessment
    automation = draw(st.integers(0, excluded))
    return PrismaCounts(
        database_results=sum(databases), database_specific_results=[(f"DB {i}", v) for i, v in enumerate(databases)],
        register_results=sum(registers), register_specific_results=[(f"Reg {i}", v) for i, v in enumerate(registers)],
        duplicates=duplicates, excluded_automatic=automatic, excluded_other=other, records_screened=screened,
        records_excluded=excluded, records_excluded_automation=automation, records_excluded_human=excluded - automation,
        records_awaiting=awaiting, dbr_sought_reports=sought, dbr_notretrieved_reports=not_retrieved,
        reports_awaiting_retrieval=awaiting_retrieval, dbr_assessed=assessed,
        dbr_excluded=[(f"Reason {i}", v) for i, v in enumerate(reasons)],
        reports_awaiting_assessment=awaiting_assessment, new_reports=new_reports,
        new_studies=draw(st.integers(0, new_reports)),
    )


CORE_FIELDS = ("database_results", "duplicates", "records_screened", "records_excluded", "dbr_sought_reports",
               "dbr_notretrieved_reports", "dbr_assessed", "new_reports", "records_awaiting",
               "reports_awaiting_retrieval", "reports_awaiting_assessment", "records_excluded_human")


@settings(max_examples=40, deadline=None)
@given(reviews(), st.sampled_from(CORE_FIELDS))
def test_simulated_reviews_add_up_and_any_slip_is_caught(counts, name):
    assert check_invariants(counts) == []
    slipped = dataclasses.replace(counts, **{name: getattr(counts, name) + 1})
    assert check_invariants(slipped)
    rows = parse_csv(template_csv(counts))
    assert [r["data"] for r in rows] == TEMPLATE_DATA_COLUMN


def test_duplicates_per_source_are_an_extra_named_field_outside_the_arithmetic():
    # a record found in two sources counts under each: the total need not be ``duplicates``
    counts = dataclasses.replace(DONE, duplicates_by_source={"PubMed": 300, "Scopus": 290})
    doc = counts.to_json_dict()
    assert doc["duplicates_by_source"] == {"PubMed": 300, "Scopus": 290}
    assert list(doc)[: len(TEMPLATE_KEYS)] == list(TEMPLATE_KEYS)
    assert check_invariants(counts) == check_invariants(DONE) == []
    assert DONE.to_json_dict()["duplicates_by_source"] == {}
    assert any("duplicates_by_source" in p for p in check_invariants(
        dataclasses.replace(DONE, duplicates_by_source={"PubMed": -1})))
