"""Every real CSV, TSV, XLSX, PubMed XML and EndNote XML export in shared data.

Each file's ``found`` must equal a count made independently of our reader (pandas for
tables, a plain regex over the XML text), so no record is dropped silently.
"""

from __future__ import annotations

import csv
import functools
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from screener.core.errors import FileFormatError
from screener.io.reader import read_file

FOLDERS = ("csv", "tsv", "xlsx", "pubmed_xml", "endnote_xml")

#: Records these files are known to hold without a title, abstract or identifier.
EXPECTED_REJECTIONS = {
    "csv/asreview__duplicate_records.csv": [12, 13, 14, 15],
    "csv/asreview-datatools__embase_no_abstract.csv": [5],
    "csv/asreview-datatools__embase_no_title.csv": [3],
    "endnote_xml/kwb.endnote__2019-01-14_KWB_documents.xml": ["record[342]", "record[580]", "record[625]"],
}


def independent_count(path: Path, folder: str) -> int:
    if folder in ("csv", "tsv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            header = f.readline()
        sep = "\t" if folder == "tsv" else csv.Sniffer().sniff(header, delimiters=",;").delimiter
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True,
                         engine="python", encoding="utf-8-sig")
        return int((df.apply(lambda col: col.str.strip()) != "").any(axis=1).sum())
    if folder == "xlsx":  # rows of the first sheet's XML that have a value, less the header
        sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode("utf-8")
        rows = re.findall(r"<row\b[^>]*>(.*?)</row>", sheet, re.DOTALL)
        return sum(1 for row in rows if re.search(r"<v>|<is>", row)) - 1
    text = path.read_text(encoding="utf-8")
    if folder == "pubmed_xml":
        return len(re.findall(r"<Pubmed(?:Book)?Article[\s>]", text))
    return len(re.findall(r"<record>", text))


@functools.lru_cache(maxsize=None)
def read_once(path: Path):
    return read_file(path)


def _files(shared_data: Path) -> list[tuple[str, Path]]:
    files = [(folder, p) for folder in FOLDERS for p in sorted((shared_data / "refs" / folder).iterdir())]
    assert files, "no real export files found"
    return files


def test_every_file_finds_what_an_independent_count_finds(shared_data):
    mismatches = []
    for folder, path in _files(shared_data):
        parsed = read_once(path)
        assert parsed.format == folder
        assert parsed.found == len(parsed.records) + len(parsed.errors)
        expected = independent_count(path, folder)
        if parsed.found != expected:
            mismatches.append((f"{folder}/{path.name}", parsed.found, expected))
        for err in parsed.errors:
            assert err.reason and (err.line or err.element)
    assert mismatches == []


def test_known_rejections_and_no_others(shared_data):
    rejected = {}
    for folder, path in _files(shared_data):
        parsed = read_once(path)
        if parsed.errors:
            rejected[f"{folder}/{path.name}"] = [e.element or e.line for e in parsed.errors]
            assert {e.reason for e in parsed.errors} == {"record has no title"}
    assert rejected == EXPECTED_REJECTIONS


def test_records_carry_their_fields(shared_data):
    refs = shared_data / "refs"
    scopus = read_file(refs / "csv" / "bibliometrix__scopus_sample.csv")
    first = scopus.records[0]
    assert scopus.source_hint == "Scopus"
    assert first.authors == ("Liu F.", "Li C.", "Liu Y.", "Li Y.")
    assert first.doi == "10.1177/20552076261415846" and first.year == 2026
    assert "EID" in first.extra and "Author full names" in first.extra

    embase = read_file(refs / "csv" / "asreview__embase.csv").records[0]
    assert embase.authors == ("Liu R.", "Adler D.G.")

    openalex = read_file(refs / "csv" / "bibliometrix__openalex_sample.csv").records[0]
    assert openalex.authors == ("Massimo Aria", "Corrado Cuccurullo")
    assert openalex.doi == "10.1016/j.joi.2017.08.007"

    asreview = read_file(refs / "csv" / "asreview__generic_labels.csv").records[0]
    assert asreview.authors == ("Marx, Karl", "Lindgren, Astrid")
    assert asreview.extra["label_included"] == "1"

    xlsx = read_once(refs / "xlsx" / "asreview__ACEInhibitors_debug_record_id.xlsx")
    assert xlsx.records[0].title.startswith("'Captopril test'")  # a real leading quote stays
    assert xlsx.records[0].line == 2 and xlsx.records[-1].line == 2545

    pubmed = read_file(refs / "pubmed_xml" / "asreview__pubmed.xml").records[0]
    assert pubmed.pmid == "31690499" and pubmed.doi == "10.1016/j.bjoms.2019.09.011"
    assert pubmed.title.startswith("A new decompression device")

    kwb = read_once(refs / "endnote_xml" / "kwb.endnote__2019-01-14_KWB_documents.xml")
    assert all(r.title for r in kwb.records)
    assert any(r.doi for r in kwb.records)


@pytest.mark.parametrize("folder", ["csv", "pubmed_xml", "endnote_xml"])
def test_a_truncated_real_file_is_refused_or_loses_no_count(shared_data, tmp_path, folder):
    """Cut a real file in the middle: XML must be refused clearly; a CSV cut inside a quoted cell
    must name the line, and one cut between rows simply has fewer rows."""
    source = max(sorted((shared_data / "refs" / folder).iterdir()), key=lambda p: p.stat().st_size)
    data = source.read_bytes()
    cut = tmp_path / f"cut{source.suffix}"
    cut.write_bytes(data[: len(data) // 2].rsplit(b" ", 1)[0])
    if folder == "csv":
        try:
            parsed = read_file(cut)
        except FileFormatError as exc:
            assert exc.line and "never closed" in exc.reason
        else:
            assert parsed.found <= independent_count(source, folder)
    else:
        with pytest.raises(FileFormatError, match="broken XML"):
            read_file(cut)
