"""Nothing leaks: exports cannot run formulas, attachment names cannot reach outside their
folder, and nothing typed into a search box errors or shows rows the reviewer may not see."""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.records import ParsedFile, RecordData
from screener.services import fulltext
from screener.services.dedup import merge_records
from screener.services.export import TABLES, export_table
from screener.services.importing import import_parsed
from screener.services.project import init_project
from screener.services.queries import FILTERS, RecordQuery, record_ids, record_view
from screener.services.screening import decide
from screener.services.taxonomy import add_reason, add_tag
from screener.storage.session import Store

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\n=1+1", "'=already quoted"]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _hostile_project(path) -> Store:
    """Every text a user or an imported file can put in a project starts like a formula."""
    store = init_project(path, title=FORMULAS[0], reviewers=["=ana", "+ben"], template="blank")
    recs = []
    for i in range(12):
        f = [FORMULAS[(i + k) % len(FORMULAS)] for k in range(20)]
        recs.append(RecordData(title=f[0], abstract=f[1], authors=(f[2], f[3]), journal=f[4], volume=f[5],
                               issue=f[6], pages=f[7], doi=f[8], pmid="", arxiv_id=f[9], url=f[10],
                               keywords=(f[11], f[12]), pub_type=f[13], language=f[14], year=2020 + i % 3,
                               extra={"custom": f[15], "=evil column": f[16]}))
    import_parsed(store, ParsedFile(path="=evil.ris", format="ris", encoding="utf-8", records=tuple(recs)),
                  source="=HYPERLINK(\"x\")")
    for stage in ("title_abstract", "full_text"):
        add_reason(store, stage, "=cmd reason")
    add_tag(store, "=facet > @value")
    add_tag(store, "+other > -thing")
    for rid in range(1, 13):
        for who in ("=ana", "+ben"):
            label = "exclude" if rid % 3 else "include"
            decide(store, rid, who, label, reasons=["=cmd reason"] if label == "exclude" else [],
                   tags=["=facet > @value", "+other > -thing"], note="-1+1 " + FORMULAS[rid % len(FORMULAS)])
    return store


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    store = _hostile_project(folder / "p.screener")
    yield store, folder
    store.close()


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
@pytest.mark.parametrize("table", TABLES)
def test_every_text_cell_of_csv_and_tsv_exports_is_neutralised(hostile, table, suffix):
    store, folder = hostile
    out = folder / f"{table}{suffix}"
    export_table(store, table, out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t" if suffix == ".tsv" else ","))
    cells = [c for row in rows for c in row]
    assert len(rows) >= 2
    bad = [c for c in cells if c.startswith(DANGEROUS_START) and not _is_number(c)]
    assert bad == []
    # not a vacuous pass: the hostile text is there, each with its one protecting quote
    assert any(c.startswith("'=") or c.startswith("'+") or c.startswith("'-") for c in cells), table


@pytest.mark.parametrize("table", TABLES)
def test_xlsx_exports_hold_text_as_string_cells_never_formulas(hostile, table):
    from openpyxl import load_workbook

    store, folder = hostile
    out = folder / f"{table}.xlsx"
    export_table(store, table, out)
    ws = load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type in ("s", "n") for c in cells)
    texts = [c.value for c in cells if c.data_type == "s"]
    assert any(str(t).startswith(("=", "+", "@")) for t in texts)  # kept as typed, shown as text


