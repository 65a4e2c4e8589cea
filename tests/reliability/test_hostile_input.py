"""Hostile and broken input for every reader: fuzzed real files, bombs, huge fields, binary files.

Every reader in screener.io.reader.FORMATS gets mutated copies of real exports and random text
built from its own tags. The only acceptable outcomes are a ParsedFile whose counts add up
(``found == imported + rejected``) or a FileFormatError (a user error naming the file); any other
exception is a bug, and a parse that runs past its time limit is a hang.
"""

from __future__ import annotations

import io
import os
import signal
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.io.reader import FORMATS, read_bytes

REFS = Path(__file__).resolve().parents[3] / "shared" / "data" / "refs"
#: One real export per reader (the smallest useful one), cut to its first bytes for speed.
SEEDS = {
    "ris": "ris/synthesisr__scopus.ris",
    "bibtex": "bibtex/colrev__records.bib",
    "csv": "csv/asreview__embase.csv",
    "tsv": "tsv/asreview__generic_tab.tsv",
    "xlsx": "xlsx/colrev__xlsx_data.xlsx",
    "medline": "medline_nbib/Reflib-EndNoteXML__medline-cancer.nbib",
    "pubmed_xml": "pubmed_xml/asreview__pubmed.xml",
    "endnote_xml": "endnote_xml/Reflib-EndNoteXML__endnote-sm.xml",
    "enw": "endnote_tagged/colrev__ais_enl.txt",
    "wos": "wos/metaknowledge__testFile.isi",
}
SUFFIX = {"ris": ".ris", "bibtex": ".bib", "csv": ".csv", "tsv": ".tsv", "xlsx": ".xlsx", "medline": ".nbib",
          "pubmed_xml": ".xml", "endnote_xml": ".xml", "enw": ".enw", "wos": ".ciw"}
TOKENS = {
    "ris": ["TY  - JOUR", "ER  - ", "TI  - ", "AU  - ", "PY  - ", "DO  - ", "AB  - ", "\n", "\r\n", "  - "],
    "bibtex": ["@article{", "@comment{", "@string{a = ", "title = {", "author = ", "}", "{", "\"", ",", "\\'{e}",
               "#", "\n", "@", "=", "$\\alpha$"],
    "csv": ["title,abstract,authors,year,doi\n", ",", "\"", "\"\"", "\n", "\r\n", "=1+1", "sep=;\n", ";"],
    "tsv": ["title\tabstract\tauthors\n", "\t", "\"", "\n", "\r"],
    "medline": ["PMID- 123\n", "TI  - ", "AU  - ", "AB  - ", "      ", "\n\n", "DP  - 2020", "LID - 10.1/x [doi]"],
    "pubmed_xml": ["<PubmedArticleSet>", "</PubmedArticleSet>", "<PubmedArticle>", "</PubmedArticle>",
                   "<ArticleTitle>", "</ArticleTitle>", "<PMID>1</PMID>", "<![CDATA[", "]]>", "&amp;", "<", ">",
                   "<!DOCTYPE x [<!ENTITY e \"e\">]>", "&e;"],
    "endnote_xml": ["<xml><records>", "</records></xml>", "<record>", "</record>", "<titles><title>",
                    "</title></titles>", "<style>", "</style>", "&lt;", "<", ">"],
    "enw": ["%0 Journal Article\n", "%T ", "%A ", "%D 2020\n", "\n\n", "%", "%X "],
    "wos": ["FN Clarivate\nVR 1.0\n", "PT J\n", "TI ", "AU ", "ER\n", "EF\n", "   ", "PY 2020\n", "DI 10.1/x\n"],
    "xlsx": [],
}
#: A parse of a few kilobytes that takes longer than this is a hang (real ones take milliseconds).
LIMIT_S = 10


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    def alarm(_signum, _frame):
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seed_bytes(fmt: str) -> bytes:
    path = REFS / SEEDS[fmt]
    if not path.is_file():
        return b""
    data = path.read_bytes()
    if fmt in ("xlsx", "csv", "pubmed_xml", "endnote_xml") or len(data) < 8000:
        return data  # whole: cutting a workbook, a quoted cell or an element makes it unreadable
    return data[:data.rfind(b"\n", 0, 6000) + 1]  # tagged formats: the first few records


