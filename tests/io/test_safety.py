"""Hostile files: XML entity bombs and external entities, zip bombs dressed as .xlsx."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest

from screener.core.errors import FileFormatError
from screener.io import endnote_xml, pubmed_xml
from screener.io.reader import read_bytes
from screener.io.xlsx_safety import MAX_MEMBERS, check_xlsx

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE {doctype} [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<{root}><{record}><{title}>&lol9;</{title}></{record}></{root}>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE {doctype} [<!ENTITY xxe SYSTEM "file://{secret}">]>
<{root}><{record}><{title}>&xxe;</{title}></{record}></{root}>"""

PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE {doctype} [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<{root}><{record}><{title}>x</{title}></{record}></{root}>"""

SHAPES = {
    "pubmed": (pubmed_xml.parse, dict(doctype="PubmedArticleSet", root="PubmedArticleSet", record="PubmedArticle", title="ArticleTitle")),
    "endnote": (endnote_xml.parse, dict(doctype="xml", root="xml><records", record="record", title="title")),
}


def _fill(template: str, shape: dict[str, str], **more: str) -> str:
    text = template.format(**shape, **more)
    # the EndNote root is two elements deep: close it properly
    return text.replace("</xml><records>", "</records></xml>")


@pytest.mark.parametrize("kind", list(SHAPES))
@pytest.mark.parametrize("template", [BILLION_LAUGHS, EXTERNAL, PARAMETER], ids=["billion-laughs", "external", "parameter"])
def test_entity_tricks_are_refused_fast(tmp_path, kind, template):
    parse, shape = SHAPES[kind]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    text = _fill(template, shape, secret=secret.as_posix())
    started = time.perf_counter()
    with pytest.raises(FileFormatError) as exc:
        parse(text, "evil.xml")
    assert time.perf_counter() - started < 1.0
    assert "refused" in exc.value.reason and exc.value.path == "evil.xml"
    assert "TOP SECRET" not in str(exc.value)


def test_entity_bomb_through_the_reader_is_a_file_error():
    data = _fill(BILLION_LAUGHS, SHAPES["pubmed"][1]).encode()
    with pytest.raises(FileFormatError, match="refused"):
        read_bytes(data, "bomb.xml")


# --- zip bombs -------------------------------------------------------------------------------

def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_highly_compressed_member_is_refused():
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b"\0" * (16 * 1024**2)})
    assert len(bomb) < 200_000
    with pytest.raises(FileFormatError, match="zip bomb"):
        check_xlsx(bomb, "bomb.xlsx")
    with pytest.raises(FileFormatError, match="zip bomb"):
        read_bytes(bomb, "bomb.xlsx")  # detected as xlsx, refused before openpyxl opens it


def _claim_sizes(data: bytes, size: int) -> bytes:
    """Rewrite the central directory so every member claims ``size`` bytes, packed and unpacked."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<II", out, pos + 20, size, size)  # compressed size, uncompressed size
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def test_total_unpacked_size_is_limited():
    small = _zip({"xl/workbook.xml": b"<w/>", "xl/a.xml": b"a", "xl/b.xml": b"b"}, zipfile.ZIP_STORED)
    with pytest.raises(FileFormatError, match="would unpack to"):
        check_xlsx(_claim_sizes(small, 300 * 1024**2), "big.xlsx")


def test_member_count_is_limited():
    members = {"xl/workbook.xml": b""} | {f"xl/m{i}.xml": b"" for i in range(MAX_MEMBERS)}
    with pytest.raises(FileFormatError, match="parts"):
        check_xlsx(_zip(members, zipfile.ZIP_STORED), "many.xlsx")


def test_zip_without_workbook_is_not_an_xlsx():
    with pytest.raises(FileFormatError, match="no xl/workbook.xml"):
        check_xlsx(_zip({"word/document.xml": b"<d/>"}), "doc.xlsx")
    with pytest.raises(FileFormatError, match="Word document"):
        read_bytes(_zip({"word/document.xml": b"<d/>"}), "doc.xlsx")


def test_damaged_zip_is_a_clear_error():
    data = _zip({"xl/workbook.xml": b"<w/>"})[:30]
    with pytest.raises(FileFormatError, match="damaged"):
        check_xlsx(data, "cut.xlsx")
    with pytest.raises(FileFormatError, match="damaged"):
        read_bytes(data, "cut.xlsx")


def test_plausible_workbook_passes(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["title"])
    wb.save(tmp_path / "ok.xlsx")
    check_xlsx((tmp_path / "ok.xlsx").read_bytes(), "ok.xlsx")


def test_absurdly_wide_sheet_is_refused_not_padded(tmp_path):
    from openpyxl import Workbook

    from screener.io.tabular import MAX_XLSX_COLUMNS, parse_bytes

    wb = Workbook()
    ws = wb.active
    ws.append(["title"])
    ws.append(["A"])
    ws.cell(row=3, column=16384, value="stray")  # column XFD, the last Excel has
    wb.save(tmp_path / "wide.xlsx")
    with pytest.raises(FileFormatError, match=f"more than {MAX_XLSX_COLUMNS} columns") as exc:
        parse_bytes((tmp_path / "wide.xlsx").read_bytes(), "wide.xlsx")
    assert exc.value.line == 3


def test_far_apart_rows_keep_their_numbers(tmp_path):
    from openpyxl import Workbook

    from screener.io.tabular import parse_bytes

    wb = Workbook()
    ws = wb.active
    ws.append(["title"])
    ws.cell(row=1_000_000, column=1, value="Last")
    wb.save(tmp_path / "gap.xlsx")
    parsed = parse_bytes((tmp_path / "gap.xlsx").read_bytes(), "gap.xlsx")
    assert [(r.title, r.line) for r in parsed.records] == [("Last", 1_000_000)]
