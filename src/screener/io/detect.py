"""Tell the format of a reference file from its content; the file name only breaks ties.

Exports are often misnamed (a Web of Science ``.txt``, a RIS ``.txt``, a tab-separated
``.csv``), so the first kilobytes decide. Each tagged format's own module may expose a cheap
``sniff(text) -> bool``; it is asked first, and the patterns here stand in for a module that
has none. Text that is not valid UTF-8 is read as Latin-1 here *for sniffing only*: the tags
that identify a format are ASCII, and the import itself still refuses to guess the encoding.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import PurePath

from screener.core.errors import FileFormatError
from screener.io.text import looks_binary, sniff_bom

#: How much of the file the sniffers see.
HEAD_BYTES = 65536
#: A header cell longer than this is prose, not a column name.
_MAX_HEADER_CELL = 100

UNKNOWN = ("cannot tell the format of this file; give it with --format "
           "(ris, bibtex, csv, tsv, xlsx, medline, pubmed_xml, endnote_xml, enw, wos)")

_SUFFIXES = {
    ".ris": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".csv": "csv", ".tsv": "tsv",
    ".tab": "tsv", ".xlsx": "xlsx", ".nbib": "medline", ".medline": "medline",
    ".enw": "enw", ".enl": "enw", ".ciw": "wos", ".isi": "wos", ".xml": "pubmed_xml",
}

# Fallback patterns, each anchored at a line start. They look for the tag that opens a record,
# which no other format puts there.
_PATTERNS: dict[str, re.Pattern[str]] = {
    "wos": re.compile(r"^(?:FN [A-Za-z]|PT [A-Z]\s*$)", re.MULTILINE),
    "ris": re.compile(r"^TY {1,2}- ?", re.MULTILINE),
    "medline": re.compile(r"^(?:PMID- ?\d|[A-Z]{3,4} ?- \S)", re.MULTILINE),
    "enw": re.compile(r"^%[0-9A-Z@!#$&()*+^<>~=?\]\[] \S", re.MULTILINE),
    "bibtex": re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE),
}
# Order of preference when several tagged formats match and the suffix does not settle it:
# the more specific record opener first (a WoS file has no "TY  -", a MEDLINE file no "%0 ").
_TAGGED = ("wos", "ris", "medline", "enw", "bibtex")


def detect_format(data: bytes, path: str, encoding: str | None = None) -> str:
    """The format name (a key of :data:`screener.io.reader.FORMATS`) of ``data`` read from ``path``.

    Raises :class:`FileFormatError` for empty, binary or unrecognisable files.
    """
    if not data or data.isspace():
        raise FileFormatError(path, "the file is empty")
    if data[:4] == b"PK\x03\x04":
        return _zip_format(data, path)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileFormatError(path, "this is an old Excel .xls (or other Office) file; save it as .xlsx or CSV")
    if not encoding and looks_binary(data):
        raise FileFormatError(path, "this is a binary file, not a reference export")
    text = sniff_text(data, path, encoding)
    if not text.strip():
        raise FileFormatError(path, "the file is empty")
    suffix_fmt = _SUFFIXES.get(PurePath(path).suffix.lower())

    xml = _xml_format(text, path)
    if xml:
        return xml
    candidates = [fmt for fmt in _TAGGED if _sniffer(fmt)(text)]
    if len(candidates) > 1:
        # A loose module sniffer may say yes to its neighbour's tags (MEDLINE "TI  - " looks
        # like RIS); the record-opening patterns here are stricter.
        strict = [fmt for fmt in candidates if _PATTERNS[fmt].search(text)]
        candidates = strict or candidates
    table = _table_format(text, truncated=len(data) > HEAD_BYTES, suffix_fmt=suffix_fmt)
    if candidates and table:
        # A table cell can hold a line that looks like a tag ("TY  - ..." in an abstract), and
        # a tagged file can have commas on every line: the name, then the first line, decide.
        if suffix_fmt in ("csv", "tsv"):
            return table
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        if suffix_fmt not in candidates and not any(_PATTERNS[f].match(first) for f in candidates):
            return table
    if candidates:
        return suffix_fmt if suffix_fmt in candidates else candidates[0]
    if table:
        return table
    raise FileFormatError(path, UNKNOWN)


def sniff_text(data: bytes, path: str, encoding: str | None = None) -> str:
    """The start of ``data`` as text, for sniffing only (Latin-1 stands in for a bad UTF-8)."""
    head = data[:HEAD_BYTES]
    if encoding:
        try:
            return head.decode(encoding, errors="replace")
        except LookupError:
            raise FileFormatError(path, f"unknown encoding {encoding!r}") from None
    bom = sniff_bom(head)
    if bom:
        return head.decode(bom, errors="replace").lstrip("\ufeff")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut in two at the end of the head
            return head[: exc.start].decode("utf-8", errors="replace")
        return head.decode("latin-1")


def _sniffer(fmt: str) -> Callable[[str], bool]:
    """The format module's own ``sniff`` if it has one, else the pattern here."""
    try:
        module = importlib.import_module(f"screener.io.{fmt}")
    except ImportError:
        module = None
    sniff = getattr(module, "sniff", None)
    if callable(sniff):
        return sniff
    pattern = _PATTERNS[fmt]
    return lambda text: bool(pattern.search(text))