def check_reader(data: bytes, fmt: str | None, name: str) -> str:
    """Read ``data``; return "parsed" or "refused", or fail the test on a bug or a hang."""
    started = time.perf_counter()
    try:
        with time_limit(LIMIT_S):
            parsed = read_bytes(data, name, format=fmt)
    except FileFormatError as exc:
        assert exc.path == name  # a user error that names the file
        return "refused"
    elapsed = time.perf_counter() - started
    assert parsed.found == len(parsed.records) + len(parsed.errors)
    assert elapsed < LIMIT_S
    for r in parsed.records:  # what reaches the database is text without NULs
        assert "\x00" not in r.title + r.abstract + "".join(r.authors)
    return "parsed"


@st.composite
def mutated(draw, fmt: str) -> bytes:
    data = bytearray(SEED_DATA[fmt])
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "token"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=40))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 400))]
        elif op == "duplicate":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 600))]
        elif op == "truncate":
            del data[pos:]
        elif op == "token" and TOKENS[fmt]:
            data[pos:pos] = draw(st.sampled_from(TOKENS[fmt])).encode("utf-8")
    return bytes(data)


@st.composite
def token_soup(draw, fmt: str) -> bytes:
    parts = draw(st.lists(st.one_of(st.sampled_from(TOKENS[fmt]), st.text(max_size=20)), min_size=1, max_size=40))
    return "".join(parts).encode(draw(st.sampled_from(["utf-8", "utf-16"])), "surrogatepass")


SEED_DATA: dict[str, bytes] = {}
#: Examples per reader and strategy; raise it for a longer hunt: SCREENER_FUZZ_EXAMPLES=5000 pytest ...
EXAMPLES = int(os.environ.get("SCREENER_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", autouse=True)
def seeds(shared_data):
    for fmt in FORMATS:
        SEED_DATA[fmt] = seed_bytes(fmt)
        assert SEED_DATA[fmt], f"no seed file for {fmt}"
        assert check_reader(SEED_DATA[fmt], fmt, "seed" + SUFFIX[fmt]) == "parsed"


def test_every_reader_is_fuzzed():
    assert set(SEEDS) == set(FORMATS) == set(TOKENS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@FUZZ
@given(data=st.data())
def test_mutated_real_files(fmt, data):
    blob = data.draw(mutated(fmt))
    check_reader(blob, fmt, "fuzz" + SUFFIX[fmt])  # the format forced, as with --format
    check_reader(blob, None, "fuzz" + SUFFIX[fmt])  # detected from the content


@pytest.mark.parametrize("fmt", sorted(f for f in FORMATS if TOKENS[f]))
@FUZZ
@given(data=st.data())
def test_token_soup(fmt, data):
    check_reader(data.draw(token_soup(fmt)), fmt, "soup" + SUFFIX[fmt])


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(min_size=1, max_size=3000), st.sampled_from(sorted(SUFFIX.values())))
def test_random_bytes_under_any_name(blob, suffix):
    check_reader(blob, None, "random" + suffix)


# -- binary files, bombs, huge fields ---------------------------------------------------------------

@pytest.mark.parametrize("what", ["png", "pdf", "zip", "gzip", "sqlite", "elf", "utf16-binary"])
def test_binary_files_named_ris_are_refused(tmp_path, what):
    blobs = {
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)),
        "zip": _zip({"a.txt": b"TY  - JOUR\nTI  - inside a zip\nER  - \n"}),
        "gzip": b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4,
        "sqlite": b"SQLite format 3\x00" + b"\x00" * 2000,
        "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + bytes(range(256)) * 2,
        "utf16-binary": b"\xff\xfe" + bytes(range(256)) * 4,
    }
    path = tmp_path / "refs.ris"
    path.write_bytes(blobs[what])
    from screener.io.reader import read_file

    with pytest.raises(FileFormatError) as exc:
        read_file(path)
    assert exc.value.path == str(path)
    with pytest.raises(FileFormatError):
        read_file(path, format="ris")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_workbook_claiming_an_unknown_zip_version_is_refused():
    """Found by atheris (benchmarks/fuzz_readers.py): zipfile raises NotImplementedError for it."""
    import struct

    data = bytearray(SEED_DATA["xlsx"])
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<H", data, pos + 6, 235)  # "version needed to extract": 23.5
        pos = data.find(b"PK\x01\x02", pos + 4)
    for fmt in ("xlsx", None):
        assert check_reader(bytes(data), fmt, "version.xlsx") == "refused"


