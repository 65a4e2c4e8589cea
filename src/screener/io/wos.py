"""Web of Science plain text (also ISI .isi, .ciw, Zoological Record): ``XX value`` lines.

Files open with ``FN``/``VR`` and close with ``EF``; each record runs from ``PT`` to ``ER``.
Tags are two characters and a space; a line indented by three spaces continues the tag above:
a further item for list tags (authors, addresses, cited references), more text otherwise.
A missing final ``ER`` or ``EF`` loses nothing.

WoS writes its files mechanically, so a record that breaks the layout is reported, not guessed
at. Rejected:

* a record with a line that is neither a tag line nor an indented continuation (e.g.
  ``AUGilles, H``: a tag glued to its value);
* a record whose ``NR`` (number of cited references) disagrees with the ``CR`` lines it has:
  a tag line was lost and the lines after it were read as part of another field;
* tag lines outside any ``PT`` ... ``ER`` record;
* a record with no title, abstract or DOI/PMID/arXiv id.
"""

from __future__ import annotations

import re

from rispy.config import WOK_LIST_TYPE_TAGS

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.normalize import normalize_pmid
from screener.io.tagged import (
    Fields,
    add,
    arxiv_from,
    doi_of,
    drop_empty,
    head,
    join_pages,
    keep_or_reject,
    split_lines,
    year_of,
)
from screener.io.text import clean, squash

TITLE = ("TI",)
ABSTRACT = ("AB",)
AUTHORS = ("AF", "AU")
YEAR = ("PY", "EA")
JOURNAL = ("SO",)
DOI = ("DI",)
PMID = ("PM",)
KEYWORDS = ("DE", "ID")
#: The value of ``PT`` (publication type: J journal, B book, S series, P patent) we write when
#: a record has none of its own.
DEFAULT_PT = "J"

#: Tags whose continuation lines are further items.
LIST_TAGS = frozenset(WOK_LIST_TYPE_TAGS) | {"C1", "C3", "BE"}
_HEADER = frozenset({"FN", "VR", "EF"})
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAGS2 = frozenset(a + b for a in _UPPER for b in _UPPER + "0123456789")
_SNIFF = re.compile(r"^(?:FN .*Web of Science|PT [A-Z]\s*$)", re.MULTILINE)
_SNIFF_TAG = re.compile(r"^(?:AU|TI|SO|UT|AF) \S", re.MULTILINE)


def sniff(text: str) -> bool:
    """True for Web of Science tagged text: an ``FN ... Web of Science`` header or ``PT J`` records."""
    start = head(text)
    return bool(_SNIFF.search(start)) and bool(_SNIFF_TAG.search(start))


def parse(text: str, path: str) -> ParsedFile:
    """Parse Web of Science ``text`` read from ``path``; see the module docstring."""
    records: list[RecordData] = []
    errors: list[RecordError] = []
    values: dict[str, list[str]] | None = None
    start = 0
    last: str | None = None
    broken = ""  # why the current record cannot be trusted
    orphan = False
    hint = ""

    def close() -> None:
        assert values is not None
        if orphan:
            errors.append(RecordError(start, "tagged lines outside a record (no 'PT' line before them)"))
            return
        reason = broken or _check_references(values)
        if reason:
            errors.append(RecordError(start, reason))
        else:
            keep_or_reject(to_record(values, start), start, records, errors)

    for no, line in enumerate(split_lines(text), 1):
        tag = line[:2]
        if tag in _TAGS2 and (len(line) == 2 or line[2] == " " or line[2:].isspace()):
            value = line[3:].strip()
            if tag in _HEADER:
                if tag == "FN" and "web of science" in value.lower():
                    hint = "Web of Science"
                continue
            if tag == "PT":
                if values is not None:
                    close()
                values, start, last, broken, orphan = {}, no, tag, "", False
            elif tag == "ER":
                if values is not None:
                    close()
                values = last = None
                continue
            elif values is None:
                values, start, broken, orphan = {}, no, "", True
            last = tag
            add(values, tag, value if value.isprintable() else clean(value))
        elif not line or line.isspace():
            continue
        elif values is None:
            continue  # text outside records
        elif line.startswith(" ") and last is not None:
            item = clean(line.strip())
            items = values[last]
            if last in LIST_TAGS or not items[-1]:
                if items[-1]:
                    items.append(item)
                else:
                    items[-1] = item
            else:
                items[-1] = f"{items[-1]} {item}"
        elif not broken:
            broken = (f"line {no} is neither a tag line ('XX value') nor an indented continuation: "
                      f"{squash(line)[:40]!r}")
    if values is not None:
        close()
    if not records and not errors:
        raise FileFormatError(path, "no Web of Science records found (no 'PT ' line)")
    return ParsedFile(path=path, format="wos", encoding="", records=tuple(records),
                      errors=tuple(errors), source_hint=hint)


def _check_references(values: dict[str, list[str]]) -> str:
    count = values.get("NR", [""])[0]
    refs = values.get("CR")
    if refs is not None and count.isdigit() and int(count) != len(refs):
        return (f"NR says {count} cited references but CR holds {len(refs)}: a tag line is missing "
                "or misplaced, so fields of this record ran into each other")
    return ""


def to_record(values: dict[str, list[str]], line: int) -> RecordData:
    """Map one WoS record; what is not taken goes to ``extra`` under its tag."""
    drop_empty(values)
    f = Fields(values)
    if f.peek("PT") == DEFAULT_PT and len(values["PT"]) == 1:
        del values["PT"]  # the writer puts it back
    title = f.text(*TITLE)
    abstract = f.text(*ABSTRACT)
    authors = tuple(f.first_present(*AUTHORS))
    year = f.derived(YEAR, year_of)
    journal = f.text(*JOURNAL)
    volume = f.text("VL")
    issue = f.text("IS")
    pages = join_pages(f.text("BP"), f.text("EP"))
    doi = f.derived(DOI, doi_of)
    pmid = f.derived(PMID, lambda v: normalize_pmid(v) if v.strip().isdigit() else "")
    keywords = tuple(k for v in f.first_present(*KEYWORDS) for k in (squash(p) for p in v.split(";")) if k)
    pub_type = f.text("DT")
    language = f.text("LA")
    return RecordData(
        title=title, abstract=abstract, authors=authors, year=int(year) if year else None,
        journal=journal, volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid,
        arxiv_id=arxiv_from(doi, ""), keywords=keywords, pub_type=pub_type, language=language,
        extra=f.extra(), line=line,
    )
