"""Bulk decisions from a CSV file (the form `export --table decisions` writes)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from screener.core.enums import Stage
from screener.core.errors import FileFormatError, UserError
from screener.core.progress import Progress, checkpoint
from screener.io.normalize import normalize_doi
from screener.io.text import decode_bytes
from screener.services.screening import set_decision
from screener.storage.models import Record
from screener.storage.session import Store

REQUIRED = ("reviewer", "label")


def split_list(value: str | None) -> list[str]:
    """The items of a ``reasons`` or ``tags`` cell (separated by ``;``)."""
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def import_decisions(store: Store, path: str | Path, progress: Progress | None = None) -> dict[str, Any]:
    """Import every row or none: the first bad row stops the import with its line number.

    A row names its record by ``record_id`` or by ``doi``; reasons and tags that the project does
    not have yet are added and listed in the result.
    """
    path = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise FileFormatError(path, "no such file") from None
    text, _ = decode_bytes(data, path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = headers
    missing = [c for c in REQUIRED if c not in headers]
    if missing or not ({"record_id", "doi"} & set(headers)):
        need = ", ".join(missing + ([] if {"record_id", "doi"} & set(headers) else ["record_id or doi"]))
        raise FileFormatError(path, f"missing column(s): {need}", line=1)
    created: list[str] = []
    count = 0
    with store.unit() as s:
        doi_index: dict[str, int] | None = None
        for row in reader:
            line = reader.line_num
            values = {k: (v or "").strip() for k, v in row.items() if k}
            if not any(values.values()):
                continue
            try:
                if values.get("record_id"):
                    try:
                        record_id = int(values["record_id"])
                    except ValueError:
                        raise UserError(f"record_id {values['record_id']!r} is not a number") from None
                else:
                    if doi_index is None:
                        doi_index = _doi_index(s)
                    doi = normalize_doi(values.get("doi", ""))
                    if not doi or doi not in doi_index:
                        raise UserError(f"no record with DOI {values.get('doi')!r}")
                    record_id = doi_index[doi]
                stage = Stage.parse(values.get("stage") or "title_abstract").value
                set_decision(s, record_id, values["reviewer"], stage, values["label"], split_list(values.get("reasons")),
                             split_list(values.get("tags")), values.get("note", ""), origin="import",
                             create_missing=True, created=created)
            except UserError as exc:
                raise FileFormatError(path, str(exc), line=line) from None
            count += 1
            if count % 500 == 0:
                checkpoint(progress, count, 0, "importing decisions")
    reasons = [c for c in created if ":" in c and c.split(":", 1)[0] in ("title_abstract", "full_text")]
    tags = [c for c in created if c not in reasons]
    return {"path": path, "imported": count, "created_reasons": reasons, "created_tags": tags}


def _doi_index(session) -> dict[str, int]:
    out: dict[str, int] = {}
    q = select(Record.id, Record.doi).where(Record.duplicate_of.is_(None), func.length(Record.doi) > 0)
    for rid, doi in session.execute(q.order_by(Record.id)):
        out.setdefault(normalize_doi(doi), rid)
    return out
