"""PubMed MEDLINE / .nbib files (also ERIC's nbib): ``TAG - value`` with 4-character tags.

A record is a block of tag lines ended by a blank line; a ``PMID-`` line in a block that
already has one starts a new record too (a missing blank line loses nothing). Lines indented
by spaces continue the value above: MEDLINE wraps long values at ~80 columns, so they are joined
with a space.

Rejected: a record with no title, abstract or DOI/PMID/arXiv id.
"""

from __future__ import annotations

import re

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.normalize import normalize_doi, normalize_pmid
from screener.io.tagged import (Fields, arxiv_from, blocks, drop_empty, head, join_pages, keep_or_reject,
                                year_of)
from screener.io.text import clean

TITLE = ("TI",)
ABSTRACT = ("AB",)
AUTHORS = ("FAU", "AU")
YEAR = ("DP", "DEP")
JOURNAL = ("JT", "TA")
DOI = ("LID", "AID")
KEYWORDS = ("OT", "MH")

_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,3}-(?: (.*))?$")
_SNIFF_PMID = re.compile(r"^PMID- *\d", re.MULTILINE)
_SNIFF_TAGS = re.compile(r"^(?:OWN|FAU|STAT|DCOM|PMC|OID|JT|TI  |AU  )\s?- ", re.MULTILINE)
_RIS_START = re.compile(r"^TY  -", re.MULTILINE)


def sniff(text: str) -> bool:
    """True for MEDLINE text: a ``PMID- `` line, or MEDLINE's 4-column tags and no RIS ``TY``."""
    start = head(text)
    if _SNIFF_PMID.search(start):
        return True
    return bool(_SNIFF_TAGS.search(start)) and not _RIS_START.search(start) and "\nOWN - " in f"\n{start}"


def tag_of(line: str) -> tuple[str, str] | None:
    """``(tag, value)`` for a MEDLINE tag line (the dash sits in column 5; ERIC's ``ISSN - ``
    in column 6), else None."""
    if len(line) < 5 or "-" not in line[2:7] or not ("A" <= line[0] <= "Z"):
        return None
    m = _TAG.match(line.rstrip())
    return (m.group(1), (m.group(2) or "").strip()) if m else None


def medline_doi(value: str) -> str:
    """The DOI of an ``LID``/``AID`` value: ``10.1000/x [doi]``, or a doi.org link (ERIC)."""
    text = value.strip()
    if text.endswith("[doi]"):
        return normalize_doi(text[:-5])
    if "doi.org/" in text.lower():
        return normalize_doi(text)
    return ""


def doi_line(doi: str) -> str:
    """How PubMed writes a DOI in ``LID``/``AID``."""
    return f"{doi} [doi]"


def parse(text: str, path: str) -> ParsedFile:
    """Parse MEDLINE ``text`` read from ``path``; see the module docstring."""
    records: list[RecordData] = []
    errors: list[RecordError] = []
    hint = ""
    for start, values in blocks(text, tag_of, "PMID", _continue):
        if not hint and values.get("OWN"):
            hint = "PubMed" if values["OWN"][0] == "NLM" else values["OWN"][0]
        keep_or_reject(to_record(values, start), start, records, errors)
    if not records and not errors:
        raise FileFormatError(path, "no MEDLINE records found (no 'PMID- ' or other tag lines)")
    return ParsedFile(path=path, format="medline", encoding="", records=tuple(records),
                      errors=tuple(errors), source_hint=hint)


def _continue(values: dict[str, list[str]], tag: str, line: str) -> None:
    """A continuation line (six spaces of indent) joins the last value of ``tag`` with a space."""
    continued = clean(line.strip())
    items = values.setdefault(tag, [""])
    items[-1] = f"{items[-1]} {continued}" if items[-1] else continued


def to_record(values: dict[str, list[str]], line: int) -> RecordData:
    """Map one MEDLINE record; what is not taken goes to ``extra`` under its tag."""
    drop_empty(values)
    f = Fields(values)
    title = f.text(*TITLE)
    abstract = f.text(*ABSTRACT)
    authors = tuple(f.first_present(*AUTHORS))
    year = f.derived(YEAR, year_of)
    journal = f.text(*JOURNAL)
    volume = f.text("VI")
    issue = f.text("IP")
    pages = join_pages(f.text("PG"))
    doi = f.derived(DOI, medline_doi, doi_line)
    pmid = f.derived(("PMID",), _pmid_of)
    keywords = tuple(f.first_present(*KEYWORDS))
    pub_type = f.text("PT")
    language = f.text("LA")
    return RecordData(
        title=title, abstract=abstract, authors=authors, year=int(year) if year else None,
        journal=journal, volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid,
        arxiv_id=arxiv_from(doi, ""), keywords=keywords, pub_type=pub_type, language=language,
        extra=f.extra(), line=line,
    )


def _pmid_of(value: str) -> str:
    return normalize_pmid(value) if value.strip().isdigit() else ""
