"""What the line-tagged formats (RIS, MEDLINE, Web of Science, EndNote .enw) share.

Each reader splits its file into records of ``tag -> [values]`` (values in file order) and hands
them to :class:`Fields`, which takes the values that have a column of their own in
:class:`~screener.core.records.RecordData`; whatever is left becomes ``extra``, under the
file's own tag. A value is *taken* (removed from what becomes extra) only when the writer of the
same format writes it back exactly; otherwise it stays in ``extra`` as written and the core
field is derived from it. So "1948/07//" gives ``year=1948`` and stays in ``extra["PY"]``,
while "2019" is simply taken. That keeps import -> export -> import free of losses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from screener.core.records import RecordData, RecordError
from screener.io.normalize import normalize_arxiv, normalize_doi, normalize_pmid, parse_year
from screener.io.pieces import line_separator
from screener.io.text import clean, squash

#: Database names that mean "this accession number is a PubMed id".
PUBMED_NAMES = frozenset({"pubmed", "medline", "nlm", "pubmed/medline", "ncbi pubmed"})

NO_CONTENT = "record has no title, abstract or identifier (DOI, PMID, arXiv id)"

_PLAIN_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_TRAIL = frozenset(".,;)]}>\"'")
# Whitespace other than the plain space that str.split() splits at (NBSP, thin space, ...).
_ODD_SPACES = tuple(c for c in map(chr, range(0x80, 0x3001)) if c.isspace())
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
_RUN = re.compile("  ")
_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+", re.IGNORECASE)


def split_lines(text: str, chunk: int = 1 << 20) -> Iterator[str]:
    """Lines of ``text`` for any line ending (LF, CRLF, lone CR); a leading BOM is dropped.

    Callers strip each line, which also removes the CR of CRLF endings; splitting on LF only
    keeps this fast and leaves Unicode line separators inside values alone. The text is split
    a megabyte at a time, so a 250 MB export never holds millions of line objects at once.
    """
    start = 1 if text.startswith("\ufeff") else 0
    sep = line_separator(text)
    end_of_text = len(text)
    while start < end_of_text:
        end = text.find(sep, start + chunk)
        if end < 0:
            yield from text[start:].split(sep)
            return
        yield from text[start:end].split(sep)
        start = end + 1


def blocks(text: str, tag_of: Callable[[str], tuple[str, str] | None], opening_tag: str,
           continue_line: Callable[[dict[str, list[str]], str, str], None]) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """``(start line, tag values)`` of each record of a format whose records are blocks of tag
    lines separated by blank lines (MEDLINE, EndNote tagged).

    A second ``opening_tag`` inside one block starts a new record, for files whose records are
    not separated by blank lines. A line that is no tag line continues the last tag.
    """
    values: dict[str, list[str]] | None = None
    start = 0
    last: str | None = None
    for no, line in enumerate(split_lines(text), 1):
        if not line or line.isspace():
            if values is not None:
                yield start, values
            values = last = None
            continue
        found = tag_of(line)
        if found is None:
            if values is not None and last is not None:
                continue_line(values, last, line)
            continue  # noise outside records
        tag, value = found
        if values is not None and tag == opening_tag and opening_tag in values:
            yield start, values
            values = None
        if values is None:
            values, start = {}, no
        last = tag
        add(values, tag, value if value.isprintable() else clean(value))  # empty ones go later
    if values is not None:
        yield start, values


def keep_or_reject(record: RecordData, start: int, records: list[RecordData], errors: list[RecordError]) -> None:
    """Add ``record`` to ``records``, or to ``errors`` with the reason :func:`rejection` gives."""
    reason = rejection(record)
    if reason:
        errors.append(RecordError(start, reason))
    else:
        records.append(record)


def drop_empty(values: dict[str, list[str]]) -> None:
    """Remove empty values (an empty "AB  - " line is no abstract), and tags left with none."""
    for tag in [t for t, vals in values.items() if "" in vals]:
        kept = [v for v in values[tag] if v]
        if kept:
            values[tag] = kept
        else:
            del values[tag]


def head(text: str, size: int = 4096) -> str:
    """The start of ``text`` that the cheap ``sniff`` functions look at."""
    return text[:size].lstrip("\ufeff")


def add(values: dict[str, list[str]], tag: str, value: str) -> None:
    found = values.get(tag)
    if found is None:
        values[tag] = [value]
    else:
        found.append(value)


def join_pages(start: str, end: str = "") -> str:
    """``start-end`` with any dash or spacing between them made one hyphen, and no loose dashes."""
    if start.isalnum() and (not end or end.isalnum()):  # the usual "379", "423": nothing to tidy
        return f"{start}-{end}" if end else start
    start = squash(start)
    end = squash(end)
    pages = f"{start}-{end}" if start and end else start or end
    return _DASHES.sub("-", pages).strip("-")


def split_pages(pages: str) -> tuple[str, str]:
    """The inverse of :func:`join_pages`: ``"12-15"`` -> ``("12", "15")``, ``"e0815"`` -> ``("e0815", "")``."""
    cut = pages.find("-", 1)
    if cut < 0:
        return pages, ""
    return pages[:cut], pages[cut + 1:]


def first_url(value: str) -> str:
    """The first URL of a value that may hold several (``"http://a; http://b"``), or the value."""
    m = _URL.search(value)
    return m.group(0).rstrip(";,") if m else squash(value)


def doi_of(value: str) -> str:
    """:func:`~screener.io.normalize.normalize_doi`, with a shortcut for a DOI already in form."""
    if _PLAIN_DOI.fullmatch(value) and value.islower() and value[-1] not in _DOI_TRAIL:
        return value
    return normalize_doi(value)


def year_of(value: str) -> str:
    """The year in ``value`` as text ('' if none), as :func:`~screener.io.normalize.parse_year` sees it."""
    if len(value) == 4 and value.isdigit() and "1500" <= value <= "2199":
        return value
    year = parse_year(value)
    return str(year) if year else ""


def arxiv_from(doi: str, url: str, *more: str) -> str:
    """An arXiv id carried by a DataCite arXiv DOI, an arxiv.org URL, or a text saying arXiv."""
    if doi.startswith("10.48550/arxiv."):
        return normalize_arxiv(doi[len("10.48550/arxiv."):])
    if "arxiv.org/" in url.lower():
        return normalize_arxiv(url.split("arxiv.org/", 1)[1])
    for text in more:
        if text and "arxiv" in text.lower():
            found = normalize_arxiv(text.lower().split("arxiv", 1)[1])
            if found:
                return found
    return ""


def one_line(value: str) -> str:
    """:func:`~screener.io.text.squash` for a stripped value already cleaned of control characters.

    Readers clean each line as they read it; this only collapses whitespace, and cheaply: the
    long values (abstracts) are the bulk of a file, and most need nothing or only their
    no-break spaces made plain. An untouched value comes back as the same object.
    """
    if "\n" in value or "\t" in value or "\r" in value:
        return " ".join(value.split())
    if not value.isascii():
        for space in _ODD_SPACES:
            if space in value:
                value = value.replace(space, " ")
    return runs_collapsed(value)


def one_line_chars(text: str) -> bool:
    """True when ``text`` holds none of the characters (tab, CR, LF inside a value, odd
    spaces) for which :func:`one_line` does more than collapse runs of spaces; the values of a
    reader's single lines of such a text are tidied with :func:`runs_collapsed`.
    """
    if "\t" in text or "\r" in text:
        return False
    return text.isascii() or not any(space in text for space in _ODD_SPACES)


def runs_collapsed(value: str) -> str:
    """:func:`one_line` for a value of a text that :func:`one_line_chars` passed: only runs of
    spaces can be there to collapse. An untouched value comes back as the same object."""
    # A regular expression finds "  " in a long abstract twice as fast as ``in`` does; in a
    # short value ``in`` is faster.
    if "  " in value if len(value) < 100 else _RUN.search(value) is not None:
        return " ".join(value.split())
    return value


def take_first(values: dict[str, list[str]], tags: tuple[str, ...], tidy: Callable[[str], str] = one_line) -> str:
    """The first value of the first of ``tags`` present, removed from ``values``, on one line
    (``tidy``: :func:`runs_collapsed` for values known to need no more)."""
    for tag in tags:
        found = values.get(tag)
        if found:
            if len(found) == 1:
                del values[tag]
                value = found[0]
            else:
                value = found.pop(0)
            return tidy(value)
    return ""


def take_list(values: dict[str, list[str]], tag: str, tidy: Callable[[str], str] = one_line) -> list[str]:
    """All values of ``tag``, removed from ``values``, each on one line (``tidy`` as in :func:`take_first`)."""
    found = values.pop(tag, None)
    if not found:
        return []
    # Authors and keywords come by the dozen: check them all at once, fix one by one if need be.
    joined = "|".join(found)
    if tidy(joined) is joined:
        return found
    return [tidy(v) for v in found]


class Fields:
    """One record's ``tag -> values``, from which the reader takes the core fields.

    Values are kept as the file wrote them (cleaned of control characters, each line
    stripped, no empty values). What is not taken ends up in :meth:`extra`.
    """

    __slots__ = ("values",)

    def __init__(self, values: dict[str, list[str]]):
        self.values = values

    def text(self, *tags: str) -> str:
        """The first value of the first of ``tags`` present, taken, on one line."""
        return take_first(self.values, tags)

    def paragraphs(self, *tags: str) -> str:
        """Like :meth:`text`, but line breaks the file had inside the value are kept."""
        for tag in tags:
            found = self.values.get(tag)
            if found:
                value = self._pop(tag, 0)
                if "\n" not in value:
                    return one_line(value)
                return "\n".join(s for s in map(one_line, value.split("\n")) if s)
        return ""

    def all(self, *tags: str) -> list[str]:
        """All values of all of ``tags``, taken, in tag order."""
        if len(tags) == 1:
            return take_list(self.values, tags[0])
        return [v for tag in tags for v in take_list(self.values, tag)]

    def first_present(self, *tags: str) -> list[str]:
        """All values of the first of ``tags`` present (the others stay for extra)."""
        for tag in tags:
            if self.values.get(tag):
                return self.all(tag)
        return []

    def derived(self, tags: Iterable[str], extract: Callable[[str], str],
                canonical: Callable[[str], str] | None = None) -> str:
        """The first value of ``tags`` (in order) from which ``extract`` gets something.

        That value is taken only when ``canonical(result)`` writes it back exactly; otherwise
        it stays in extra as the file wrote it, and the result is derived from it.
        """
        values = self.values
        for tag in tags:
            found = values.get(tag)
            if not found:
                continue
            for i, raw in enumerate(found):
                result = extract(raw)
                if result:
                    if (canonical(result) if canonical else result) == raw:
                        if len(found) == 1:
                            del values[tag]
                        else:
                            del found[i]
                    return result
        return ""

    def peek(self, *tags: str) -> str:
        """The first value of the first of ``tags`` present, left in place."""
        for tag in tags:
            found = self.values.get(tag)
            if found:
                return found[0]
        return ""

    def extra(self) -> dict[str, str | list[str]]:
        return {tag: (vals[0] if len(vals) == 1 else vals) for tag, vals in self.values.items() if vals}

    def _pop(self, tag: str, index: int) -> str:
        found = self.values[tag]
        value = found.pop(index)
        if not found:
            del self.values[tag]
        return value


def pmid_from_accession(fields: Fields, accession: str, databases: tuple[str, ...]) -> str:
    """A PubMed id kept as an accession number by a record whose database is PubMed/MEDLINE.

    EndNote writes PubMed records that way (RIS ``AN`` + ``DP - NLM``). The pair is taken only
    in the exact form our writers use (the id alone, database "PubMed").
    """
    number = fields.peek(accession)
    if not number.isdigit():
        return ""
    for db in databases:
        name = fields.peek(db)
        if name.strip().lower() in PUBMED_NAMES:
            pmid = normalize_pmid(number)
            if pmid == number and name == "PubMed" and len(fields.values[accession]) == 1 \
                    and len(fields.values[db]) == 1:
                fields.values.pop(accession)
                fields.values.pop(db)
            return pmid
    return ""


def rejection(record: RecordData) -> str:
    """Why a record cannot be imported, or ''.

    A record is rejected when it has no title, no abstract and no DOI/PMID/arXiv id: there is
    nothing to screen and nothing to find it by. Every other record is imported, however
    sparse, so that counts stay honest.
    """
    if record.title or record.abstract or record.doi or record.pmid or record.arxiv_id:
        return ""
    return NO_CONTENT


def value_lines(value: str) -> list[str]:
    """The lines a writer puts out for one value (a multi-line value keeps its breaks)."""
    return [s for s in (clean(part).strip() for part in str(value).split("\n")) if s]
