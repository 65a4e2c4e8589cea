"""Import is all-or-nothing per file, and counts add up, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from screener.core.errors import Cancelled
from screener.core.progress import Progress
from screener.core.records import ParsedFile, RecordData, RecordError
from screener.services.importing import import_parsed
from screener.services.project import init_project
from screener.storage.models import Record, RecordSource, Source


@pytest.fixture
def store(project_location):
    st = init_project(project_location, reviewers=["ana"])
    yield st
    st.close()


def counts(store):
    with store.read() as s:
        return (s.scalar(select(func.count(Record.id))), s.scalar(select(func.count(Source.id))),
                s.scalar(select(func.count()).select_from(RecordSource)))


def test_cancel_midway_leaves_project_untouched(store):
    recs = tuple(RecordData(title=f"T{i}", line=i + 1) for i in range(12000))
    pf = ParsedFile("big.ris", "ris", "utf-8", recs)
    seen = []

    def cb(done, total, text):
        seen.append(done)
        if done >= 5000:
            progress.cancel()

    progress = Progress(cb)
    with pytest.raises(Cancelled):
        import_parsed(store, pf, progress=progress)
    assert max(seen) >= 5000  # the first batch had been written inside the transaction
    assert counts(store) == (0, 0, 0)


def test_counts_and_nul_cleaning(store):
    pf = ParsedFile("x.ris", "ris", "utf-8",
                    (RecordData(title="A\x00 title", extra={"N1": ["x\x00y", "z"]}, line=1),),
                    (RecordError(9, "record has no title"),))
    res = import_parsed(store, pf, source="Scopus", source_type="database")
    assert (res.found, res.imported, res.rejected) == (2, 1, 1)
    assert res.errors == ({"line": 9, "reason": "record has no title"},)
    with store.read() as s:
        rec = s.scalar(select(Record))
        assert rec.title == "A title" and rec.extra == {"N1": ["xy", "z"]}
        src = s.scalar(select(Source))
        assert (src.found, src.imported, src.rejected, src.name) == (2, 1, 1, "Scopus")


def made_ris(path, n: int, encoding: str = "utf-8", name: str = "Author") -> None:
    lines = []
    for k in range(n):
        lines += ["TY  - JOUR", f"TI  - Paper number {k}", f"AU  - {name}{k % 9}, B.", f"PY  - {1990 + k % 30}",
                  f"AB  - {'An abstract sentence. ' * 20}", f"DO  - 10.1000/made.{k}", "ER  - ", ""]
        if k % 500 == 7:
            lines += ["TY  - JOUR", "ER  - ", ""]  # an empty record, rejected with its line
    path.write_text("\n".join(lines), encoding=encoding)


@pytest.mark.parametrize("encoding, name", [("utf-8", "Author"), ("utf-8", "M\u00fcller"),
                                            ("utf-8-sig", "M\u00fcller"), ("utf-16", "M\u00fcller")])
def test_a_large_file_read_in_two_processes_imports_like_one_pass(store, tmp_path, monkeypatch, encoding, name):
    from screener.io import parallel
    from screener.io.reader import read_file
    from screener.services.export import to_record_data
    from screener.services.importing import import_files

    ris_path = tmp_path / "big.ris"
    made_ris(ris_path, 3000, encoding, name)  # ASCII, UTF-8 with and without BOM (sent as bytes), UTF-16
    expected = read_file(ris_path)  # below the size for a helper: one pass here
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 0)
    (res,) = import_files(store, [ris_path]).files
    assert (res.found, res.imported, res.rejected) == (expected.found, len(expected.records), len(expected.errors))
    assert list(res.errors) == [e.as_dict() for e in expected.errors]
    with store.read() as s:
        got = [to_record_data(r) for r in s.scalars(select(Record).order_by(Record.id))]
        lines = list(s.scalars(select(RecordSource.line).order_by(RecordSource.position)))
    assert [r.with_changes(line=None) for r in got] == [r.with_changes(line=None) for r in expected.records]
    assert lines == [r.line for r in expected.records]


def test_cancel_while_the_helper_reads_leaves_project_untouched(store, tmp_path, monkeypatch):
    from screener.io import parallel
    from screener.services.importing import import_files

    ris_path = tmp_path / "big.ris"
    made_ris(ris_path, 6000)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 0)

    def cb(done, total, text):
        if total and done > total // 3:
            progress.cancel()

    progress = Progress(cb)
    with pytest.raises(Cancelled):
        import_files(store, [ris_path], progress=progress)
    assert counts(store) == (0, 0, 0)
