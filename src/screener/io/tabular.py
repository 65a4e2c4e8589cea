"""CSV, TSV and XLSX reference tables: one row per record, one header row naming the columns.

Column names are mapped onto record fields by :mod:`screener.io.columns`; columns without a
field of their own are kept in ``extra`` under their header, so nothing is lost on the way in.

Cells that our table writer neutralised against spreadsheet formula injection (a leading ``'``
before ``= + - @``, tab or CR, see :mod:`screener.io.table_writers`) get that one quote removed
when a CSV/TSV is read, so an export imports back to the same values.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import warnings
from collections.abc import Iterable, Iterator

from screener.core.errors import FileFormatError
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.io import columns as cols
from screener.io.normalize import normalize_arxiv, normalize_doi, normalize_pmid, parse_year
from screener.io.text import clean, squash

# The csv module refuses fields over 128 KiB by default; reference-list cells (Scopus
# "References") can be longer. Raised once, process-wide: the limit only guards memory.
csv.field_size_limit(64 * 1024 * 1024)

_EXCEL_SEP = re.compile(r"sep=([,;\t|])[ \t]*(\r?\n)")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r\n]")

Row = tuple[int, list[str]]  # (1-based line or row number where the row starts, cells)


def parse(text: str, path: str, fmt: str) -> ParsedFile:
    """Parse CSV (``fmt="csv"``, delimiter sniffed from the header) or TSV (``fmt="tsv"``)."""
    text = clean(text).lstrip("\ufeff")  # once for the whole text, not per cell
    m = _EXCEL_SEP.match(text)
    if m:  # Excel's "sep=;" first line names the delimiter; blank it to keep line numbers
        delimiter = m.group(1)
        text = text[m.end() - len(m.group(2)):]
    else:
        delimiter = "\t" if fmt == "tsv" else sniff_delimiter(text)
    rows = _csv_rows(text, path, delimiter)
    return records_from_rows(rows, path, fmt, unquote=True)


def parse_bytes(data: bytes, path: str) -> ParsedFile:
    """Parse an Excel workbook: the first sheet that has any data, row numbers as lines."""
    import openpyxl

    from screener.io.xlsx_safety import check_xlsx

    check_xlsx(data, path)
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it does not read; none of them hold data.
        warnings.simplefilter("ignore", UserWarning)
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for ws in wb.worksheets:
                    rows = _sheet_rows(ws, path)
                    if rows:
                        return records_from_rows(rows, path, "xlsx", unquote=False, encoding="xlsx")
            finally:
                wb.close()
        except FileFormatError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for damaged workbooks
            raise FileFormatError(path, f"cannot read this Excel workbook ({exc.__class__.__name__}: {exc})") from None
    raise FileFormatError(path, "the workbook has no sheet with data")


#: More columns than any database export has; a row wider than this is refused, not padded.
MAX_XLSX_COLUMNS = 2000


def _sheet_rows(ws, path: str) -> list[Row]:
    """The non-empty rows of a read-only sheet with their row numbers.

    The sheet's stated dimensions are ignored: a stated (or a stray cell at) column XFD would
    make openpyxl pad every row to 16,384 cells.
    """
    ws.reset_dimensions()
    rows: list[Row] = []
    for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if len(values) > MAX_XLSX_COLUMNS:
            raise FileFormatError(path, f"row {n} of sheet {ws.title!r} has more than {MAX_XLSX_COLUMNS} columns; "
                                        "this is not a reference table", line=n)
        cells = [_cell_text(v) for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append((n, cells))
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV: the candidate that splits the header line into the most cells.

    (:mod:`screener.io.detect` has already checked that the rows agree with the header.)
    """
    head = text[:65536]
    lines = head.splitlines()
    header = next((ln for ln in lines if ln.strip()), "")
    best, best_n = ",", 1
    for delim in (",", ";", "\t", "|"):
        if delim not in header:
            continue
        n = len(next(csv.reader([header], delimiter=delim, skipinitialspace=True)))
        if n > best_n:
            best, best_n = delim, n
    return best


