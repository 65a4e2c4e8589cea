"""The review's tables and figures: per year per tag, facet × facet, excluded reports with reasons."""

from __future__ import annotations

import csv
import subprocess
import sys

import defusedxml.ElementTree as SafeET
import pytest

from screener.core.errors import UserError
from screener.core.records import ParsedFile, RecordData
from screener.services import screening
from screener.services.conflicts import resolve
from screener.services.export import export_table, formats_for
from screener.services.importing import import_parsed
from screener.services.project import init_project, update_settings
from screener.services.review_tables import crosstab_table, year_tags_table
from screener.services.studies import link_report
from screener.stats.review_plots import crosstab_svg, nice_ticks, year_tags_svg

SVG_NS = "{http://www.w3.org/2000/svg}"
TAGS = {1: ["Task > Segmentation", "Imaging modality > CT"], 2: ["Task > Segmentation", "Imaging modality > MRI"],
        3: ["Task > Report generation", "Imaging modality > X-ray"], 4: ["Task > Segmentation", "Imaging modality > CT"],
        5: ["Task > Classification"]}
YEARS = {1: 2021, 2: 2022, 3: 2022, 4: 2022, 5: None, 6: 2023}


@pytest.fixture
def store(project_location):
    st = init_project(project_location, reviewers=["ana", "ben"], template="medical-imaging-fm")
    recs = tuple(RecordData(title=f"Paper {i}", year=YEARS[i], doi=f"10.1/{i}") for i in range(1, 7))
    import_parsed(st, ParsedFile("r.ris", "ris", "utf-8", recs), source="PubMed")
    update_settings(st, stage_changes={"ta": {"reviewers_required": 1}, "ft": {"reviewers_required": 1}})
    for rid in range(1, 7):
        screening.decide(st, rid, "ana", "include")
    for rid, tags in TAGS.items():
        screening.decide(st, rid, "ana", "include", stage="ft", tags=tags)
    screening.decide(st, 6, "ana", "exclude", stage="ft", reasons=["No quantitative evaluation", "Not in English"])
    yield st
    st.close()


def _read(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _texts(svg: str) -> list[str]:
    return [el.text or "" for el in SafeET.fromstring(svg.encode()).iter(f"{SVG_NS}text")]


def test_year_tags_table(store):
    cols, rows = year_tags_table(store)
    assert cols == ["year", "facet", "value", "records"]
    table = {(r[0], r[1], r[2]): r[3] for r in rows}
    assert table[(2022, "Task", "Segmentation")] == 2 and table[(2021, "Task", "Segmentation")] == 1
    assert table[(2022, "Imaging modality", "CT")] == 1 and table[("", "Task", "Classification")] == 1
    assert sum(r[3] for r in rows if r[1] == "Task") == 5  # one Task value per included record
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)  # ordered by facet


def test_figures_show_every_value_and_count(store, tmp_path):
    _, rows = year_tags_table(store)
    texts = _texts(year_tags_svg(rows))
    for label in ("Task", "Imaging modality", "Segmentation", "Report generation", "2021", "2022", "n.d."):
        assert label in texts
    _, cross = crosstab_table(store)
    texts = _texts(crosstab_svg(cross))
    assert "Imaging modality × Task" in texts and "CT" in texts and "Segmentation" in texts
    assert "2" in texts  # CT × Segmentation: records 1 and 4
    assert "No included records with tags yet" in _texts(year_tags_svg([]))
    out = tmp_path / "trend.png"
    export_table(store, "year-tags", out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "cross.svg"
    assert export_table(store, "crosstab", out)["rows"] == len(cross)
    assert "Imaging modality × Task" in _texts(out.read_text(encoding="utf-8"))


def test_many_values_are_pooled_and_ticks_are_round():
    rows = [[2020 + i % 3, "Task", f"Value {i}", i + 1] for i in range(14)]
    texts = _texts(year_tags_svg(rows))
    assert "Other (5 values)" in texts and "Value 13" in texts and "Value 0" not in texts
    assert nice_ticks(7) == [0, 2, 4, 6, 8] and nice_ticks(0) == [0, 1] and nice_ticks(130)[-1] >= 130


def test_excluded_reports_with_reasons_and_studies(store, tmp_path):
    link_report(store, 4, 1)
    out = tmp_path / "excluded.csv"
    export_table(store, "excluded", out, stage="ft")
    rows = _read(out)
    assert [r["record_id"] for r in rows] == ["6"]
    assert rows[0]["reasons"] == "No quantitative evaluation; Not in English" and rows[0]["stage"] == "full_text"
    out = tmp_path / "included.csv"
    export_table(store, "included", out, stage="ft")
    rows = {r["record_id"]: r for r in _read(out)}
    assert set(rows) == {"1", "2", "3", "4", "5"} and rows["4"]["study_id"] == "1" and rows["2"]["study_id"] == "2"
    assert "reasons" not in rows["1"]
    resolve(store, 6, "exclude", "ana", stage="ft", reasons=["Not in English"])
    export_table(store, "excluded", tmp_path / "excluded.tsv", stage="ft")
    line = (tmp_path / "excluded.tsv").read_text(encoding="utf-8").splitlines()[1]
    assert line.split("\t")[-2] == "Not in English"  # the adjudicator's reasons settle it


def test_formats_are_checked(store, tmp_path):
    assert ".png" in formats_for("year-tags") and ".ris" not in formats_for("year-tags")
    assert ".ris" in formats_for("excluded") and ".svg" not in formats_for("excluded")
    with pytest.raises(UserError, match="drawn as figures"):
        export_table(store, "decisions", tmp_path / "d.svg")
    with pytest.raises(UserError, match="hold records"):
        export_table(store, "year-tags", tmp_path / "d.bib")


def test_cli_exports_year_tags_without_qt(store, tmp_path):
    out = tmp_path / "trend.svg"
    code = ("import sys; from screener.cli.main import main; rc = main(sys.argv[1:]); "
            "assert 'PySide6' not in sys.modules; sys.exit(rc)")
    res = subprocess.run([sys.executable, "-c", code, "export", store.project, "--table", "year-tags", "--out",
                          str(out), "--stage", "ft"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Segmentation" in _texts(out.read_text(encoding="utf-8"))
