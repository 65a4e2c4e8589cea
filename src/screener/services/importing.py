"""Importing reference files: one source (import batch) per file, all-or-nothing per file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from screener.core.enums import SourceType
from screener.core.errors import UserError
from screener.core.progress import Progress, checkpoint
from screener.core.records import ParsedFile, RecordData
from screener.io import read_file
from screener.io.text import clean
from screener.services.dto import FileImport, ImportSummary
from screener.storage.models import Record, RecordSource, Source
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
    data = Path(pf.path).read_bytes() if Path(pf.path).is_file() else b""
    digest = hashlib.sha256(data).hexdigest()
    name = source or pf.source_hint or Path(pf.path).stem
    errors = [e.as_dict() for e in pf.errors]
    total = len(pf.records)
    with store.unit() as s:
        src = Source(file_name=Path(pf.path).name, sha256=digest, format=pf.format, encoding=pf.encoding,
                     name=name, source_type=stype, search_date=pf.search_date, query=pf.query, found=pf.found,
                     imported=total, rejected=len(pf.errors), errors=errors, imported_by=imported_by)
        s.add(src)
        s.flush()
        for start in range(0, total, _BATCH):
            checkpoint(progress, start, total, f"importing {Path(pf.path).name}")
            chunk = pf.records[start:start + _BATCH]
            ids = s.scalars(insert(Record).returning(Record.id, sort_by_parameter_order=True),
                            [record_row(r) for r in chunk]).all()
            s.execute(insert(RecordSource), [
                {"record_id": rid, "source_id": src.id, "position": start + i, "line": r.line}
                for i, (rid, r) in enumerate(zip(ids, chunk))
            ])
        checkpoint(progress, total, total, f"imported {Path(pf.path).name}")
        source_id = src.id
    return FileImport(pf.path, pf.format, pf.encoding, name, stype, pf.found, total, len(pf.errors),
                      tuple(errors), source_id)


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


def record_row(r: RecordData) -> dict[str, Any]:
    """Column values of a new record row (no id: the database assigns the stable id)."""
    # Readers clean their text already; this second pass guards the database (PostgreSQL refuses
    # NUL) against any reader or caller that did not.
    row = {k: _jsonable(v) for k, v in r.core_dict().items()}
    row["extra"] = _jsonable(dict(r.extra))
    return row


def source_exists(store: Store, path: str | Path) -> bool:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    with store.read() as s:
        return s.scalar(select(Source.id).where(Source.sha256 == digest)) is not None


def ensure_readable(paths: Sequence[str | Path]) -> None:
    for p in paths:
        if not Path(p).exists():
            raise UserError(f"{p}: no such file")
