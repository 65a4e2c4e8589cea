"""Reading a large file a piece at a time.

An import of a 250 MB export should not hold every parsed record at once, and it can write one
piece to the database while it reads the next. A reader that can be read that way cuts its text
where it would close a record anyway, so the pieces give exactly what one pass would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from screener.core.records import ParsedFile, RecordData, RecordError


def line_separator(text: str) -> str:
    """The line break of ``text``: LF (which also splits CRLF), or CR for an old Mac file."""
    return "\r" if "\n" not in text and "\r" in text else "\n"


def cut_before(text: str, marker: str, size: int) -> Iterator[str]:
    """``text`` in pieces of at least ``size`` characters, each cut just after the line break
    that begins ``marker`` (so every piece but the first starts with the rest of ``marker``)."""
    start, end_of_text = 0, len(text)
    while start < end_of_text:
        cut = text.find(marker, start + size)
        end = end_of_text if cut < 0 else cut + 1
        yield text[start:end]
        start = end


def combine(path: str, fmt: str, pieces: Iterable[ParsedFile]) -> ParsedFile:
    """One :class:`ParsedFile` of the pieces' records and errors, in order."""
    records: list[RecordData] = []
    errors: list[RecordError] = []
    hint = ""
    clean = True
    for piece in pieces:
        records.extend(piece.records)
        errors.extend(piece.errors)
        hint = hint or piece.source_hint
        clean = clean and piece.clean
    return ParsedFile(path=path, format=fmt, encoding="", records=tuple(records), errors=tuple(errors),
                      source_hint=hint, clean=clean)
