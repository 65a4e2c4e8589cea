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
