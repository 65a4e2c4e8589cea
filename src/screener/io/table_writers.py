"""Write tables (CSV, TSV, XLSX) that are safe to open in a spreadsheet and read back exactly.

**Formula injection.** A cell that starts with ``= + - @``, tab or CR can be run as a formula
by Excel or LibreOffice (and a leading line break hides what follows in a cell's first line). In
CSV/TSV such text cells get one leading ``'`` (the OWASP advice);
so that :mod:`screener.io.tabular` can take exactly that quote off again, a text that already
starts with quotes before one of those characters (``'=x``) gets one more. In XLSX the cell is
written as an explicit string cell, which no spreadsheet evaluates, and is not altered.
Numbers are written as numbers: ``-5`` is no formula.

**Encoding.** CSV/TSV are UTF-8 *without* a byte-order mark. A BOM helps only old Excel on
Windows guess the encoding (and XLSX is the better format for Excel users); it breaks the first
column name in many other tools (R's read.csv, awk, cut, diff, older pandas). Our reader accepts
files with or without it.

Files are written atomically (:mod:`screener.io.atomic`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from screener.core.errors import UserError
from screener.core.records import CORE_FIELDS, RecordData
from screener.io.atomic import atomic_path
from screener.io.columns import join_list, extra_header
from screener.io.text import clean

_FORMULA_START = re.compile(r"'*[=+\-@\t\r\n]")
# Characters XML 1.0 cannot hold at all; an .xlsx containing one would not open.
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")
_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".xlsx": None}


def neutralise(text: str) -> str:
    """``text`` made safe for a CSV/TSV cell: one ``'`` before a formula-like start."""
    return "'" + text if _FORMULA_START.match(text) else text


def cell_text(value: object) -> str:
    """A value as cell text: None as empty, lists joined with "; ", control characters removed."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return clean(str(value))


def write_table(path: str | Path, columns: list[str], rows: Iterable[Sequence[object]]) -> int:
    """Write ``columns`` and ``rows`` to ``path`` as CSV, TSV or XLSX by its suffix.

    Returns the number of data rows written. The file is replaced atomically.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in _SUFFIXES:
        raise UserError(f"{target}: cannot write a {suffix or 'suffix-less'} table; use .csv, .tsv or .xlsx")
    if suffix == ".xlsx":
        return _write_xlsx(target, columns, rows)
    return _write_delimited(target, columns, rows, _SUFFIXES[suffix] or ",")


def _delimited_cell(value: object) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return neutralise(cell_text(value))


def _write_delimited(target: Path, columns: list[str], rows: Iterable[Sequence[object]], delimiter: str) -> int:
    count = 0
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")  # RFC 4180 line ends
        writer.writerow([_delimited_cell(c) for c in columns])
        for row in rows:
            writer.writerow([_delimited_cell(v) for v in row])
            count += 1
    return count


def _write_xlsx(target: Path, columns: list[str], rows: Iterable[Sequence[object]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("records")

    def cell(value: object) -> WriteOnlyCell | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return WriteOnlyCell(ws, value=value)
        text = _NOT_XML.sub("", cell_text(value))
        if not text:
            return None  # no cell at all: smaller and faster than an empty string cell
        c = WriteOnlyCell(ws, value=text)
        c.data_type = "s"  # openpyxl makes "=..." a formula; force plain text
        return c

    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # A frozen, bold header row with an auto-filter: what reviewers expect of a review table.
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        c = cell(name) or WriteOnlyCell(ws, value="")
        c.font = bold
        header.append(c)
    count = 0
    ws.append(header)
    for row in rows:
        ws.append([cell(v) for v in row])
        count += 1
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return count


def records_to_rows(records: Iterable[RecordData]) -> tuple[list[str], list[list[object]]]:
    """Columns and rows for ``records``: the core fields, then every ``extra`` key in the order
    first seen. List fields are joined so that :mod:`screener.io.tabular` splits them back."""
    records = list(records)
    extra_keys: dict[str, None] = {}
    for rec in records:
        for key in rec.extra:
            if key not in CORE_FIELDS:
                extra_keys.setdefault(key, None)
    columns = list(CORE_FIELDS) + [extra_header(k) for k in extra_keys]
    rows: list[list[object]] = []
    for rec in records:
        core = rec.core_dict()
        row: list[object] = []
        for name in CORE_FIELDS:
            value = core[name]
            if name in ("authors", "keywords"):
                row.append(join_list(value, name))
            else:
                row.append("" if value is None else value)
        for key in extra_keys:
            value = rec.extra.get(key, "")
            row.append(join_list(value) if isinstance(value, (list, tuple)) else value)
        rows.append(row)
    return columns, rows
