"""CSV/TSV/XLSX reference tables: column mapping, row rules, and import -> export -> import."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.core.records import RecordData
from screener.io import tabular
from screener.io.columns import join_list, list_mode, map_columns, split_cell
from screener.io.normalize import normalize_doi
from screener.io.reader import read_bytes, read_file
from screener.io.table_writers import records_to_rows, write_table
from screener.io.text import squash


def parse_csv(text: str, fmt: str = "csv"):
    return tabular.parse(text, "t.csv", fmt)


# --- column mapping -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "headers, expected",
    [
        (["Authors", "Title", "Year", "Source title", "DOI", "Abstract", "Author Keywords", "PubMed ID"],
         {"authors": 0, "title": 1, "year": 2, "journal": 3, "doi": 4, "abstract": 5, "keywords": 6, "pmid": 7}),
        (["PT", "AU", "TI", "SO", "PY", "AB", "DI", "DE", "VL", "IS", "BP", "EP", "UT", "SP"],
         {"pub_type": 0, "authors": 1, "title": 2, "journal": 3, "year": 4, "abstract": 5, "doi": 6,
          "keywords": 7, "volume": 8, "issue": 9}),
        (["Document Title", "Authors", "Publication Title", "Publication Year", "PDF Link", "IEEE Terms"],
         {"title": 0, "authors": 1, "journal": 2, "year": 3, "url": 4}),
        (["id", "display_name", "authorships.author.display_name", "publication_year", "doi", "ids.pmid"],
         {"title": 1, "authors": 2, "year": 3, "doi": 4, "pmid": 5}),
        (["record_id", "title", "abstract", "label_included"], {"title": 1, "abstract": 2}),
        (["Key", "Item Type", "Publication Year", "Author", "Title", "Abstract Note", "Manual Tags"],
         {"pub_type": 1, "year": 2, "authors": 3, "title": 4, "abstract": 5, "keywords": 6}),
        (["  TITLE ", "Abstract_", "publication_year"], {"title": 0, "abstract": 1, "year": 2}),
    ],
    ids=["scopus", "wos-tab", "ieee", "openalex", "asreview", "zotero", "case-and-space"],
)
def test_known_export_columns_map_to_fields(headers, expected):
    cmap = map_columns(headers)
    assert cmap.fields == expected


def test_wos_start_page_is_not_the_conference_sponsor():
    cmap = map_columns(["PT", "TI", "SP", "BP", "EP", "UT"])
    assert cmap.start_page == 3 and cmap.end_page == 4
    assert 2 in cmap.extra  # SP = sponsor in WoS
    ris = map_columns(["TY", "TI", "SP", "EP"])
    assert ris.start_page == 2 and ris.end_page == 3


def test_first_alias_wins_and_second_stays_extra():
    rec = parse_csv("title,Document Title,abstract\nA,B,C\n").records[0]
    assert rec.title == "A"
    assert rec.extra == {"Document Title": "B"}


@pytest.mark.parametrize(
    "cells, field, expected",
    [
        (["Liu R., Adler D.G.", "Eloubeidi M.A., Cohn M."], "authors", [["Liu R.", "Adler D.G."], ["Eloubeidi M.A.", "Cohn M."]]),
        (["Smith, John", "Doe, Jane"], "authors", [["Smith, John"], ["Doe, Jane"]]),
        (["Smith, John", "Doe, J; Roe, R"], "authors", [["Smith, John"], ["Doe, J", "Roe, R"]]),
        (["Massimo Aria|Corrado Cuccurullo"], "authors", [["Massimo Aria", "Corrado Cuccurullo"]]),
        (["Grames, Eliza M and Stillman, Andrew N"], "authors", [["Grames, Eliza M", "Stillman, Andrew N"]]),
        (["['Marx, Karl', 'Lindgren, Astrid']"], "authors", [["Marx, Karl", "Lindgren, Astrid"]]),
        (["van Es, P N"], "authors", [["van Es, P N"]]),
        (["cyst (diagnosis, surgery), colonoscopy"], "keywords", [["cyst (diagnosis, surgery)", "colonoscopy"]]),
    ],
)
def test_list_cells_split_per_column(cells, field, expected):
    mode = list_mode(cells, field)
    assert [split_cell(c, mode) for c in cells] == expected


# --- rows ---------------------------------------------------------------------------------

def test_line_numbers_follow_multiline_cells_and_blank_rows_do_not_count():
    text = 'title,abstract\n"One","two\nlines"\n,\n\n"Three",x\n'
    parsed = parse_csv(text)
    assert [r.title for r in parsed.records] == ["One", "Three"]
    assert [r.line for r in parsed.records] == [2, 6]
    assert parsed.records[0].abstract == "two\nlines"
    assert parsed.found == 2


def test_row_without_title_abstract_or_id_is_rejected_with_its_line():
    parsed = parse_csv("title,abstract,doi,note\nA,,,\n,,,only a note\n,,10.1000/x,\n,abstract only,,\n")
    assert [e.as_dict() for e in parsed.errors] == [{"line": 3, "reason": "record has no title"}]
    assert len(parsed.records) == 3 and parsed.found == 4


def test_unknown_columns_are_kept_under_their_header():
    rec = parse_csv("Title,My Notes,label_included\nA,hello,1\n").records[0]
    assert rec.extra == {"My Notes": "hello", "label_included": "1"}


def test_values_that_are_no_identifier_stay_in_extra():
    rec = parse_csv("title,doi,year,pmid\nA,doi1,n.d.,NA\n").records[0]
    assert (rec.doi, rec.year, rec.pmid) == ("", None, "")
    assert rec.extra == {"doi": "doi1", "year": "n.d.", "pmid": "NA"}


def test_start_and_end_pages_join():
    rec = parse_csv("Title,Page start,Page end\nA,12,19\n").records[0]
    assert rec.pages == "12-19"


def test_semicolon_and_excel_sep_line():
    assert parse_csv("title;abstract\nA;B\n").records[0].abstract == "B"
    parsed = parse_csv("sep=|\ntitle|abstract\nA|B\n")
    assert parsed.records[0].abstract == "B" and parsed.records[0].line == 3


def test_tsv_keeps_commas_inside_cells():
    rec = parse_csv("title\tauthors\nA, b\tSmith, J; Doe, K\n", "tsv").records[0]
    assert rec.title == "A, b" and rec.authors == ("Smith, J", "Doe, K")


def test_extra_cells_beyond_the_header_are_kept():
    rec = parse_csv("title,abstract\nA,B,surplus\n").records[0]
    assert rec.extra == {"column 3": "surplus"}


def test_blank_and_repeated_headers_get_names():
    rec = parse_csv("title,,note,note\nA,x,y,z\n").records[0]
    assert rec.extra == {"column 2": "x", "note": "y", "note (2)": "z"}


def test_unclosed_quote_is_a_file_error_with_the_line():
    with pytest.raises(FileFormatError) as exc:
        parse_csv('title,abstract\nA,B\n"C,never closed\nD,E\n')
    assert exc.value.line == 3 and "never closed" in exc.value.reason


def test_text_after_a_closing_quote_is_read_leniently():
    parsed = parse_csv('title,abstract\n"A" and B,x\n')
    assert parsed.records[0].title == "A and B"


def test_a_table_that_is_not_references_is_refused_naming_the_file():
    with pytest.raises(FileFormatError) as exc:
        read_bytes(b"name,price\nbread,2\n", "shop.csv", format="csv")
    assert exc.value.path == "shop.csv" and "name, price" in exc.value.reason


def test_a_header_only_table_has_no_records():
    assert parse_csv("title,abstract\n").found == 0


def test_neutralised_cells_lose_exactly_one_quote():
    parsed = parse_csv("title,abstract\n'=A,'-based\n''=B,'plain\n")
    assert [r.title for r in parsed.records] == ["=A", "'=B"]
    assert [r.abstract for r in parsed.records] == ["-based", "'plain"]


def test_source_hint_from_headers():
    assert parse_csv("Title,EID,Source title\nA,2-s2.0-1,J\n").source_hint == "Scopus"


# --- xlsx ------------------------------------------------------------------------------------

def _xlsx(tmp_path: Path, rows: list[list[object]], sheets: int = 1) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    if sheets > 1:
        first.title = "empty"
        ws = wb.create_sheet("data")
    else:
        ws = first
    for row in rows:
        ws.append(row)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return path.read_bytes()


def test_xlsx_first_sheet_with_data_and_row_numbers(tmp_path):
    data = _xlsx(tmp_path, [[], ["title", "year", "record_id"], ["A", 2019, 7], [], ["'=B", 2020.0, None]], sheets=2)
    parsed = tabular.parse_bytes(data, "t.xlsx")
    assert [(r.title, r.year, r.line) for r in parsed.records] == [("A", 2019, 3), ("'=B", 2020, 5)]
    assert parsed.records[0].extra == {"record_id": "7"}


def test_xlsx_without_data_is_refused(tmp_path):
    with pytest.raises(FileFormatError, match="no sheet with data"):
        tabular.parse_bytes(_xlsx(tmp_path, []), "t.xlsx")


# --- round trip ----------------------------------------------------------------------------

_ALPHABET = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
_line = st.text(_ALPHABET, min_size=1, max_size=30).map(squash).filter(bool)
_item = _line.filter(lambda s: ";" not in s)
_doi = st.builds(lambda a, b: f"10.{a}/{b}", st.integers(1000, 99999999),
                 st.text(string.ascii_lowercase + string.digits + "._-/()", min_size=1, max_size=15)
                 ).filter(lambda d: normalize_doi(d) == d)
_extra_key = st.text(string.ascii_lowercase + string.digits + "_ ", min_size=1, max_size=10).map(lambda s: "x_" + s.strip())
_extra_value = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"), whitelist_characters="\n"),
                       min_size=1, max_size=40).map(str.strip).filter(bool)
_abstract = _extra_value


@st.composite
def records(draw) -> RecordData:
    opt = lambda s: draw(st.one_of(st.just(""), s))  # noqa: E731
    return RecordData(
        title=draw(_line),
        abstract=opt(_abstract),
        authors=tuple(draw(st.lists(_item, max_size=4))),
        year=draw(st.one_of(st.none(), st.integers(1500, 2199))),
        journal=opt(_line), volume=opt(_line), issue=opt(_line), pages=opt(_line),
        doi=opt(_doi),
        pmid=opt(st.integers(1, 99999999).map(str)),
        arxiv_id=opt(st.from_regex(r"\A(19|2[0-9])(0[1-9]|1[0-2])\.\d{5}\Z")),
        url=opt(_line), keywords=tuple(draw(st.lists(_item, max_size=4))),
        pub_type=opt(_line), language=opt(_line),
        extra=draw(st.dictionaries(_extra_key, _extra_value, max_size=3)),
    )


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recs=st.lists(records(), min_size=1, max_size=5))
def test_export_then_import_gives_back_every_field(tmp_path, suffix, recs):
    path = tmp_path / f"export{suffix}"
    columns, rows = records_to_rows(recs)
    write_table(path, columns, rows)
    parsed = read_file(path)  # the format is detected, as for any user file
    assert parsed.format == suffix[1:]
    assert parsed.errors == ()
    assert list(parsed.records) == recs


def test_real_world_example_round_trips(tmp_path):
    rec = RecordData(title="=HYPERLINK(\"http://x\")", abstract="-based methods\n+ more", authors=("Van Der Berg, Jan Piet",),
                     keywords=("cyst (diagnosis, surgery)",), extra={"Notes": "@risk"})
    for suffix in (".csv", ".tsv", ".xlsx"):
        path = tmp_path / f"one{suffix}"
        write_table(path, *records_to_rows([rec]))
        assert read_file(path).records == (rec,)
    assert join_list(["Van Der Berg, Jan Piet"], "authors").endswith(";")