def test_prisma_template_csv_is_neutralised(hostile):
    from screener.services.prisma import write_prisma

    store, folder = hostile
    out = folder / "prisma.csv"
    write_prisma(store, out)
    with open(out, newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert [c for c in cells if c.startswith(DANGEROUS_START) and not _is_number(c)] == []


# -- attachment names -------------------------------------------------------------------------------

HOSTILE_NAMES = ["../outside.pdf", "../../outside.pdf", "..", ".", "{outside}", "sub/inner.pdf", "..\\outside.pdf",
                 "C:\\Windows\\win.ini", "C:outside.pdf", "file:///{outside}", "file:../outside.pdf", "CON",
                 "NUL.pdf", "com1.pdf", "LPT9.txt", "aux.", " outside.pdf", "link.pdf", "x\x00.pdf", ""]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdf(path: Path, text: str = "x") -> Path:
    path.write_bytes(b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n")
    return path


@pytest.fixture
def attach_project(tmp_path):
    store = init_project(tmp_path / "proj" / "p.screener", reviewers=["ana"])
    recs = tuple(RecordData(title=f"R{i}") for i in range(len(HOSTILE_NAMES) + 5))
    import_parsed(store, ParsedFile(path="r.ris", format="ris", encoding="utf-8", records=recs))
    outside = _pdf(tmp_path / "proj" / "outside.pdf", "must survive")
    folder = fulltext.attachment_dir(store)
    folder.mkdir(parents=True)
    (folder / "sub").mkdir()
    _pdf(folder / "sub" / "inner.pdf")
    os.symlink(outside, folder / "link.pdf")
    yield store, folder, outside
    store.close()


def _set_name(store: Store, record_id: int, name: str) -> None:
    con = sqlite3.connect(store.project)
    con.execute("INSERT INTO attachments (record_id, status, file_name, original_name, sha256, size, added_by,"
                " added_at) VALUES (?, 'attached', ?, ?, '', 0, 'someone else', '2026-01-01')",
                (record_id, name, name))
    con.commit()
    con.close()


def test_stored_names_from_a_hostile_project_never_reach_outside_the_folder(attach_project, tmp_path):
    store, folder, outside = attach_project
    before = _digest(outside)
    sentinels = {p: _digest(p) for p in [outside, folder / "sub" / "inner.pdf"]}
    names = [n.replace("{outside}", str(outside)) for n in HOSTILE_NAMES]
    for rid, name in enumerate(names, start=1):
        _set_name(store, rid, name)
        info = fulltext.get_attachment(store, rid)
        assert info.path is None and not info.exists, name  # never offered to be opened
        assert record_view(store, rid, "ana").attachment["path"] is None
    # every way of letting go of an old file: not retrieved, cleared, replaced by a new PDF
    for rid in range(1, len(names) + 1):
        action = rid % 3
        if action == 0:
            fulltext.mark_not_retrieved(store, rid, "ana")
        elif action == 1:
            fulltext.clear_attachment(store, rid)
        else:
            fulltext.attach_pdf(store, rid, _pdf(tmp_path / "new.pdf"), "ana")
    for path, digest in sentinels.items():
        assert path.exists() and _digest(path) == digest
    assert _digest(outside) == before and (folder / "link.pdf").is_symlink()


@pytest.mark.parametrize("original", ["../../evil.pdf", "/tmp/evil.pdf", "CON.pdf", "nul", "file:///evil.pdf",
                                      "..\\..\\evil.pdf", "a/../../b.pdf", "COM1", "\u202eevil\u202dfdp.exe"])
def test_attaching_a_file_with_a_hostile_name_stores_it_inside_the_folder(attach_project, tmp_path, original):
    store, folder, _outside = attach_project
    src_dir = tmp_path / "incoming"
    src_dir.mkdir(exist_ok=True)
    src = _pdf(src_dir / "paper.pdf")
    info = fulltext.attach_pdf(store, 1, src, "ana")
    assert Path(info.path).parent == folder and Path(info.path).is_file()
    stored = fulltext.safe_name(1, original)
    assert fulltext.stored_path(folder, stored) == folder / stored
    assert "/" not in stored and "\\" not in stored and ".." not in stored.replace("...", "")
    assert stored.startswith("1-")  # never a bare device name


def test_stored_path_accepts_plain_names_only(tmp_path):
    assert fulltext.stored_path(tmp_path, "12-paper.pdf") == tmp_path / "12-paper.pdf"
    for name in ["../x.pdf", "/etc/passwd", "a/b.pdf", "a\\b.pdf", "c:x.pdf", "file:///x", "CON", "con.pdf",
                 "Nul", "COM1.pdf", "lpt1", "", ".", "..", "x\x00y"]:
        assert fulltext.stored_path(tmp_path, name) is None, name


# -- search boxes ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def searchable(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "s.screener"
    store = init_project(path, reviewers=["ana", "ben"])
    recs = tuple(RecordData(title=f"Paper {i} on 100% pure_segmentation \"quoted\" O'Brien's [x] *",
                            abstract="Lorem ipsum NEAR(a b) OR c* AND -d", authors=(f"Author{i}, A.",),
                            keywords=("k%", "k_")) for i in range(1, 21))
    import_parsed(store, ParsedFile(path="r.ris", format="ris", encoding="utf-8", records=recs))
    decide(store, 3, "ben", "include", note="SECRETNOTE of ben")
    for rid in range(1, 8):
        decide(store, rid, "ana", "exclude")
    merge_records(store, [5, 6], by="ana", kept=5)  # record 6 is now a duplicate: never listed
    yield store
    store.close()


SEARCH_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(list("%_\\'\"*()-+^:~[]{}!?|&;#0123456789 NEARORAND\x00\t\n")), max_size=80),
    st.sampled_from(["'; DROP TABLE records; --", "\" OR 1=1 --", "%", "_", "\\", "\\%", "NEAR(a b)", "title:x",
                     "a*", "-a", "\"", "''", "#6", "6", "SECRETNOTE", "include", "ben", "²", "٦", "9" * 40]),
)


