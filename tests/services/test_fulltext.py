"""Full texts: PDFs copied beside the project with a safe name, or marked not retrieved."""

from __future__ import annotations

import hashlib

import pytest

from screener.core.errors import NotFoundError, UserError
from screener.core.records import ParsedFile, RecordData
from screener.services import fulltext, queries
from screener.services.importing import import_parsed
from screener.services.project import init_project

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def store(project_location, tmp_path):
    st = init_project(project_location, title="FT", reviewers=["ana"])
    recs = tuple(RecordData(title=f"Paper {i}") for i in range(3))
    import_parsed(st, ParsedFile(path="mem.ris", format="ris", encoding="utf-8", records=recs))
    yield st
    st.close()


@pytest.fixture
def folder(store, tmp_path):
    # A server project keeps PDFs in the user's data folder; tests give a folder of their own.
    return None if store.is_file else tmp_path / "pdfs"


def test_attach_copies_with_safe_name_and_hash(store, folder, tmp_path):
    src = tmp_path / "Müller et al. (2023): résumé?.pdf"
    src.write_bytes(PDF)
    info = fulltext.attach_pdf(store, 1, src, added_by="ana", folder=folder)
    where = fulltext.attachment_dir(store, folder)
    if store.is_file:
        assert where.name == "review_attachments" and where.parent == tmp_path
    assert info.file_name == "1-Muller_et_al._2023_resume.pdf"
    assert info.original_name == src.name and info.status == "attached" and info.exists
    assert info.sha256 == hashlib.sha256(PDF).hexdigest() and info.size == len(PDF)
    assert (where / info.file_name).read_bytes() == PDF
    assert not list(where.glob(".incoming-*"))
    again = fulltext.get_attachment(store, 1, folder)
    assert (again.file_name, again.sha256, again.path) == (info.file_name, info.sha256, info.path)
    view = queries.record_view(store, 1, "ana")
    assert view.attachment is not None and view.attachment["status"] == "attached"

    # replacing with another file removes the old copy
    other = tmp_path / "other.pdf"
    other.write_bytes(PDF + b"%extra\n")
    info2 = fulltext.attach_pdf(store, 1, other, folder=folder)
    assert info2.file_name == "1-other.pdf" and not (where / info.file_name).exists()


def test_not_retrieved_and_clear(store, folder, tmp_path):
    src = tmp_path / "a.pdf"
    src.write_bytes(PDF)
    info = fulltext.attach_pdf(store, 2, src, folder=folder)
    nr = fulltext.mark_not_retrieved(store, 2, by="ana", folder=folder)
    assert nr.status == "not_retrieved" and nr.path is None and not nr.exists
    assert not (fulltext.attachment_dir(store, folder) / info.file_name).exists()
    assert queries.record_ids(store, queries.RecordQuery("ana", filter="not_retrieved")) == [2]
    assert queries.record_ids(store, queries.RecordQuery("ana", filter="no_fulltext")) == [1, 3]
    fulltext.clear_attachment(store, 2, folder)
    assert fulltext.get_attachment(store, 2, folder) is None


def test_refuses_non_pdf_missing_file_and_unknown_record(store, folder, tmp_path):
    bad = tmp_path / "notes.pdf"
    bad.write_text("hello")
    with pytest.raises(UserError, match="not a PDF"):
        fulltext.attach_pdf(store, 1, bad, folder=folder)
    with pytest.raises(UserError, match="no such file"):
        fulltext.attach_pdf(store, 1, tmp_path / "missing.pdf", folder=folder)
    good = tmp_path / "good.pdf"
    good.write_bytes(PDF)
    with pytest.raises(NotFoundError):
        fulltext.attach_pdf(store, 99, good, folder=folder)
    where = fulltext.attachment_dir(store, folder)
    assert not where.exists() or not any(where.iterdir())  # a refused attach leaves no file behind


def test_safe_stem_edge_cases():
    assert fulltext.safe_stem("../../etc/passwd") == "etc_passwd"
    assert fulltext.safe_stem("...") == "fulltext"
    assert fulltext.safe_stem("CON") == "CON"  # the record id prefix keeps reserved names harmless
    assert fulltext.safe_name(7, "CON.pdf") == "7-CON.pdf"
    assert len(fulltext.safe_stem("x" * 500)) == 60


def test_server_project_default_folder_names_the_database(pg_project):
    st = init_project(pg_project, title="FT", reviewers=["ana"])
    try:
        where = fulltext.attachment_dir(st)
        assert where.parent.name == "attachments" and "test" in where.name and "/" not in where.name
    finally:
        st.close()