def test_nested_zip_bomb_named_xlsx_is_refused_fast():
    """A workbook whose one sheet inflates to 400 MB of zeros: refused from the zip directory alone."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(400):
                member.write(chunk)
    bomb = buf.getvalue()
    assert len(bomb) < 1_000_000
    started = time.perf_counter()
    with pytest.raises(FileFormatError, match="zip bomb|would unpack"):
        read_bytes(bomb, "bomb.xlsx")
    assert time.perf_counter() - started < 1.0


def test_external_entity_content_never_reaches_the_project(tmp_path):
    """An XML file pulling a local file in through an entity is refused, and nothing is stored."""
    from screener.services.importing import import_files
    from screener.services.project import init_project

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    evil = tmp_path / "evil.xml"
    evil.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>""")
    project = tmp_path / "p.screener"
    store = init_project(project, reviewers=["ana"])
    try:
        started = time.perf_counter()
        with pytest.raises(FileFormatError, match="refused"):
            import_files(store, [evil])
        assert time.perf_counter() - started < 1.0
    finally:
        store.close()
    for f in tmp_path.glob("p.screener*"):
        assert b"TOP-SECRET-VALUE" not in f.read_bytes()


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csv", "medline", "enw", "wos", "pubmed_xml", "endnote_xml"])
def test_one_megabyte_fields_and_ten_thousand_authors(fmt, tmp_path):
    """A record with a 1 MB abstract and 10,000 authors is read whole and imported."""
    from screener.services.importing import import_files
    from screener.services.project import init_project
    from screener.services.queries import record_view

    abstract = ("word " * 210_000)[:1_048_576].strip()
    authors = [f"Author{i}, A." for i in range(10_000)]
    path = tmp_path / f"big{SUFFIX[fmt]}"
    path.write_text(_big_record(fmt, "A huge record", abstract, authors), encoding="utf-8")
    started = time.perf_counter()
    with time_limit(60):
        store = init_project(tmp_path / "p.screener", reviewers=["ana"])
        try:
            summary = import_files(store, [path])
            assert summary.imported == 1 and summary.rejected == 0
            view = record_view(store, 1, "ana")
        finally:
            store.close()
    assert len(view.abstract) >= 1_000_000 and len(view.authors) == 10_000
    assert view.authors[0].startswith("Author0") and view.authors[-1].startswith("Author9999")
    assert time.perf_counter() - started < 60


def _big_record(fmt: str, title: str, abstract: str, authors: list[str]) -> str:
    from xml.sax.saxutils import escape

    if fmt == "ris":
        return "TY  - JOUR\n" + f"TI  - {title}\n" + "".join(f"AU  - {a}\n" for a in authors) + f"AB  - {abstract}\nER  - \n"
    if fmt == "bibtex":
        return "@article{big,\n title = {" + title + "},\n author = {" + " and ".join(authors) + "},\n abstract = {" + abstract + "}\n}\n"
    if fmt == "csv":
        return "title,authors,abstract\n" + f'"{title}","{"; ".join(authors)}","{abstract}"\n'
    if fmt == "medline":
        return "PMID- 1\n" + f"TI  - {title}\n" + f"AB  - {abstract}\n" + "".join(f"FAU - {a}\n" for a in authors) + "\n"
    if fmt == "enw":
        return "%0 Journal Article\n" + f"%T {title}\n" + "".join(f"%A {a}\n" for a in authors) + f"%X {abstract}\n\n"
    if fmt == "wos":
        return ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n" + "AU " + "\n   ".join(authors) + "\n"
                + f"TI {title}\nAB {abstract}\nER\n\nEF\n")
    if fmt == "pubmed_xml":
        names = "".join(f"<Author><LastName>{escape(a.split(',')[0])}</LastName><ForeName>A</ForeName></Author>"
                        for a in authors)
        return ("<?xml version=\"1.0\"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
                f"<ArticleTitle>{escape(title)}</ArticleTitle><Abstract><AbstractText>{escape(abstract)}</AbstractText>"
                f"</Abstract><AuthorList>{names}</AuthorList></Article></MedlineCitation></PubmedArticle>"
                "</PubmedArticleSet>\n")
    if fmt == "endnote_xml":
        names = "".join(f"<author><style>{escape(a)}</style></author>" for a in authors)
        return ("<?xml version=\"1.0\"?>\n<xml><records><record><ref-type name=\"Journal Article\">17</ref-type>"
                f"<contributors><authors>{names}</authors></contributors><titles><title><style>{escape(title)}"
                f"</style></title></titles><abstract><style>{escape(abstract)}</style></abstract></record></records>"
                "</xml>\n")
    raise ValueError(fmt)
