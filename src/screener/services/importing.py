"""Importing reference files: one source (import batch) per file, all-or-nothing per file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from screener.core.collector import collector_paused
from screener.core.enums import SourceType
from screener.core.progress import Progress, checkpoint
from screener.core.records import ParsedFile
from screener.io import read_file
from screener.io.reader import OpenedFile, open_file, whole_pieces
from screener.services.dto import FileImport, ImportSummary
from screener.services.rows import PIECE_ROWS, RECORD_COLUMNS
from screener.storage.models import Record, Source, utcnow
from screener.storage.bulk import BulkWriter
from screener.storage.session import Store

_BATCH = 5000


def preview_file(path: str | Path, format: str | None = None, encoding: str | None = None,
                 progress: Progress | None = None) -> ParsedFile:
    """Parse a file without touching the project (the GUI shows what was detected)."""
    return read_file(path, format=format, encoding=encoding, progress=progress)


def import_files(store: Store, paths: Sequence[str | Path], source: str | None = None,
                 source_type: str = "database", format: str | None = None, encoding: str | None = None,
                 imported_by: str = "", progress: Progress | None = None) -> ImportSummary:
    """Import each file as one source.

    Every file is opened (read, decoded, its format checked) before anything is written, so a
    file that cannot be read at all stops the whole command with the project untouched. Each
    file is then written in its own transaction, piece by piece as it is parsed: a failure or
    a cancel leaves no part of that file in the project.
    """
    stype = SourceType.parse(source_type).value
    with collector_paused():
        opened = [open_file(p, format=format, encoding=encoding, progress=progress) for p in paths]
        results = [_import(store, f, source=source, source_type=stype, imported_by=imported_by,
                           progress=progress) for f in opened]
    if results and _auto_dedup(store):
        from screener.services.dedup import find_candidates

        find_candidates(store, auto=True, by=imported_by, progress=progress)
    return ImportSummary(tuple(results))


def _auto_dedup(store: Store) -> bool:
    from screener.storage.models import ProjectInfo

    with store.read() as s:
        info = s.get(ProjectInfo, 1)
        return bool(info and info.auto_dedup)


_RECORD_COLUMNS = ("id", *RECORD_COLUMNS, "created_at")
_ORIGIN_COLUMNS = ("record_id", "source_id", "position", "line")


def import_parsed(store: Store, pf: ParsedFile, source: str | None = None, source_type: str = "database",
                  imported_by: str = "", progress: Progress | None = None) -> FileImport:
    """Write one parsed file as a source with its records, in one transaction."""
    total = len(pf.records)
    batches = ((replace(pf, records=pf.records[k:k + _BATCH], errors=pf.errors if k == 0 else ()),
                min(k + _BATCH, total)) for k in range(0, max(total, 1), _BATCH))
    opened = OpenedFile(pf.path, pf.format, pf.encoding, pf.sha256 or _file_sha256(pf.path), total,
                        whole_pieces(batches))
    return _import(store, opened, source=source, source_type=source_type, imported_by=imported_by,
                   progress=progress, search_date=pf.search_date, query=pf.query)


def _import(store: Store, opened: OpenedFile, source: str | None, source_type: str, imported_by: str,
            progress: Progress | None, search_date: str = "", query: str = "") -> FileImport:
    """Write one file's records as they are parsed, and its source row, in one transaction."""
    stype = SourceType.parse(source_type).value
    label = Path(opened.path).name
    errors: list[dict[str, Any]] = []
    found = imported = 0
    hint = ""
    with store.unit() as s:
        src = Source(file_name=label, sha256=opened.sha256, format=opened.format, encoding=opened.encoding,
                     name=source or Path(opened.path).stem, source_type=stype, found=0, imported=0,
                     rejected=0, errors=[], imported_by=imported_by)
        s.add(src)
        s.flush()
        conn = s.connection()
        pg = conn.dialect.name == "postgresql"
        now = utcnow()
        stamp = now if pg else now.strftime("%Y-%m-%d %H:%M:%S.%f")
        next_id = None if pg else (conn.execute(select(func.max(Record.id))).scalar() or 0) + 1
        checkpoint(progress, 0, opened.size, f"importing {label}")
        # Rows go in through the driver with ids assigned here: the ORM's per-row bookkeeping
        # would dominate a 100k-record import. The writer inserts one piece while the next is
        # parsed (see storage.bulk).
        with BulkWriter(conn) as writer:
            # Each piece comes as rows (RowPiece), made where it was parsed: in a helper
            # process, for the second part of a large file.
            for piece, done in opened.pieces(convert=PIECE_ROWS):
                rows = piece.rows
                if pg:
                    ids = _server_ids(conn, len(rows))
                else:
                    ids = range(next_id, next_id + len(rows))
                    next_id += len(rows)
                writer.insert("records", _RECORD_COLUMNS, [(i, *row, stamp) for i, row in zip(ids, rows)])
                writer.insert("record_sources", _ORIGIN_COLUMNS,
                              [(i, src.id, imported + k, line) for k, (i, line) in enumerate(zip(ids, piece.lines))])
                imported += len(rows)
                errors += [e.as_dict() for e in piece.errors]
                found += piece.found
                hint = hint or piece.source_hint
                search_date, query = search_date or piece.search_date, query or piece.query
                checkpoint(progress, done, opened.size, f"importing {label}")
        name = source or hint or Path(opened.path).stem
        src.name, src.found, src.imported, src.rejected, src.errors = name, found, imported, len(errors), errors
        src.search_date, src.query = search_date, query
        source_id = src.id
    checkpoint(progress, opened.size, opened.size, f"imported {label}")
    return FileImport(opened.path, opened.format, opened.encoding, name, stype, found, imported, len(errors),
                      tuple(errors), source_id)


def _server_ids(conn, n: int) -> list[int]:
    """``n`` new record ids from the server's sequence, which is safe under concurrent imports.

    (On SQLite the source row written first holds the write lock, so ids follow the largest.)
    """
    if n == 0:
        return []
    q = text("SELECT nextval(pg_get_serial_sequence('records', 'id')) FROM generate_series(1, :n)")
    return [row[0] for row in conn.execute(q, {"n": n})]


def _file_sha256(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        return ""
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_exists(store: Store, path: str | Path) -> bool:
    """Whether a file with the same content was imported before (the import dialog warns)."""
    digest = _file_sha256(str(path))
    with store.read() as s:
        return s.scalar(select(Source.id).where(Source.sha256 == digest)) is not None
