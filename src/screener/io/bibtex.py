"""BibTeX / BibLaTeX files, read with bibtexparser 2.

Every ``@type{`` block except ``@comment``, ``@string`` and ``@preamble`` is a record start.
bibtexparser recovers after a broken block (an unbalanced brace or quote stops at the next line
starting with ``@``), so one broken entry is rejected with its line while the others import.
An entry whose key repeats an earlier one is still a record of its own and is imported (the
key is kept in ``extra["ID"]``); a field given twice keeps both values.

LaTeX in text fields (``{\\"u}``, ``--``, ``\\&``) becomes Unicode; fields holding addresses or
identifiers (url, doi, eprint, file...) are kept verbatim, since ``%`` or ``_`` in a URL is not
LaTeX. Field names are lower-cased (BibTeX ignores their case); the entry type is
``pub_type`` and also ``extra["ENTRYTYPE"]``, the key ``extra["ID"]``.

Rejected: a block bibtexparser cannot parse, and an entry with no title, abstract or
DOI/PMID/arXiv id.
"""

from __future__ import annotations

import logging
import re

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares.names import split_multiple_persons_names
from bibtexparser.middlewares.parsestack import default_parse_stack
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import LatexWalker, get_default_latex_context_db

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.normalize import normalize_arxiv, normalize_pmid
from screener.io.tagged import Fields, arxiv_from, doi_of, first_url, head, join_pages, rejection, year_of
from screener.io.text import clean, squash

# bibtexparser logs each broken block as a warning; we report those as RecordErrors, so keep
# its messages out of the CLI's stderr (they still reach any handler the app installs).
for _name in ("bibtexparser", "pylatexenc"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

TITLE = ("title",)
ABSTRACT = ("abstract",)
YEAR = ("year", "date")
JOURNAL = ("journal", "journaltitle", "booktitle")
VOLUME = ("volume",)
ISSUE = ("number", "issue")
DOI = ("doi",)
PMID = ("pmid",)
URL = ("url",)
KEYWORDS = ("keywords", "keyword")
#: Fields whose content is not LaTeX text: decoding would eat ``%`` and ``\\_`` in URLs.
VERBATIM = frozenset({"url", "doi", "eprint", "file", "pdf", "link", "pmid", "pmcid", "isbn", "issn",
                      "archiveprefix", "eprinttype", "eprintclass", "primaryclass", "urldate",
                      "arxivid", "ID", "ENTRYTYPE"})
NOT_RECORDS = ("@comment", "@string", "@preamble")

_DECODER = LatexNodes2Text(keep_braced_groups=False, math_mode="verbatim")
_PARSING = get_default_latex_context_db()  # built once: pylatexenc would rebuild it per value
_LATEX_HINT = re.compile(r"[\\~%]|--|``|''|[!?]`")
_ESCAPED = re.compile(r"\{\\([_%&#$~])\}|\\([_%&#$~{}])")
_AND_ESCAPE = re.compile(r"(\sand\s+)\\", re.IGNORECASE)
_ENTRY_START = re.compile(r"^\s*@\s*([A-Za-z]\w*)\s*[{(]", re.MULTILINE)


def sniff(text: str) -> bool:
    """True when the start of ``text`` has a BibTeX entry (``@article{`` and the like)."""
    return any(m.group(1).lower() not in ("comment",) for m in _ENTRY_START.finditer(head(text)))


def decode_latex(value: str) -> str:
    """Unicode for a LaTeX value; plain text passes through untouched."""
    if not _LATEX_HINT.search(value):
        # Braces only protect case here; dropping them is all pylatexenc would do, much slower.
        return value.replace("{", "").replace("}", "") if "{" in value or "}" in value else value
    try:
        nodes = LatexWalker(value, latex_context=_PARSING, tolerant_parsing=True).get_latex_nodes()[0]
        return _DECODER.nodelist_to_text(nodes)
    except Exception:  # pylatexenc gives up on odd input; the raw text beats nothing
        return value


def parse(text: str, path: str) -> ParsedFile:
    """Parse BibTeX ``text`` read from ``path``; see the module docstring for what is rejected."""
    text = text.lstrip("\ufeff")
    library = bibtexparser.parse_string(text)
    strings = {key.lower(): str(s.value) for key, s in library.strings_dict.items()}
    records: list[RecordData] = []
    errors: list[RecordError] = []
    for block in library.blocks:
        line = block.start_line + 1  # bibtexparser counts from 0
        if isinstance(block, Entry):
            entry: Entry | None = block
        elif isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)) \
                and isinstance(block.ignore_error_block, Entry):
            entry = _finish(block.ignore_error_block, library)
        elif isinstance(block, ParsingFailedBlock):
            if not re.sub(r"\s+", "", block.raw[:30]).lower().startswith(NOT_RECORDS):
                errors.append(RecordError(line, _why(block)))
            continue
        else:
            continue  # strings, comments, preambles
        if entry is None:
            errors.append(RecordError(line, "entry could not be read"))
            continue
        record = to_record(entry, line, strings)
        reason = rejection(record)
        if reason:
            errors.append(RecordError(line, reason))
        else:
            records.append(record)
    if not records and not errors:
        raise FileFormatError(path, "no BibTeX entries found (no '@article{...' or similar)")
    return ParsedFile(path=path, format="bibtex", encoding="", records=tuple(records), errors=tuple(errors))


