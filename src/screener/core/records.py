"""Bibliographic records as readers produce them and writers consume them.

A reader maps each format's fields onto :class:`RecordData`; whatever has no column of its own
goes into ``extra`` under the source's own field name (a RIS tag, a BibTeX field, a CSV column),
so nothing the source said is lost and an export can write it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

#: The bibliographic fields with a column of their own, in export order.
CORE_FIELDS: tuple[str, ...] = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "arxiv_id",
    "url",
    "keywords",
    "pub_type",
    "language",
)


@dataclass(frozen=True, slots=True)
class RecordData:
    """One bibliographic record, format-independent.

    ``authors`` and ``keywords`` keep the source's order. ``extra`` maps field names that have
    no column here to a string or a list of strings. ``line`` is where the record starts in its
    file (1-based line, row, or element number), for error messages.
    """

    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    arxiv_id: str = ""
    url: str = ""
    keywords: tuple[str, ...] = ()
    pub_type: str = ""
    language: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=True, hash=False)
    line: int | None = field(default=None, compare=False)

    def with_changes(self, **changes: Any) -> "RecordData":
        return replace(self, **changes)

    def __reduce__(self):
        # Pickled as a constructor call: the __setstate__ that dataclasses generates for slots
        # looks up the fields again for every record, which made a helper process's 50k
        # records slower to unpickle than to parse (see screener.io.parallel).
        return (RecordData, tuple(getattr(self, name) for name in _FIELD_NAMES))

    def core_dict(self) -> dict[str, Any]:
        """The core fields as a plain dict (lists for sequences), for storage and export."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("extra", "line"):
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


_FIELD_NAMES = tuple(f.name for f in fields(RecordData))


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record the reader found but could not import, with where and why."""

    line: int | None
    reason: str
    element: str | None = None  # e.g. an XML element path, when lines are not meaningful

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"line": self.line, "reason": self.reason}
        if self.element:
            d["element"] = self.element
        return d


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """What a reader made of one file.

    ``found`` counts the record starts detected in the file, so ``found == len(records) +
    len(errors)`` always holds. ``source_hint`` is a database name recognised from the content
    (e.g. "PubMed", "Scopus"), ``search_date``/``query`` are given when the file says so.
    ``clean`` is the reader's promise that every record holds only strings (and a year) free
    of control characters, so an importer need not look through them again.
    """

    path: str
    format: str
    encoding: str
    records: tuple[RecordData, ...]
    errors: tuple[RecordError, ...] = ()
    source_hint: str = ""
    search_date: str = ""
    query: str = ""
    sha256: str = ""
    clean: bool = False

    @property
    def found(self) -> int:
        return len(self.records) + len(self.errors)
