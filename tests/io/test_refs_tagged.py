"""Every real tagged export in ../shared/data/refs: honest counts, known rejections, round trips.

For each file the number of records found must equal a count of record starts made here by a
plain pattern, independent of the reader, and ``found == imported + rejected``. The files that
are broken or odd on purpose are listed in :data:`EXPECTED_REJECTIONS` with the reason their
records are rejected; every other file must import without a single rejection.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import pytest

from screener.core.errors import FileFormatError
from screener.io import bibtex, enw, medline, ris, wos
from screener.io.biblio_writers import write_bibtex, write_enw, write_medline, write_ris, write_wos
from screener.io.text import decode_bytes

# tests/io/ -> repository root -> ../shared/data (see tests/conftest.py::shared_data)
REFS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "refs"

READERS = {"ris": ris, "bibtex": bibtex, "medline_nbib": medline, "wos": wos, "endnote_tagged": enw}
WRITERS = {"ris": write_ris, "bibtex": write_bibtex, "medline_nbib": write_medline, "wos": write_wos,
           "endnote_tagged": write_enw}
#: What the detector (screener.io.read_file) must call each folder's files.
FORMAT_NAMES = {"ris": "ris", "bibtex": "bibtex", "medline_nbib": "medline", "wos": "wos", "endnote_tagged": "enw"}

#: file -> {reason prefix: how many records}; the list the release notes must carry.
EXPECTED_REJECTIONS: dict[str, dict[str, int]] = {
    # ASReview's test of every RIS reference type: records with a type and a note, nothing else.
    "ris/asreview__baseline_reference_types.ris": {"empty record": 2, "record has no title": 59},
    "ris/asreview__baseline_tag-notes.ris": {"record has no title": 11},
    # "ER  - End of Reference" closes the record; the "UK" line after it has no TY.
    "ris/asreview__baseline_tag_and_field_definitions.ris": {"tagged lines without a 'TY  - ' line": 1},
    "ris/asreview__baseline_tag_and_field_definitions_lists.ris": {"record has no title": 1},
    "ris/rispy__example_custom_list_tags.ris": {"record has no title": 1},
    "bibtex/colrev__bib_data.bib": {"record has no title": 1},  # a @proceedings with a booktitle only
    "bibtex/colrev__ebsco_bib.bib": {"BibTeX syntax error": 1},  # a stray ")." line in a field list
    "bibtex/python-bibtexparser__biber-examples.bib": {"record has no title": 21},  # @set, @xdata...
    "bibtex/python-bibtexparser__wrong.bib": {"record has no title": 2},  # only an author each
    "wos/metaknowledge__badFile.isi": {"NR says 104 cited references but CR holds 1": 1},
    "wos/metaknowledge__testFile.isi": {"NR says 104 cited references but CR holds 1": 1,
                                        "line 416 is neither a tag line": 1},
}
#: Records a pattern cannot see: tags outside any record (reported as rejected records).
EXTRA_FOUND = {"ris/asreview__baseline_tag_and_field_definitions.ris": 1}
#: Files whose bytes are not UTF-8 (and have no BOM): the import must ask for the encoding.
NOT_UTF8 = {"bibtex/python-bibtexparser__gbk_test.bib": "gbk"}

_RIS_START = re.compile(r"^TY[ \t]{1,2}-", re.MULTILINE)
_BIB_START = re.compile(r"^\s*@\s*(\w+)\s*[{(]", re.MULTILINE)
_WOS_START = re.compile(r"^PT ", re.MULTILINE)
_MEDLINE_TAG = re.compile(r"^[A-Z][A-Z0-9]{1,3} {0,3}- ", re.MULTILINE)
_ENW_TAG = re.compile(r"^%\S( |$)", re.MULTILINE)


def independent_count(folder: str, text: str) -> int:
    """Record starts by plain patterns: what a person would count in the file."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if folder == "ris":
        return len(_RIS_START.findall(text))
    if folder == "bibtex":
        return sum(1 for m in _BIB_START.finditer(text) if m.group(1).lower() not in ("comment", "string", "preamble"))
    if folder == "wos":
        return len(_WOS_START.findall(text))
    # MEDLINE and EndNote records are blocks of tag lines between blank lines.
    tag = _MEDLINE_TAG if folder == "medline_nbib" else _ENW_TAG
    return sum(1 for block in re.split(r"\n[ \t]*\n", text) if tag.search(block))


def files(folders=tuple(READERS)) -> list[str]:
    if not REFS.is_dir():  # collected without the data: the shared_data fixture fails or skips
        return ["missing"]
    return sorted(f"{p.parent.name}/{p.name}" for folder in folders for p in (REFS / folder).iterdir())


