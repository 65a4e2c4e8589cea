"""Which column of a CSV/TSV/XLSX export holds which bibliographic field.

Every database spells its columns its own way ("Title", "Document Title", "display_name", "TI"),
so each field has a list of aliases in priority order. Headers are compared after
:func:`normalize_header` (case, spaces and underscores do not matter). The first alias present
in a header wins the field; any other column, including a second alias of a field already taken,
stays in ``extra`` under its original header, so a file round-trips without losing a column.

Our own exports use the :data:`~screener.core.records.CORE_FIELDS` names, which head every list,
so a re-imported export maps back exactly whatever other columns it carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Aliases per field, most specific first. Sources: Scopus, Web of Science (full names and the
# two-letter codes of its tab-delimited export), Embase, PubMed CSV, IEEE Xplore, OpenAlex, Lens,
# ASReview, Zotero, Rayyan, Springer, EndNote/RIS-style tables.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "document title", "article title", "item title", "primary title",
              "display name", "ti", "t1"),
    "abstract": ("abstract", "abstract note", "abstracts", "ab", "n2"),
    "authors": ("authors", "author", "author names", "author/s", "author(s)", "first authors",
                "authorships.author.display_name", "au", "a1"),
    "year": ("year", "publication year", "pub year", "py", "y1"),
    "journal": ("journal", "source title", "publication title", "journal/book", "journal title",
                "publication", "secondary title", "primary_location.source.display_name",
                "publication name", "so", "jo", "jf", "t2"),
    "volume": ("volume", "journal volume", "vl"),
    "issue": ("issue", "issue number", "journal issue", "is"),
    "pages": ("pages", "page range", "pagination"),
    "doi": ("doi", "item doi", "di", "do"),
    "pmid": ("pmid", "pubmed id", "medline pmid", "ids.pmid", "pm"),
    "arxiv_id": ("arxiv id", "arxiv", "eprint"),
    "url": ("url", "link", "external url", "pdf link", "ur"),
    "keywords": ("keywords", "author keywords", "manual tags", "keyword", "de", "kw"),
    "pub_type": ("pub type", "publication type", "document type", "type of reference",
                 "item type", "content type", "reference type", "type", "dt", "pt", "ty"),
    "language": ("language", "language of original document", "language of article", "la"),
}

#: Start/end page columns, joined into ``pages`` when a file has no single pages column.
START_PAGE = ("start page", "page start", "first page", "beginning page", "bp", "sp")
END_PAGE = ("end page", "page end", "last page", "ep")

# Two-letter tags mean different things in different tag sets: "SP" is the start page in RIS but
# the conference sponsor in Web of Science, "PT" the WoS publication type, "ID" WoS Keywords Plus.
_WOS_MARKERS = {"ut", "pt", "so", "z9", "tc", "af"}
#: RIS tags that a Web of Science table does not use in their RIS meaning.
_RIS_NOT_WOS = {"ty", "t1", "a1", "y1", "jo", "jf", "t2", "do", "ur", "kw", "n2", "sp"}
#: WoS tags that mean nothing (or something else) in a RIS-style table.
_WOS_NOT_RIS = {"pt"}


def normalize_header(name: str) -> str:
    """Lower-case header with underscores as spaces and runs of space collapsed.

    Dots and slashes stay: OpenAlex's ``authorships.author.display_name`` and PubMed's
    ``Journal/Book`` are distinct names, not word boundaries.
    """
    text = (name or "").replace("\ufeff", "").replace("_", " ").lower()
    text = " ".join(text.split())
    return text.strip(" :")


def _alias_key(alias: str) -> str:
    return normalize_header(alias)


@dataclass(frozen=True)
class ColumnMap:
    """Where each field sits in a header row (column indexes), and what stays in ``extra``."""

    fields: dict[str, int] = field(default_factory=dict)
    start_page: int | None = None
    end_page: int | None = None
    extra: tuple[int, ...] = ()

    @property
    def looks_like_references(self) -> bool:
        """True when some column can carry a record: a title, an abstract or an identifier."""
        return any(f in self.fields for f in ("title", "abstract", "doi", "pmid", "arxiv_id"))


#: A header that starts with this always goes to ``extra`` under the rest of its name. Exports
#: use it for extra fields whose own name would be read as a core column ("doi", "PY", "TI").
EXTRA_PREFIX = "extra:"


def is_field_header(name: str) -> bool:
    """Whether a column called ``name`` would be read into a core field rather than ``extra``."""
    key = normalize_header(name)
    if key in _ALL_ALIASES or key in START_PAGE_KEYS or key in END_PAGE_KEYS:
        return True
    return False


def extra_header(name: str) -> str:
    """The column name under which an extra field called ``name`` is exported."""
    return EXTRA_PREFIX + name if is_field_header(name) or name.startswith(EXTRA_PREFIX) else name


def extra_name(header: str) -> str:
    """The extra field a column called ``header`` is read into."""
    return header[len(EXTRA_PREFIX):] if header.startswith(EXTRA_PREFIX) else header


def map_columns(headers: list[str]) -> ColumnMap:
    """Assign header positions to fields; every unassigned position goes to ``extra``."""
    norm = [normalize_header(h) if not h.startswith(EXTRA_PREFIX) else "\x00extra" for h in headers]
    present = set(norm)
    wos = len(present & _WOS_MARKERS) >= 2 and "ty" not in present
    skip = _RIS_NOT_WOS if wos else _WOS_NOT_RIS
    used: set[int] = set()
    fields: dict[str, int] = {}
    for name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            key = _alias_key(alias)
            if key in skip:
                continue
            idx = _first_free(norm, key, used)
            if idx is not None:
                fields[name] = idx
                used.add(idx)
                break
    start = end = None
    if "pages" not in fields:
        start = _first_of(norm, START_PAGE, used, skip)
        if start is not None:
            used.add(start)
        end = _first_of(norm, END_PAGE, used, skip)
        if end is not None:
            used.add(end)
    extra = tuple(i for i in range(len(headers)) if i not in used)
    return ColumnMap(fields=fields, start_page=start, end_page=end, extra=extra)


def _first_free(norm: list[str], key: str, used: set[int]) -> int | None:
    for i, name in enumerate(norm):
        if name == key and i not in used:
            return i
    return None


def _first_of(norm: list[str], aliases: tuple[str, ...], used: set[int], skip: set[str]) -> int | None:
    for alias in aliases:
        key = _alias_key(alias)
        if key in skip:
            continue
        idx = _first_free(norm, key, used)
        if idx is not None:
            return idx
    return None


def guess_source(headers: list[str]) -> str:
    """The database whose export these headers look like, or '' when they are not distinctive."""
    present = {normalize_header(h) for h in headers}
    if "eid" in present and "source title" in present:
        return "Scopus"
    if "lens id" in present:
        return "Lens"
    if {_alias_key("authorships.author.display_name"), _alias_key("primary_location.source.display_name")} & present:
        return "OpenAlex"
    if {"ut", "pt"} <= present or "ut (unique wos id)" in present:
        return "Web of Science"
    if any(h.startswith("emtree") for h in present):
        return "Embase"
    if {"pmid", "citation", "first author"} <= present:
        return "PubMed"
    if "ieee terms" in present or ("document title" in present and "pdf link" in present):
        return "IEEE Xplore"
    if {"key", "item type", "abstract note"} <= present:
        return "Zotero"
    return ""


# --- splitting list cells --------------------------------------------------------------------

_PY_LIST = re.compile(r"^\[\s*(?:'[^']*'|\"[^\"]*\")?(?:\s*,\s*(?:'[^']*'|\"[^\"]*\"))*\s*\]$", re.DOTALL)
_INITIALS = re.compile(r"^(?:[A-Z]\.?[\s-]*){1,4}$")


def list_mode(cells: list[str], field_name: str) -> str:
    """How a whole column separates the items of its cells.

    Decided per column, not per cell: a one-author row ``Smith, John`` must be read the same
    way as the ``Smith, John; Doe, Jane`` rows around it. Returns one of ``"pylist"`` (ASReview
    writes Python list literals), ``";"``, ``"|"`` (OpenAlex), ``" and "`` (BibTeX style),
    ``","`` or ``""`` (one item per cell).
    """
    values = [c for c in cells if c]
    if values and all(_PY_LIST.match(v) for v in values):
        return "pylist"
    for sep in (";", "|"):
        if any(sep in v for v in values):
            return sep
    if any(" and " in v for v in values) and field_name == "authors":
        return " and "
    if not any("," in v for v in values):
        return ""
    if field_name == "keywords":
        return ","
    # Authors separated by commas ("Liu R., Adler D.G.", "Joseph Rottman, Erran Carmel") versus
    # one "Surname, Given" author per cell: in the first every part is itself a name with a
    # space in it; in the second one part is a bare surname or initials.
    for v in values:
        for part in _split_outside_brackets(v, ","):
            part = part.strip()
            if part and (" " not in part or _INITIALS.match(part)):
                return ""
    return ","


def split_cell(value: str, mode: str) -> list[str]:
    """The items of one cell under the column's ``mode`` (see :func:`list_mode`), in order."""
    if not value:
        return []
    if mode == "pylist":
        items = re.findall(r"'([^']*)'|\"([^\"]*)\"", value)
        parts = [a or b for a, b in items]
    elif mode in (";", "|", " and "):
        parts = value.split(mode)
    elif mode == ",":
        parts = _split_outside_brackets(value, ",")
    else:
        parts = [value]
    return [" ".join(p.split()) for p in parts if p.strip()]


def _split_outside_brackets(value: str, sep: str) -> list[str]:
    """Split on ``sep`` except inside (...) or [...]: Embase writes "cyst (diagnosis, surgery)"."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(value):
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def join_list(items: list[str] | tuple[str, ...], field_name: str = "keywords") -> str:
    """One cell for a list field that :func:`list_mode`/:func:`split_cell` read back exactly.

    Items are joined with "; ". A lone item that the comma rule would split ("Van Der Berg,
    Jan Piet") gets a trailing ";" so the column is read in ";" mode and the item stays whole.
    """
    items = [str(i) for i in items]
    text = "; ".join(items)
    if len(items) == 1 and ";" not in text and split_cell(text, list_mode([text], field_name)) != items:
        return text + ";"
    return text


_ALL_ALIASES = frozenset(_alias_key(a) for aliases in FIELD_ALIASES.values() for a in aliases)
START_PAGE_KEYS = frozenset(_alias_key(a) for a in START_PAGE)
END_PAGE_KEYS = frozenset(_alias_key(a) for a in END_PAGE)