def _csv_rows(text: str, path: str, delimiter: str) -> list[Row]:
    """Rows with the line each starts on. Quoted cells may span lines."""
    try:
        return list(_read_csv(text, delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            line = _unclosed_quote_line(text, delimiter)
            raise FileFormatError(path, 'a quoted cell is never closed (a stray " character?)', line=line) from None
    # Other strict-mode complaints (text after a closing quote, as in `"A" and B`) are common
    # in hand-made files and harmless: read them the lenient way, as spreadsheets do.
    return list(_read_csv(text, delimiter, strict=False))


def _read_csv(text: str, delimiter: str, strict: bool) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        skipinitialspace=True, strict=strict)
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _unclosed_quote_line(text: str, delimiter: str) -> int | None:
    last = None
    for start, _ in _read_csv(text, delimiter, strict=False):
        last = start
    return last


def records_from_rows(rows: Iterable[Row], path: str, fmt: str, unquote: bool,
                      encoding: str = "utf-8") -> ParsedFile:
    """Records from the rows of a table whose first non-empty row is the header.

    An entirely empty row is no record and is not counted; a row without a title, abstract or
    identifier is rejected with its line. ``unquote`` undoes our CSV formula neutralisation.
    """
    rows = list(rows)
    header_at = next((i for i, (_, cells) in enumerate(rows) if any(c.strip() for c in cells)), None)
    if header_at is None:
        raise FileFormatError(path, "the table is empty")
    header = _unique_headers(rows[header_at][1])
    body = [(line, [_value(c, unquote) for c in cells]) for line, cells in rows[header_at + 1:]]
    body = [(line, cells) for line, cells in body if any(cells)]
    cmap = cols.map_columns(header)
    if not cmap.looks_like_references:
        shown = ", ".join(h for h in header if h)[:300]
        raise FileFormatError(
            path,
            f"no column holds a title, abstract or identifier, so these are not references (columns: {shown})",
            line=rows[header_at][0],
        )
    modes = {name: cols.list_mode([_at(cells, cmap.fields[name]) for _, cells in body], name)
             for name in ("authors", "keywords") if name in cmap.fields}
    records: list[RecordData] = []
    errors: list[RecordError] = []
    for line, cells in body:
        rec = _record(header, cells, cmap, modes, line)
        if rec.title or rec.abstract or rec.doi or rec.pmid or rec.arxiv_id or rec.url:
            records.append(rec)
        else:
            errors.append(RecordError(line=line, reason="record has no title"))
    return ParsedFile(path=path, format=fmt, encoding=encoding, records=tuple(records),
                      errors=tuple(errors), source_hint=cols.guess_source(header))


def _unique_headers(cells: list[str]) -> list[str]:
    """Header names, stripped; blank ones named by position and repeats numbered.

    Inner spaces stay as they are: the header names an extra field, which must come back
    under the same name (matching against known column names ignores spacing anyway).
    """
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(cells):
        name = clean(raw.lstrip("\ufeff")).strip() or f"column {i + 1}"
        base, n = name, 2
        while name in seen:
            name = f"{base} ({n})"
            n += 1
        seen.add(name)
        out.append(name)
    return out


def _value(cell: str, unquote: bool) -> str:
    value = cell.strip()
    if unquote and value[:1] == "'" and _NEUTRALISED.match(value):
        value = value[1:]
    return value


def _at(cells: list[str], idx: int | None) -> str:
    return cells[idx] if idx is not None and idx < len(cells) else ""


def _record(header: list[str], cells: list[str], cmap: cols.ColumnMap, modes: dict[str, str],
            line: int) -> RecordData:
    values: dict[str, object] = {}
    extra: dict[str, object] = {}
    for name, idx in cmap.fields.items():
        raw = _at(cells, idx)
        if not raw:
            continue
        if name in ("authors", "keywords"):
            values[name] = tuple(cols.split_cell(raw, modes[name]))
        elif name == "abstract":
            values[name] = raw.replace("\r\n", "\n").replace("\r", "\n")
        elif name in ("year", "doi", "pmid", "arxiv_id"):
            parsed = _IDS[name](raw)
            if parsed:
                values[name] = parsed
            else:  # not a year/identifier after all: keep what the file said
                extra[header[idx]] = raw
        else:
            values[name] = squash(raw)
    start, end = squash(_at(cells, cmap.start_page)), squash(_at(cells, cmap.end_page))
    if start or end:
        values["pages"] = f"{start}-{end}" if start and end and start != end else (start or end)
    for idx in cmap.extra:
        raw = _at(cells, idx)
        if raw:
            extra[cols.extra_name(header[idx])] = raw
    for idx in range(len(header), len(cells)):  # cells beyond the header: keep, named by position
        if cells[idx]:
            extra[f"column {idx + 1}"] = cells[idx]
    return RecordData(extra=extra, line=line, **values)  # type: ignore[arg-type]


_IDS = {"year": parse_year, "doi": normalize_doi, "pmid": normalize_pmid, "arxiv_id": normalize_arxiv}