def read_text(name: str) -> str:
    return decode_bytes((REFS / name).read_bytes(), name)[0]


@functools.lru_cache(maxsize=None)
def parsed_file(name: str):
    """Each file parsed once for the tests below (messy_bibfile.bib alone takes a second)."""
    encoding = NOT_UTF8.get(name)
    text = decode_bytes((REFS / name).read_bytes(), name, encoding)[0]
    return text, READERS[name.split("/")[0]].parse(text, name)


@pytest.mark.parametrize("name", files())
def test_counts_are_honest_and_rejections_known(shared_data, name):
    folder = name.split("/")[0]
    data = (REFS / name).read_bytes()
    if name in NOT_UTF8:
        with pytest.raises(FileFormatError, match="not valid UTF-8.*--encoding"):
            decode_bytes(data, name)
    text, parsed = parsed_file(name)  # a file not in NOT_UTF8 is read as UTF-8 (or its BOM)
    assert parsed.found == independent_count(folder, text) + EXTRA_FOUND.get(name, 0)
    assert parsed.found == len(parsed.records) + len(parsed.errors)
    expected = EXPECTED_REJECTIONS.get(name, {})
    got: dict[str, int] = {}
    for error in parsed.errors:
        assert error.line and error.line >= 1
        prefix = next((p for p in expected if error.reason.startswith(p)), error.reason)
        got[prefix] = got.get(prefix, 0) + 1
    assert got == expected
    for record in parsed.records:
        assert record.line
        assert record.title or record.abstract or record.doi or record.pmid or record.arxiv_id


@pytest.mark.parametrize("name", files())
def test_export_and_import_again_loses_nothing(shared_data, name):
    folder = name.split("/")[0]
    if name in NOT_UTF8:
        return
    reader = READERS[folder]
    first = parsed_file(name)[1].records
    if not first:
        return
    again = reader.parse(WRITERS[folder](first), "again").records
    assert len(again) == len(first)
    repeated_keys = _repeated_bibtex_keys(first)
    for a, b in zip(first, again):
        if folder == "bibtex" and a.extra["ID"] != b.extra["ID"]:
            # A BibTeX file needs unique, well-formed keys: the writer renames the others.
            assert a.extra["ID"].lower() in repeated_keys or re.search(r"[^A-Za-z0-9_:.+/-]", a.extra["ID"])
            b = b.with_changes(extra=dict(b.extra, ID=a.extra["ID"]))
        if folder == "endnote_tagged" and not a.pub_type:
            assert b.pub_type == "Generic"  # EndNote wants a %0 line; the writer says "Generic"
            b = b.with_changes(pub_type="")
        assert b == a


def _repeated_bibtex_keys(records) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for record in records:
        key = str(record.extra.get("ID", "")).lower()
        (repeated if key in seen else seen).add(key)
    return repeated


def test_plain_text_reference_lists_are_no_tagged_format(shared_data):
    for path in (REFS / "misc_plaintext_refs").iterdir():
        text = decode_bytes(path.read_bytes(), str(path))[0]
        assert not any(module.sniff(text) for module in READERS.values()), path.name


def test_every_file_is_claimed_by_its_own_sniffer_only(shared_data):
    for name in files():
        if name in NOT_UTF8:
            continue
        text = read_text(name)
        claimed = [folder for folder, module in READERS.items() if module.sniff(text)]
        assert claimed == [name.split("/")[0]], name


def test_summary_lists_the_files_we_read(shared_data):
    """SUMMARY.csv (the data's own inventory) and this test see the same tagged files."""
    with open(REFS / "SUMMARY.csv", newline="", encoding="utf-8") as f:
        listed = {row["file"] for row in csv.DictReader(f) if row["file"].split("/")[0] in READERS}
    assert listed == set(files())


# Through the dispatcher: detect.py picks the format from the content, read_file decodes.
@pytest.mark.parametrize("name", files())
def test_read_file_detects_and_reads(shared_data, name):
    from screener.io import read_file

    folder = name.split("/")[0]
    if name in NOT_UTF8:
        with pytest.raises(FileFormatError, match="not valid UTF-8"):
            read_file(REFS / name)
        return
    parsed = read_file(REFS / name)
    assert parsed.format == FORMAT_NAMES[folder]
    assert parsed.found == independent_count(folder, parsed_file(name)[0]) + EXTRA_FOUND.get(name, 0)
    assert len(parsed.errors) == sum(EXPECTED_REJECTIONS.get(name, {}).values())