def _visible(store: Store, stage: str, filter: str) -> set[int]:
    return set(record_ids(store, RecordQuery(reviewer="ana", stage=stage, filter=filter)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=SEARCH_TEXT, stage=st.sampled_from(["title_abstract", "full_text"]),
       filter=st.sampled_from([f for f in FILTERS if f != "conflict"]))
def test_any_search_text_works_and_shows_only_visible_rows(searchable, text, stage, filter):
    found = record_ids(searchable, RecordQuery(reviewer="ana", stage=stage, filter=filter, search=text))
    assert set(found) <= _visible(searchable, stage, filter)
    assert 6 not in found  # the merged duplicate
    if stage == "full_text":
        assert set(found) <= {1, 2, 3, 4, 5, 7} - {1, 2, 4, 5, 7}  # only records that passed (none did)


@pytest.mark.parametrize("text", ["a " * 5000, "x" * 10_240, "\"" * 10_240, "%_\\" * 3500, "NEAR(a b) OR " * 800,
                                  "#" + "9" * 10_000, "\x00" * 10_000, "é" * 10_240])
def test_ten_kilobyte_searches(project_location, text):
    store = init_project(project_location, reviewers=["ana"])
    try:
        import_parsed(store, ParsedFile(path="r.ris", format="ris", encoding="utf-8",
                                        records=(RecordData(title="x y z"),)))
        found = record_ids(store, RecordQuery(reviewer="ana", search=text))
        assert set(found) <= {1}
    finally:
        store.close()


def test_search_never_matches_other_reviewers_notes_or_labels(searchable):
    assert record_ids(searchable, RecordQuery(reviewer="ana", search="SECRETNOTE")) == []
    assert record_ids(searchable, RecordQuery(reviewer="ana", search="ben")) == []
    # the duplicate is not found even by its own id or title
    assert 6 not in record_ids(searchable, RecordQuery(reviewer="ana", search="#6"))
    assert 6 not in record_ids(searchable, RecordQuery(reviewer="ana", search="Paper 6"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=SEARCH_TEXT)
def test_search_text_on_the_postgresql_server(pg_searchable, text):
    found = record_ids(pg_searchable, RecordQuery(reviewer="ana", search=text))
    assert set(found) <= {1, 2, 3}


@pytest.fixture
def pg_searchable(pg_project):
    store = init_project(pg_project, reviewers=["ana"])
    recs = tuple(RecordData(title=f"100% pure_{i} O'Brien \"q\"", abstract="NEAR(a b)") for i in range(3))
    import_parsed(store, ParsedFile(path="r.ris", format="ris", encoding="utf-8", records=recs))
    yield store
    store.close()


def test_pushing_a_hostile_project_copies_no_file_from_or_to_outside(attach_project, tmp_path, pg_project,
                                                                     monkeypatch):
    """push copies the attachment folder to the server project's folder: by plain names only."""
    from screener.services.team import push

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store, folder, outside = attach_project
    _set_name(store, 1, "../outside.pdf")  # exists, outside the folder
    _set_name(store, 2, "sub/inner.pdf")  # exists, in a subfolder
    fulltext.attach_pdf(store, 3, _pdf(tmp_path / "ok.pdf"), "ana")
    project = store.project
    store.close()
    before = {p for p in tmp_path.rglob("*")}
    report = push(project, pg_project)
    assert report["attachments"] == {"copied": 1, "missing": 2}
    server = Store.open(pg_project)
    try:
        target = fulltext.attachment_dir(server)
    finally:
        server.close()
    created = {p for p in tmp_path.rglob("*")} - before
    assert {p for p in created if p.is_file()} == {target / "3-ok.pdf"}