def _why(block: ParsingFailedBlock) -> str:
    first = block.raw.strip().split("\n", 1)[0][:60]
    detail = getattr(block.error, "abort_reason", None) or str(block.error)
    return f"BibTeX syntax error in {first!r}: {squash(detail)} (an unbalanced brace or quote?)"


def _finish(entry: Entry, library: Library) -> Entry | None:
    """Run the usual parse steps on an entry bibtexparser set aside (repeated key or field).

    Such entries come back raw (still braced, @strings unresolved); they are records all the
    same, so they get the treatment the others got, seeing the same @strings.
    """
    own = Library()
    for string in library.strings:
        own.add(string)
    own.add(entry)
    for middleware in default_parse_stack():
        own = middleware.transform(own)
    return own.entries[0] if own.entries else None


def entry_fields(entry: Entry, strings: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Lower-cased field name -> values (more than one when the field repeats).

    Values are LaTeX-decoded (except :data:`VERBATIM` fields) and on one line: whitespace,
    line breaks included, means one space in BibTeX. ``author`` values are split into names
    before decoding, so a braced ``{Barnes and Noble}`` stays one name.
    """
    values: dict[str, list[str]] = {}
    for field in entry.fields:
        key = field.key.strip().lower()
        value = field.value if isinstance(field.value, str) else str(field.value)
        if "#" in value and strings is not None:
            value = _concatenate(value, strings)
        if key == "author":
            # bibtexparser's splitter drops a name's first two characters when they are an
            # escape (``and \"{O}zt\"{u}rk``); an empty group in front keeps them.
            parts = split_multiple_persons_names(_AND_ESCAPE.sub(r"\1{}\\", clean(value)))
        else:
            parts = [clean(value)]
        for part in parts:
            if key in VERBATIM or key == "pages":  # join_pages reads "--" as a range
                part = _unescape(part)
            else:
                part = decode_latex(part)
            part = squash(part)
            if part:
                values.setdefault(key, []).append(part)
    return values


def _unescape(value: str) -> str:
    """``10.1007/x{\\_}26`` -> ``10.1007/x_26``: the escapes Mendeley & co. put in URLs and DOIs."""
    return _ESCAPED.sub(lambda m: m.group(1) or m.group(2), value) if "\\" in value else value


def _concatenate(value: str, strings: dict[str, str]) -> str:
    """Resolve ``jean # " " # cesar``: bibtexparser leaves concatenations as written."""
    parts = [p.strip() for p in value.split("#")]
    out = []
    for part in parts:
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        elif part.lower() in strings:
            out.append(strings[part.lower()])
        elif part.isdigit():
            out.append(part)
        else:
            return value  # not a concatenation we understand (a '#' inside text): keep it
    return "".join(out)


def to_record(entry: Entry, line: int, strings: dict[str, str] | None = None) -> RecordData:
    """Map one entry onto RecordData; fields with no column go to ``extra`` by name."""
    values = entry_fields(entry, strings)
    authors = values.pop("author", [])
    f = Fields(values)
    title = f.text(*TITLE)
    abstract = f.text(*ABSTRACT)
    year = f.derived(YEAR, year_of)
    journal = f.text(*JOURNAL)
    volume = f.text(*VOLUME)
    issue = f.text(*ISSUE)
    pages = join_pages(f.text("pages"))
    doi = f.derived(DOI, doi_of)
    pmid = f.derived(PMID, pmid_of)
    url = f.derived(URL, first_url)
    keywords = split_keywords(f.all(*KEYWORDS))
    language = f.text("language")
    arxiv = _take_arxiv(f) or arxiv_from(doi, url, journal, f.peek("eprint"), f.peek("note"))
    extra = f.extra()
    extra["ID"] = entry.key
    extra["ENTRYTYPE"] = entry.entry_type.lower()
    return RecordData(
        title=title, abstract=abstract, authors=tuple(a for a in authors if a), year=int(year) if year else None,
        journal=journal, volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid, arxiv_id=arxiv,
        url=url, keywords=keywords, pub_type=entry.entry_type.lower(), language=language, extra=extra, line=line,
    )


def pmid_of(value: str) -> str:
    return normalize_pmid(value) if value.strip().isdigit() else ""


def split_keywords(values: list[str]) -> tuple[str, ...]:
    """Keywords from ``keywords`` fields: separated by ';' when there is one, else by ','."""
    out: list[str] = []
    for value in values:
        sep = ";" if ";" in value else ","
        out.extend(s for s in (squash(k) for k in value.split(sep)) if s)
    return tuple(out)


def _take_arxiv(f: Fields) -> str:
    """``eprint`` + ``archiveprefix = {arXiv}`` (or eprinttype), taken when written canonically."""
    kind = f.peek("archiveprefix") or f.peek("eprinttype")
    eprint = f.peek("eprint")
    if not eprint or kind.lower() != "arxiv":
        return ""
    arxiv = normalize_arxiv(eprint)
    if arxiv and arxiv == eprint and kind == "arXiv" and len(f.values["eprint"]) == 1:
        f.values.pop("eprint")
        f.values.pop("archiveprefix" if f.peek("archiveprefix") else "eprinttype")
    return arxiv
