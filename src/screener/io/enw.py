"""EndNote tagged files (.enw, .enl exports, "EndNote" text): ``%X value`` lines.

A record is a block of tag lines ended by a blank line. EndNote puts ``%0`` (reference type)
first, but real exports also start a record with ``%T`` or have no ``%0`` at all, so the blank
line decides; a second ``%0`` inside one block starts a new record as well. A line without a
tag continues the value above: one more keyword (``%K``) or author (``%A``, ``%E``), a new line
of text for any other tag.

Rejected: a record with no title, abstract or DOI/PMID/arXiv id.
"""

from __future__ import annotations

import re

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.tagged import (
    drop_empty,
    Fields,
    add,
    arxiv_from,
    doi_of,
    first_url,
    head,
    join_pages,
    pmid_from_accession,
    rejection,
    split_lines,
    year_of,
)
from screener.io.text import clean

TITLE = ("%T",)
ABSTRACT = ("%X",)
AUTHORS = ("%A",)
YEAR = ("%D", "%8")
JOURNAL = ("%J", "%B")
DOI = ("%R",)
URL = ("%U",)
KEYWORDS = ("%K",)
#: EndNote keeps a PubMed id as accession number (%M) of a record from database (%~) PubMed.
ACCESSION = "%M"
DATABASES = ("%~", "%W")
LIST_TAGS = frozenset({"%A", "%E", "%K", "%U", "%Y", "%?"})

_SNIFF = re.compile(r"^%[0ATJDK] \S", re.MULTILINE)


def sniff(text: str) -> bool:
    """True when the start of ``text`` has at least two EndNote tag lines (``%T``, ``%A``, ...)."""
    return len(_SNIFF.findall(head(text))) >= 2


def tag_of(line: str) -> tuple[str, str] | None:
    """``(tag, value)`` for an EndNote tag line (``%`` + one character + space), else None."""
    if len(line) >= 2 and line[0] == "%" and not line[1].isspace() and (len(line) == 2 or line[2] == " "
                                                                         or line[2:].isspace()):
        return line[:2], line[3:].strip()
    return None


def parse(text: str, path: str) -> ParsedFile:
    """Parse EndNote tagged ``text`` read from ``path``; see the module docstring."""
    records: list[RecordData] = []
    errors: list[RecordError] = []
    values: dict[str, list[str]] | None = None
    start = 0
    last: str | None = None

    def close() -> None:
        assert values is not None
        record = to_record(values, start)
        reason = rejection(record)
        if reason:
            errors.append(RecordError(start, reason))
        else:
            records.append(record)

    for no, line in enumerate(split_lines(text), 1):
        if not line or line.isspace():
            if values is not None:
                close()
            values = last = None
            continue
        found = tag_of(line)
        if found is None:
            if values is not None and last is not None:
                _continue(values, last, line)
            continue  # noise outside records
        tag, value = found
        if values is not None and tag == "%0" and "%0" in values:
            close()
            values = None
        if values is None:
            values, start = {}, no
        last = tag
        add(values, tag, value if value.isprintable() else clean(value))
    if values is not None:
        close()
    if not records and not errors:
        raise FileFormatError(path, "no EndNote records found (no '%0 ' or '%T ' lines)")
    return ParsedFile(path=path, format="enw", encoding="", records=tuple(records), errors=tuple(errors))


def _continue(values: dict[str, list[str]], tag: str, line: str) -> None:
    text = clean(line.strip())
    items = values[tag]
    if tag in LIST_TAGS or not items[-1]:
        if items[-1]:
            items.append(text)
        else:
            items[-1] = text
    else:
        items[-1] = f"{items[-1]}\n{text}"


def to_record(values: dict[str, list[str]], line: int) -> RecordData:
    """Map one EndNote record; what is not taken goes to ``extra`` under its tag (``%8``...)."""
    drop_empty(values)
    f = Fields(values)
    title = f.text(*TITLE)
    abstract = f.paragraphs(*ABSTRACT)
    authors = tuple(f.all(*AUTHORS))
    year = f.derived(YEAR, year_of)
    journal = f.text(*JOURNAL)
    volume = f.text("%V")
    issue = f.text("%N")
    pages = join_pages(f.text("%P"))
    doi = f.derived(DOI, doi_of)
    pmid = pmid_from_accession(f, ACCESSION, DATABASES)
    url = f.derived(URL, first_url)
    keywords = tuple(f.all(*KEYWORDS))
    pub_type = f.text("%0")
    language = f.text("%G")
    return RecordData(
        title=title, abstract=abstract, authors=authors, year=int(year) if year else None,
        journal=journal, volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid,
        arxiv_id=arxiv_from(doi, url, journal), url=url, keywords=keywords, pub_type=pub_type,
        language=language, extra=f.extra(), line=line,
    )
