"""RIS files (EndNote, Zotero, Mendeley, Scopus, Ovid, ProQuest, Embase, PubMed via EndNote...).

One linear pass over the lines. We count record starts ourselves (every ``TY`` line starts a
record), so a malformed record becomes a :class:`RecordError` instead of vanishing. Quirks that
must not lose records: a BOM, CRLF or CR line ends, a missing final ``ER``, ``TY - X`` with one
space, ``TY  -`` with no value, a tab before the dash, 4-letter tags (``PMID  - ``), header
lines before the first record ("Provider: ...", "1."), continuation lines.

Continuation lines: for the list tags (authors, keywords, URLs, addresses) each line is one
more item, as EndNote writes them; for any other tag the value keeps its line breaks. Tags
between an ``ER`` and the next ``TY`` still belong to the record just ended (Ovid puts ``NL``
there). A loose ``ER -``/``TY -`` followed by prose is text, not a tag.

Rejected, each as a :class:`RecordError` with its line:

* a record with nothing but its ``TY`` line ("empty record");
* a record with no title, abstract or DOI/PMID/arXiv id (see :func:`screener.io.tagged.rejection`);
* tag lines with no ``TY`` before them: before the first record, or after an ``ER`` and closed by
  another ``ER`` (a record whose start tag is missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import rispy

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.normalize import normalize_pmid
from screener.io.pieces import combine, cut_before, line_separator
from screener.io.tagged import (
    Fields,
    add,
    arxiv_from,
    doi_of,
    first_url,
    head,
    join_pages,
    keep_or_reject,
    one_line,
    one_line_chars,
    pmid_from_accession,
    runs_collapsed,
    take_first,
    take_list,
    year_of,
)
from screener.io.text import clean, has_control

# Which tag each core field comes from, in order of preference; the writer uses the first.
TITLE = ("TI", "T1")
ABSTRACT = ("AB", "N2")
AUTHORS = ("AU", "A1")
YEAR = ("PY", "Y1")
JOURNAL = ("JF", "JO", "T2", "JA", "J2")
VOLUME = ("VL", "VO")
ISSUE = ("IS", "CP")
DOI = ("DO",)
URL = ("UR",)
#: A PubMed id: its own (non-standard, but real exporters write it) tag, or, as EndNote does,
#: an accession number in a record from database PubMed/NLM.
PMID_TAG = "PMID"
ACCESSION = "AN"
DATABASES = ("DB", "DP")

#: Tags whose continuation lines are further items, not more text of the same item.
LIST_TAGS = frozenset(set(rispy.LIST_TYPE_TAGS) - {"N1"} | {"AD"})

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAGS2 = frozenset(a + b for a in _UPPER for b in _UPPER + "0123456789")
# Tags we also accept in loose spellings (one space, a tab, no value): the standard ones.
_KNOWN = frozenset(rispy.TAG_KEY_MAPPING) | {"PMID", "ER", "TY", "VO", "CP", "CT", "BT", "ED", "J1",
                                            "L3", "LK", "M2", "U1", "U2", "U3", "U4", "U5", "Y2"}
_LOOSE = re.compile(r"([A-Z][A-Z0-9]|PMID)[ \t]{0,3}-(?:[ \t]+(.*))?$")
_TYPE_CODE = re.compile(r"[A-Z]{2,8}")
_NO_TY = "tagged lines without a 'TY  - ' line to start their record"
_SNIFF = re.compile(r"^TY[ \t]{1,2}-", re.MULTILINE)
_BOUNDS = frozenset({"TY", "ER"})
#: Why a file read as RIS is refused outright.
NOTHING = "no RIS records found (no line starts with 'TY  - ')"


def sniff(text: str) -> bool:
    """True when the start of ``text`` has a RIS record start (``TY  - ``)."""
    return _SNIFF.search(head(text)) is not None


def streams(text: str) -> bool:
    """True when ``text`` plainly is RIS (a ``TY  - `` line near its start), so that reading it
    in pieces (:func:`parse_pieces`) finds at least one record and cannot end in an error."""
    start = head(text)
    return start.startswith("TY  - ") or "\nTY  - " in start


def tag_of(line: str) -> tuple[str, str] | None:
    """``(tag, value)`` when ``line`` is a RIS tag line, else None (a continuation or noise)."""
    if line[2:5] == "  -" and line[:2] in _TAGS2:
        rest = line[5:]
        if not rest or rest[0] == " ":
            return line[:2], rest.strip()
        if rest.isspace():
            return line[:2], ""
    m = _LOOSE.match(line.rstrip())
    if m is None or m.group(1) not in _KNOWN:
        return None
    tag, value = m.group(1), (m.group(2) or "").strip()
    # A loose "ER - ..." or "TY - ..." could be a line of an abstract ("ER - and PR-positive
    # tumours"): those two count only in the shape they always have.
    if (tag == "ER" and value) or (tag == "TY" and value and not _TYPE_CODE.fullmatch(value)):
        return None
    return tag, value


#: A large file is read this many characters at a time (cut before a record start), so that an
#: import writes one piece while it reads the next and never holds every record at once.
PIECE = 1 << 20
#: Where a piece may end: before a line that starts a record.
PIECE_MARKER = "\nTY  - "


def parse(text: str, path: str) -> ParsedFile:
    """Parse RIS ``text`` read from ``path``; see the module docstring for what is rejected."""
    parsed = combine(path, "ris", (piece for piece, _ in parse_pieces(text, path)))
    if not parsed.found:
        raise FileFormatError(path, NOTHING)
    return parsed


def parse_pieces(text: str, path: str, size: int = PIECE, first_line: int = 1,
                 no_control: bool = False) -> Iterator[tuple[ParsedFile, int]]:
    """What :func:`parse` reads, a piece of ``text`` at a time: ``(piece, characters read)``.

    Pieces are cut just before a ``TY  - `` line, where the reader would close the record it
    is in anyway, so reading piece by piece gives exactly what one pass over the whole text does.
    ``no_control``: the caller knows that ``text`` holds no control character (see
    :func:`screener.io.text.bytes_have_control`), so no piece is looked at for one.
    """
    sep = line_separator(text)
    first, done = first_line, 0
    plain = sep == "\n"  # until a piece shows otherwise (see _read_piece)
    for piece in cut_before(text, PIECE_MARKER, size):
        done += len(piece)
        dirty = not no_control and has_control(piece)
        if plain and not dirty and one_line_chars(piece):
            try:
                parsed, lines = _read_piece(piece, path, first, sep, dirty, plain=True)
            except _Unusual:
                plain = False  # this file has lines of other forms: read its pieces the full way
                parsed, lines = _read_piece(piece, path, first, sep, dirty)
        else:
            parsed, lines = _read_piece(piece, path, first, sep, dirty)
        yield parsed, done
        first += lines - 1  # a piece ends with a line break: its last "line" is the next piece's


class _Unusual(Exception):
    """A piece read as plain (see :func:`_read_piece`) has a line of another form."""


def _read_piece(text: str, path: str, first_line: int, sep: str, dirty: bool,
                plain: bool = False) -> tuple[ParsedFile, int]:
    """What one piece holds, and how many lines it was split into.

    ``dirty``: the piece may hold control characters, which each value is then cleaned of.
    ``plain``: the caller found no character in the piece that makes a value span lines or
    hold odd spacing (see :func:`~screener.io.tagged.one_line_chars`), and expects no
    continuation line either, so values are taken with a lighter look; :class:`_Unusual` is
    raised when a continuation line comes.
    """
    records: list[RecordData] = []
    errors: list[RecordError] = []
    values: dict[str, list[str]] | None = None  # the record being read
    start = 0
    # Tags after an ER and before the next TY still belong to that record (Ovid puts NL there);
    # tags before the first TY belong to no record.
    trail: dict[str, list[str]] | None = None
    trail_start = 0
    last: str | None = None
    hint = ""

    def close() -> None:
        nonlocal hint
        assert values is not None
        if not hint and values.get("DB"):
            hint = values["DB"][0]
        if values.keys() <= {"TY"}:
            errors.append(RecordError(start, "empty record (nothing but its TY line)"))
            return
        keep_or_reject(to_record(values, start, plain), start, records, errors)

    def finish() -> None:
        # Called at a TY or at the end: what came after the last ER joins its record.
        if values is not None:
            if trail:
                for tag, vals in trail.items():
                    values.setdefault(tag, []).extend(vals)
            close()
        elif trail is not None:
            errors.append(RecordError(trail_start, _NO_TY))

    target: dict[str, list[str]] | None = None  # where tag lines go: the record, a trail, nowhere yet
    tags2 = _TAGS2  # locals: this loop runs once per line of the file
    lines = text.split(sep)
    if first_line == 1 and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    for no, line in enumerate(lines, first_line):
        tag = line[:2]
        if line[2:6] == "  - " and tag in tags2:  # the usual "XX  - value"
            value = line[6:].strip()
        elif not line or line.isspace():
            continue
        else:
            found = tag_of(line)
            if found is None:
                # A continuation line, or noise outside records ("Provider: ...", "1.").
                if target is not None and last is not None:
                    if plain:  # it puts a line break into a value
                        raise _Unusual
                    _continue(target, last, line)
                continue
            tag, value = found
        if dirty and value and not value.isprintable():
            value = clean(value)
        if tag in _BOUNDS:
            if tag == "TY":
                finish()
                values = target = {"TY": [value]}
                start, trail, last = no, None, "TY"
            else:
                if trail is not None:
                    # Tags after an ER closed by another ER: a record whose TY line is missing.
                    if values is not None:
                        close()
                    errors.append(RecordError(trail_start, _NO_TY))
                    values = trail = None
                target = last = None
            continue
        if target is None:
            trail = target = {}
            trail_start = no
        last = tag
        if value:
            found_values = target.get(tag)
            if found_values is None:
                target[tag] = [value]
            else:
                found_values.append(value)
    finish()
    # Every value was cleaned as it was read (continuation lines in _continue), and what
    # to_record derives from clean values is clean.
    return ParsedFile(path=path, format="ris", encoding="", records=tuple(records), errors=tuple(errors),
                      source_hint=hint, clean=True), len(lines)


def to_record(values: dict[str, list[str]], line: int, plain: bool = False) -> RecordData:
    """Map one record's tags onto RecordData; what is not taken goes to ``extra``.

    ``plain``: no value needs more than its runs of spaces collapsed (see :func:`_read_piece`).
    Written out flat, without :class:`Fields` methods where it can: this runs once per record
    and RIS files are the big ones.
    """
    f = Fields(values)
    tidy = runs_collapsed if plain else one_line
    title = take_first(values, TITLE, tidy)
    abstract = take_first(values, ABSTRACT, tidy) if plain else f.paragraphs(*ABSTRACT)
    authors = tuple(take_list(values, "AU", tidy) + take_list(values, "A1", tidy))
    year = f.derived(YEAR, year_of)
    journal = take_first(values, JOURNAL, tidy)
    volume = take_first(values, VOLUME, tidy)
    issue = take_first(values, ISSUE, tidy)
    pages = join_pages(take_first(values, ("SP",), tidy), take_first(values, ("EP",), tidy))
    doi = f.derived(DOI, doi_of) if "DO" in values else ""
    pmid = f.derived((PMID_TAG,), pmid_of) if PMID_TAG in values else ""
    if not pmid and ACCESSION in values:
        pmid = pmid_from_accession(f, ACCESSION, DATABASES)
    url = f.derived(URL, first_url) if "UR" in values else ""
    keywords = tuple(take_list(values, "KW", tidy))
    pub_type = take_first(values, ("TY",), tidy)
    language = take_first(values, ("LA",), tidy)
    return RecordData(
        title=title, abstract=abstract, authors=authors, year=int(year) if year else None,
        journal=journal, volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid,
        arxiv_id=arxiv_from(doi, url, journal), url=url, keywords=keywords, pub_type=pub_type,
        language=language, extra={tag: (v[0] if len(v) == 1 else v) for tag, v in values.items()},
        line=line,
    )


def _continue(values: dict[str, list[str]], tag: str, line: str) -> None:
    text = line.strip()
    if not text.isprintable():
        text = clean(text)
    items = values.get(tag)
    if tag in LIST_TAGS or not items:
        add(values, tag, text)
    else:
        items[-1] = f"{items[-1]}\n{text}"


def pmid_of(value: str) -> str:
    """The PubMed id of a ``PMID`` tag value (digits on its first line)."""
    number = value.split("\n", 1)[0].strip()
    return normalize_pmid(number) if number.isdigit() else ""
