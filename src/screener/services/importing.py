"""Importing reference files: one source (import batch) per file, all-or-nothing per file."""

from __future__ import annotations

import hashlib
import orjson
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from screener.core.enums import SourceType
from screener.core.progress import Progress, checkpoint
from screener.core.records import ParsedFile, RecordData
from screener.io import read_file
from screener.io.text import clean, has_control
from screener.services.dto import FileImport, ImportSummary
from screener.storage.models import Record, Source, utcnow
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
    if results and _auto_dedup(store):
        from screener.services.dedup import find_candidates

        find_candidates(store, auto=True, by=imported_by, progress=progress)
    return ImportSummary(tuple(results))


def _auto_dedup(store: Store) -> bool:
    from screener.storage.models import ProjectInfo

    with store.read() as s:
        info = s.get(ProjectInfo, 1)
        return bool(info and info.auto_dedup)


_RECORD_COLUMNS = ("id", "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi",
                   "pmid", "arxiv_id", "url", "keywords", "pub_type", "language", "extra", "created_at")


def import_parsed(store: Store, pf: ParsedFile, source: str | None = None, source_type: str = "database",
                  imported_by: str = "", progress: Progress | None = None) -> FileImport:
    """Write one parsed file as a source with its records, in one transaction."""
    stype = SourceType.parse(source_type).value
    digest = pf.sha256 or _file_sha256(pf.path)
    name = source or pf.source_hint or Path(pf.path).stem
    errors = [e.as_dict() for e in pf.errors]
    total = len(pf.records)
    with store.unit() as s:
        src = Source(file_name=Path(pf.path).name, sha256=digest, format=pf.format, encoding=pf.encoding,
                     name=name, source_type=stype, search_date=pf.search_date, query=pf.query, found=pf.found,
                     imported=total, rejected=len(pf.errors), errors=errors, imported_by=imported_by)
        s.add(src)
        s.flush()
        conn = s.connection()
        ids = _reserve_ids(conn, total)
        insert_records, insert_origins = _bulk_statements(conn.dialect.paramstyle)
        now = utcnow()
        stamp = now if conn.dialect.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
        # Driver-level executemany with ids assigned here and JSON encoded once: the ORM's
        # per-row bookkeeping would dominate a 100k-record import otherwise.
        dumps = _dumps
        for start in range(0, total, _BATCH):
            checkpoint(progress, start, total, f"importing {Path(pf.path).name}")
            chunk = pf.records[start:start + _BATCH]
            rows = []
            for i, r in enumerate(chunk):
                row = record_row(r)
                rows.append((ids[start + i], row["title"], row["abstract"], dumps(row["authors"]), row["year"],
                             row["journal"], row["volume"], row["issue"], row["pages"], row["doi"], row["pmid"],
                             row["arxiv_id"], row["url"], dumps(row["keywords"]), row["pub_type"],
                             row["language"], dumps(row["extra"]), stamp))
            conn.exec_driver_sql(insert_records, rows)
            conn.exec_driver_sql(insert_origins, [(ids[start + i], src.id, start + i, r.line)
                                                  for i, r in enumerate(chunk)])
        checkpoint(progress, total, total, f"imported {Path(pf.path).name}")
        source_id = src.id
    return FileImport(pf.path, pf.format, pf.encoding, name, stype, pf.found, total, len(pf.errors),
                      tuple(errors), source_id)


def _dumps(value: Any) -> str:
    # orjson writes the same JSON as the json module, about ten times faster.
    return orjson.dumps(value).decode("utf-8")


def _bulk_statements(paramstyle: str) -> tuple[str, str]:
    mark = "?" if paramstyle == "qmark" else "%s"

    def stmt(table: str, columns: Sequence[str]) -> str:
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"

    return (stmt("records", _RECORD_COLUMNS),
            stmt("record_sources", ("record_id", "source_id", "position", "line")))


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


_TEXT_FIELDS = ("title", "abstract", "journal", "volume", "issue", "pages", "doi", "pmid", "arxiv_id", "url",
                "pub_type", "language")


def record_row(r: RecordData) -> dict[str, Any]:
    """Column values of a new record row (``id`` and ``created_at`` are added by the caller).

    Readers clean their text already; this second look guards the database (PostgreSQL refuses
    NUL) against any reader or caller that did not. It looks at all of a record's text at once
    (``isprintable`` first, which is nearly free) and cleans field by field only when something
    is there, because it runs once per imported record.
    """
    row: dict[str, Any] = {"title": r.title, "abstract": r.abstract, "authors": list(r.authors), "year": r.year,
                           "journal": r.journal, "volume": r.volume, "issue": r.issue, "pages": r.pages,
                           "doi": r.doi, "pmid": r.pmid, "arxiv_id": r.arxiv_id, "url": r.url,
                           "keywords": list(r.keywords), "pub_type": r.pub_type, "language": r.language}
    extra = {str(k): (list(v) if isinstance(v, tuple) else v) for k, v in r.extra.items()}
    row["extra"] = extra
    parts = [row[f] for f in _TEXT_FIELDS]
    parts += row["authors"]
    parts += row["keywords"]
    simple = True
    for v in extra.values():
        if type(v) is str:
            parts.append(v)
        elif type(v) is list and all(type(x) is str for x in v):
            parts.extend(v)
        else:
            simple = False
    try:
        text = " ".join(parts)
    except TypeError:  # a caller put a non-string in a text field
        text, simple = "", False
    if not simple or (not text.isprintable() and has_control(text)):
        for f in _TEXT_FIELDS:
            row[f] = clean(row[f]) if isinstance(row[f], str) else ("" if row[f] is None else str(row[f]))
        row["authors"], row["keywords"] = _clean_list(row["authors"]), _clean_list(row["keywords"])
        row["extra"] = _jsonable(extra)
    return row


def source_exists(store: Store, path: str | Path) -> bool:
    """Whether a file with the same content was imported before (the import dialog warns)."""
    digest = _file_sha256(str(path))
    with store.read() as s:
        return s.scalar(select(Source.id).where(Source.sha256 == digest)) is not None