def _zip_format(data: bytes, path: str) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise FileFormatError(path, "this looks like a zip or .xlsx file but it is damaged") from None
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "word/document.xml" in names:
        raise FileFormatError(path, "this is a Word document, not a reference export")
    raise FileFormatError(path, "this is a zip archive, not a reference export; unpack it first")


_XML_ROOT = re.compile(r"\s*<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)[\s>/]")
_XML_SKIP = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.DOTALL)


def _xml_format(text: str, path: str) -> str | None:
    """``pubmed_xml``/``endnote_xml`` for those roots, an error for other XML/HTML, else None."""
    start = text.lstrip()
    if not start.startswith("<"):
        return None
    pos = 0
    while True:
        m = _XML_SKIP.match(start, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    m = _XML_ROOT.match(start, pos)
    if not m:
        return None
    root = m.group(1).split(":")[-1]
    if root in ("PubmedArticleSet", "PubmedArticle", "PubmedBookArticle"):
        return "pubmed_xml"
    if root == "xml" and re.search(r"<records?[\s>]", start) or root == "records":
        return "endnote_xml"
    if root.lower() == "html":
        raise FileFormatError(path, "this is a web page (HTML), not a reference export")
    raise FileFormatError(path, f"XML with root <{root}> is neither PubMed XML nor EndNote XML")


def _table_format(text: str, truncated: bool, suffix_fmt: str | None) -> str | None:
    """``csv`` or ``tsv`` when the text reads as a table with a header row, else None.

    The header must split into at least two short cells and most following rows must split
    into the same number of cells (a row cut by the end of the sniffed head is ignored).
    """
    lines = text.splitlines()
    if lines and re.match(r"sep=[,;\t|]\s*$", lines[0]):
        return "tsv" if "\t" in lines[0] else "csv"
    widths = {delim: _consistent_columns(text, delim, truncated) for delim in ("\t", ",", ";", "|")}
    best = max(widths.values())
    if best < 2:
        return None
    if widths["\t"] == best and (suffix_fmt != "csv" or max(widths[d] for d in ",;|") < best):
        return "tsv"
    return "csv"


def _consistent_columns(text: str, delim: str, truncated: bool) -> int:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, skipinitialspace=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any(c.strip() for c in row):
                rows.append(row)
            if len(rows) > 30:
                break
    except csv.Error:
        return 0
    if len(rows) > 30 or not truncated:
        complete = rows[:30] if len(rows) > 30 else rows
    else:
        complete = rows[:-1]  # the last row may be cut off by the head
    if not complete:
        return 0
    header, body = complete[0], complete[1:]
    width = len(header)
    blank = sum(1 for c in header if not c.strip())
    if width < 2 or blank > width // 2 or any(len(c) > _MAX_HEADER_CELL for c in header):
        return 0
    if body and sum(1 for row in body if len(row) == width) < 0.8 * len(body):
        return 0
    return width
