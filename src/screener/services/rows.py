"""Parsed records as the rows an import writes: plain values in column order.

Kept apart from :mod:`screener.services.importing` and light to import, because a helper process
that reads part of a large file (:mod:`screener.io.parallel`) turns its records into rows
itself: rows pickle and unpickle several times faster than records, and the importing process
then only writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io.text import clean, has_control

#: The columns of :func:`record_row`, in order: a records row without its id and creation time.
RECORD_COLUMNS = ("title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
                  "arxiv_id", "url", "keywords", "pub_type", "language", "extra")
#: The :func:`piece_rows` function, named for a helper process to import.
PIECE_ROWS = "screener.services.rows:piece_rows"


@dataclass(frozen=True, slots=True)
class RowPiece:
    """A piece of a parsed file (see :meth:`screener.io.reader.OpenedFile.pieces`) as rows:
    ``rows[k]`` is :func:`record_row` of its k-th record, which starts at ``lines[k]``."""

    rows: list[tuple[Any, ...]]
    lines: list[int | None]
    errors: tuple[RecordError, ...] = ()
    source_hint: str = ""
    search_date: str = ""
    query: str = ""

    @property
    def found(self) -> int:
        return len(self.rows) + len(self.errors)


def piece_rows(piece: ParsedFile) -> RowPiece:
    """:class:`RowPiece` of ``piece``."""
    trusted = piece.clean
    return RowPiece([record_row(r, trusted) for r in piece.records], [r.line for r in piece.records],
                    piece.errors, piece.source_hint, piece.search_date, piece.query)


def _dumps(value: Any) -> str:
    # orjson writes the same JSON as the json module, about ten times faster.
    return orjson.dumps(value).decode("utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _clean_list(items) -> list[Any]:
    return [clean(x) if type(x) is str else _jsonable(x) for x in items]


def record_row(r: RecordData, trusted: bool = False) -> tuple[Any, ...]:
    """Column values of a new record row, in :data:`RECORD_COLUMNS` order.

    Readers clean their text already; this second look guards the database (PostgreSQL refuses
    NUL) against any reader or caller that did not promise it (``trusted``: see
    :attr:`ParsedFile.clean`). It looks at all of a record's text at once and cleans field by
    field only when something is there, because it runs once per imported record.
    """
    extra = r.extra
    if trusted:
        return (r.title, r.abstract, _dumps(r.authors), r.year, r.journal, r.volume, r.issue, r.pages, r.doi,
                r.pmid, r.arxiv_id, r.url, _dumps(r.keywords), r.pub_type, r.language, _dumps(extra))
    parts = [r.title, r.abstract, r.journal, r.volume, r.issue, r.pages, r.doi, r.pmid, r.arxiv_id, r.url,
             r.pub_type, r.language, *r.authors, *r.keywords]
    simple = True
    for k, v in extra.items():
        if type(v) is str:
            parts.append(v)
        elif type(v) in (list, tuple) and all(type(x) is str for x in v):
            parts.extend(v)
        else:
            simple = False
        if type(k) is not str:
            simple = False
    try:
        joined = " ".join(parts)
    except TypeError:  # a caller put a non-string in a text field
        joined, simple = "", False
    if simple and not has_control(joined):
        return record_row(r, trusted=True)
    text_of = lambda v: clean(v) if isinstance(v, str) else ("" if v is None else str(v))  # noqa: E731
    return (text_of(r.title), text_of(r.abstract), _dumps(_clean_list(r.authors)), r.year, text_of(r.journal),
            text_of(r.volume), text_of(r.issue), text_of(r.pages), text_of(r.doi), text_of(r.pmid),
            text_of(r.arxiv_id), text_of(r.url), _dumps(_clean_list(r.keywords)), text_of(r.pub_type),
            text_of(r.language), _dumps(_jsonable(extra)))
