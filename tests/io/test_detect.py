"""Format detection from content: small made-up files, then every real export in shared data."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from screener.core.errors import FileFormatError
from screener.io.detect import UNKNOWN, detect_format
from screener.io.reader import FORMATS

SAMPLES = {
    "ris": "TY  - JOUR\nTI  - A title\nAU  - Smith, J\nER  - \n",
    "bibtex": "% a comment, with a comma\n@Article{key,\n  title = {A title},\n  year = 2001,\n}\n",
    "medline": "PMID- 123\nOWN - NLM\nTI  - A title\nAU  - Smith J\n",
    "enw": "%0 Journal Article\n%T A title\n%A Smith, J\n",
    "wos": "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A title\nER\nEF\n",
    "csv": "title,abstract,year\nA,B,2001\nC,\"D, E\",2002\n",
    "tsv": "title\tabstract\tyear\nA\tB, C\t2001\n",
    "pubmed_xml": '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet>\n<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>',
    "endnote_xml": '<?xml version="1.0" encoding="UTF-8" ?><xml><records><record></record></records></xml>',
}


@pytest.mark.parametrize("fmt", list(SAMPLES))
@pytest.mark.parametrize("name", ["refs.txt", "refs", "refs.dat"])
def test_content_decides_whatever_the_name(fmt, name):
    assert detect_format(SAMPLES[fmt].encode(), name) == fmt


def test_every_answer_is_a_reader_format():
    assert set(SAMPLES) | {"xlsx"} == set(FORMATS)


@pytest.mark.parametrize("fmt, wrong_name", [("wos", "x.ris"), ("tsv", "x.csv"), ("csv", "x.tsv"), ("ris", "x.bib")])
def test_a_misleading_suffix_loses_to_the_content(fmt, wrong_name):
    assert detect_format(SAMPLES[fmt].encode(), wrong_name) == fmt


def test_medline_without_pmid_is_still_medline():
    assert detect_format(b"\nOWN - ERIC\nTI  - Paper title\nAU  - Smith, Tom\n", "x.nbib") == "medline"


def test_enw_starting_with_title_tag():
    assert detect_format(b"%T Title, with a comma\n%0 Journal Article\n%A Guo, Wenbo\n%A Li, X\n", "x.txt") == "enw"


def test_ris_after_a_preamble():
    assert detect_format(b"Record #1 of 2\nProvider: X\n1.\nTY  - JOUR\nT1  - T\nER  - \n", "x.txt") == "ris"


def test_csv_with_a_tag_like_line_in_a_cell_stays_csv():
    data = b'title,abstract\nA,"first line\nTY  - not a tag"\nB,C\n'
    assert detect_format(data, "export.txt") == "csv"


def test_semicolon_csv():
    assert detect_format(b"title;abstract;doi\na;b;c\nd;e;f\n", "x.txt") == "csv"


def test_suffix_breaks_a_real_tie():
    one_column_each = b"title,abstract\ttitle2\nA,B\tC\n"  # splits in two by comma and by tab
    assert detect_format(one_column_each, "x.tsv") == "tsv"
    assert detect_format(one_column_each, "x.csv") == "csv"


def test_latin1_file_is_still_recognised_for_sniffing():
    data = "TY  - JOUR\nTI  - Caf\u00e9 au lait\nER  - \n".encode("latin-1")
    assert detect_format(data, "x.txt") == "ris"
    assert detect_format("@article{k,\n  author = {M\u00fcller},\n}\n".encode("cp1252"), "x.txt") == "bibtex"


def test_utf16_with_bom():
    assert detect_format(SAMPLES["ris"].encode("utf-16"), "x.ris") == "ris"


def test_given_encoding_is_used_for_sniffing():
    data = SAMPLES["csv"].encode("utf-16-le")  # no BOM: looks binary unless told
    with pytest.raises(FileFormatError, match="binary"):
        detect_format(data, "x.csv")
    assert detect_format(data, "x.csv", encoding="utf-16-le") == "csv"
    with pytest.raises(FileFormatError, match="unknown encoding"):
        detect_format(b"title,abstract\n", "x.csv", encoding="klingon")


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n, "<x/>")
    return buf.getvalue()


def test_xlsx_by_its_zip_directory():
    assert detect_format(_zip(["[Content_Types].xml", "xl/workbook.xml"]), "export.dat") == "xlsx"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"  \n\r\n\t", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, "old Excel"),
        (_zip(["word/document.xml"]), "Word document"),
        (_zip(["a.txt"]), "zip archive"),
        (b"PK\x03\x04broken", "damaged"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
        (b"<?xml version='1.0'?><rss><channel/></rss>", "neither PubMed XML nor EndNote XML"),
        (b"Adams CE (2013) Systematic reviews. J Evid Based Med 6(4): 232.\nAlter S (2005) Sysperanto, a model.\n", UNKNOWN),
        (b"just one line of prose\n", UNKNOWN),
    ],
    ids=["empty", "blank", "png", "xls", "docx", "zip", "bad-zip", "html", "rss", "prose", "one-line"],
)
def test_unreadable_files_get_clear_errors(data, message):
    with pytest.raises(FileFormatError) as exc:
        detect_format(data, "some/file.txt")
    assert message in exc.value.reason
    assert exc.value.path == "some/file.txt"


def test_unknown_message_names_the_option():
    assert "--format" in UNKNOWN and "ris" in UNKNOWN


# --- every real file --------------------------------------------------------------------------

FOLDER_FORMAT = {
    "ris": "ris", "bibtex": "bibtex", "csv": "csv", "tsv": "tsv", "xlsx": "xlsx", "medline_nbib": "medline",
    "pubmed_xml": "pubmed_xml", "endnote_xml": "endnote_xml", "endnote_tagged": "enw", "wos": "wos",
    # Plain-text formatted citations ("Adams CE ... (2013) Title. Journal 6(4): 232."): no
    # supported format, so the user is asked to name one, not sent on with a wrong guess.
    "misc_plaintext_refs": None,
}


def _real_files(root: Path) -> list[tuple[str, Path]]:
    return [(d.name, f) for d in sorted(root.iterdir()) if d.is_dir() for f in sorted(d.iterdir())]


def test_every_real_file_is_detected_as_its_folder(shared_data):
    files = _real_files(shared_data / "refs")
    assert {folder for folder, _ in files} == set(FOLDER_FORMAT)
    assert len(files) >= 151
    wrong = []
    for folder, path in files:
        expected = FOLDER_FORMAT[folder]
        try:
            got = detect_format(path.read_bytes(), str(path))
        except FileFormatError as exc:
            got = None
            if expected is not None:
                wrong.append((folder, path.name, f"error: {exc.reason}"))
            else:
                assert exc.reason == UNKNOWN
            continue
        if got != expected:
            wrong.append((folder, path.name, got))
    assert wrong == []
