"""Importing reference files: one source (import batch) per file, all-or-nothing per file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from screener.core.enums import SourceType
from screener.core.errors import UserError
from screener.core.progress import Progress, checkpoint
from screener.core.records import ParsedFile, RecordData
from screener.io import read_file
from screener.io.text import clean
from screener.services.dto import FileImport, ImportSummary
from screener.storage.models import Record, RecordSource, Source, utcnow
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

    Every file is parsed before anything is written, so a file that cannot be read at all stops
    the whole command with the project untouched. Each file is then written in its own
    transaction: a failure or a cancel leaves no part of that file in the project.
    """
    stype = SourceType.parse(source_type).value
    parsed = [read_file(p, format=format, encoding=encoding, progress=progress) for p in paths]
    results = [import_parsed(store, pf, source=source, source_type=stype, imported_by=imported_by,
                             progress=progress) for pf in parsed]
    return ImportSummary(tuple(results))


def import_parsed(store: Store, pf: ParsedFile, source: str | None = None, source_type: str = "database",
                  imported_by: str = "", progress: Progress | None = None) -> FileImport:
    """Write one parsed file as a source with its records, in one transaction."""
    stype = SourceType.parse(source_type).value
    digest = pf.sha256 or _file_sha256(pf.path)
    name = source or pf.source_hint or Path(pf.path).stem
    errors = [e.as_dict() for e in pf.errors]
    total = len(pf.records)
    records_t, origins_t = Record.__table__, RecordSource.__table__
    now = utcnow()
    with store.unit() as s:
        src = Source(file_name=Path(pf.path).name, sha256=digest, format=pf.format, encoding=pf.encoding,
                     name=name, source_type=stype, search_date=pf.search_date, query=pf.query, found=pf.found,
                     imported=total, rejected=len(pf.errors), errors=errors, imported_by=imported_by)
        s.add(src)
        s.flush()
        conn = s.connection()
        ids = _reserve_ids(conn, total)
        # Core executemany with ids assigned here: several times faster than ORM inserts that
        # return each new id, which matters for 100k-record exports.
        for start in range(0, total, _BATCH):
            checkpoint(progress, start, total, f"importing {Path(pf.path).name}")
            chunk = pf.records[start:start + _BATCH]
            rows = []
            for i, r in enumerate(chunk):
                row = record_row(r)
                row["id"], row["created_at"] = ids[start + i], now
                rows.append(row)
            conn.execute(records_t.insert(), rows)
            conn.execute(origins_t.insert(), [
                {"record_id": ids[start + i], "source_id": src.id, "position": start + i, "line": r.line}
                for i, r in enumerate(chunk)
            ])
        checkpoint(progress, total, total, f"imported {Path(pf.path).name}")
        source_id = src.id
    return FileImport(pf.path, pf.format, pf.encoding, name, stype, pf.found, total, len(pf.errors),
                      tuple(errors), source_id)


def _reserve_ids(conn, n: int) -> list[int]:
    """``n`` new record ids, taken inside the import's transaction.

    On SQLite the source row was just written, so this transaction holds the database's write
    lock and no one else can take the same ids. On PostgreSQL the ids come from the table's
    sequence, which is safe under concurrent imports.
    """
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        q = text("SELECT nextval(pg_get_serial_sequence('records', 'id')) FROM generate_series(1, :n)")
        return [row[0] for row in conn.execute(q, {"n": n})]
    first = (conn.execute(select(func.max(Record.id))).scalar() or 0) + 1
    return list(range(first, first + n))


def _file_sha256(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        return ""
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


def record_row(r: RecordData) -> dict[str, Any]:
    """Column values of a new record row.

    Readers clean their text already; this second pass guards the database (PostgreSQL refuses
    NUL) against any reader or caller that did not. It is written out field by field because
    it runs once per imported record.
    """
    extra = {}
    for k, v in r.extra.items():
        extra[str(k)] = clean(v) if type(v) is str else (_clean_list(v) if isinstance(v, (list, tuple)) else _jsonable(v))
    return {"title": clean(r.title), "abstract": clean(r.abstract), "authors": _clean_list(r.authors),
            "year": r.year, "journal": clean(r.journal), "volume": clean(r.volume), "issue": clean(r.issue),
            "pages": clean(r.pages), "doi": clean(r.doi), "pmid": clean(r.pmid), "arxiv_id": clean(r.arxiv_id),
            "url": clean(r.url), "keywords": _clean_list(r.keywords), "pub_type": clean(r.pub_type),
            "language": clean(r.language), "extra": extra, "duplicate_of": None, "dup_group_id": None}


def source_exists(store: Store, path: str | Path) -> bool:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    with store.read() as s:
        return s.scalar(select(Source.id).where(Source.sha256 == digest)) is not None


def ensure_readable(paths: Sequence[str | Path]) -> None:
    for p in paths:
        if not Path(p).exists():
            raise UserError(f"{p}: no such file")
