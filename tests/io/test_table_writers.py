"""Table writers: formula neutralisation, explicit string cells, atomic replacement."""

from __future__ import annotations

import csv
import os
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.core.errors import UserError
from screener.core.records import CORE_FIELDS, RecordData
from screener.io import tabular
from screener.io.atomic import atomic_path, atomic_write_bytes, atomic_write_text
from screener.io.table_writers import neutralise, records_to_rows, write_table
from screener.io.text import clean

DANGEROUS = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=already", "''+twice"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_gets_one_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "'quoted", "a=b", "", "10-12"])
def test_harmless_text_is_unchanged(text):
    assert neutralise(text) == text


@given(st.text())
def test_reader_undoes_exactly_what_the_writer_did(text):
    value = clean(text).strip()  # a value as the reader produces it (the reader cleans first)
    assert tabular._value(neutralise(value), unquote=True) == value


def test_csv_cells_are_neutralised_numbers_are_not(tmp_path):
    path = tmp_path / "t.csv"
    n = write_table(path, ["=title", "n", "list"], [["=cmd|' /C calc'!A0", -5, ["-a", "b"]], [None, 1.5, []]])
    assert n == 2
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without BOM
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows == [["'=title", "n", "list"], ["'=cmd|' /C calc'!A0", "-5", "'-a; b"], ["", "1.5", ""]]


def test_tsv_by_suffix(tmp_path):
    path = tmp_path / "t.tsv"
    write_table(path, ["a", "b"], [["x, y", "@z"]])
    assert path.read_bytes() == "a\tb\r\nx, y\t'@z\r\n".encode()


def test_xlsx_writes_formula_text_as_string_cells(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    write_table(path, ["title", "year"], [["=HYPERLINK(\"http://evil\")", 2020], ["+1", None]])
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    ws = load_workbook(path).active
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=HYPERLINK(\"http://evil\")"
    assert ws["B2"].data_type == "n" and ws["B2"].value == 2020
    assert ws["A3"].value == "+1"


def test_xlsx_drops_characters_xml_cannot_hold(tmp_path):
    path = tmp_path / "t.xlsx"
    write_table(path, ["title"], [["bad\uffffchar\x01"]])
    assert tabular.parse_bytes(path.read_bytes(), str(path)).records[0].title == "badchar"


def test_unknown_suffix_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="use .csv, .tsv or .xlsx"):
        write_table(tmp_path / "t.pdf", ["a"], [])
    assert not list(tmp_path.iterdir())


def test_records_to_rows_columns_and_lists():
    recs = [RecordData(title="A", authors=("X, Y", "Z"), extra={"note": "n", "tags": ["a", "b"]}),
            RecordData(title="B", year=2001, extra={"other": "o"})]
    columns, rows = records_to_rows(recs)
    assert columns == list(CORE_FIELDS) + ["note", "tags", "other"]
    assert rows[0][:4] == ["A", "", "X, Y; Z", ""]
    assert rows[0][-3:] == ["n", "a; b", ""]
    assert rows[1][3] == 2001


# --- atomic writes ---------------------------------------------------------------------------

def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "out.txt"
    atomic_write_text(path, "one\r\ntwo\n")
    assert path.read_bytes() == b"one\r\ntwo\n"
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old", encoding="utf-8")

    def rows():
        yield ["fine"]
        raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        write_table(path, ["title"], rows())
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_temp_file_is_beside_the_target(tmp_path):
    with atomic_path(tmp_path / "x.bin") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".x.bin.")
        tmp.write_bytes(b"1")
    assert (tmp_path / "x.bin").read_bytes() == b"1"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_existing_permissions_are_kept_and_new_files_follow_umask(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("x")
    path.chmod(0o640)
    atomic_write_text(path, "y")
    assert path.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.txt"
    atomic_write_text(fresh, "z")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


def test_xlsx_has_frozen_bold_header_and_filter(tmp_path):
    import openpyxl

    from screener.io.table_writers import write_table

    out = tmp_path / "t.xlsx"
    write_table(out, ["record_id", "title", "year"], [[1, "=HYPERLINK(1)", 2020], [2, "b", 2021]])
    ws = openpyxl.load_workbook(out).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C3" and ws["A1"].font.b
    assert ws["B2"].data_type == "s" and ws["C2"].value == 2020 and ws["A3"].value == 2
