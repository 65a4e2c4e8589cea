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
    Fields,
    arxiv_from,
    blocks,
    doi_of,
    drop_empty,
    first_url,
    head,
    join_pages,
    keep_or_reject,
    pmid_from_accession,
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
    for start, values in blocks(text, tag_of, "%0", _continue):
        keep_or_reject(to_record(values, start), start, records, errors)
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
