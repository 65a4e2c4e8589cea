"""import -> export -> import loses no field, for real files of every family of formats."""

from __future__ import annotations

import pytest

from screener.services.export import export_table, record_data
from screener.services.importing import import_files
from screener.services.project import init_project

CASES = [
    "ris/asreview___baseline.ris",
    "ris/asreview__scopus.ris",
    "bibtex/colrev__scopus_bib.bib",
    "medline_nbib/synthesisr__PubMed_example.txt",
    "csv/bibliometrix__scopus_sample.csv",
    "pubmed_xml/asreview__pubmed.xml",
    "endnote_xml/Reflib-EndNoteXML__endnote-sm.xml",
]
CORE = ("title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "arxiv_id",
        "url", "keywords", "pub_type", "language")
# Columns the records export adds about the project itself; they come back as extra fields.
PROJECT_COLUMNS = {"record_id", "sources"}  # duplicate_of is empty here, so not kept


def _load(tmp_path, name, files, **kw):
    st = init_project(tmp_path / f"{name}.screener")
    import_files(st, files, **kw)
    data = [rd for _, rd in record_data(st)]
    return st, data


def _joined(v):
    return "; ".join(_as_text(v)) if isinstance(v, (list, tuple)) else _as_text(v)


def _as_text(v):
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    return "" if v is None else str(v)


XLSX_CELL_LIMIT = 32767  # Excel's own limit on the characters of one cell

# A table export carries every field; a RIS or BibTeX export carries what that format can say,
# so it round-trips losslessly from its own format (cross-format is covered by tests/io).
PAIRS = [(rel, s) for rel in CASES for s in (".csv", ".tsv", ".xlsx")] + [
    ("ris/asreview___baseline.ris", ".ris"), ("ris/asreview__scopus.ris", ".ris"),
    ("bibtex/colrev__scopus_bib.bib", ".bib")]


@pytest.mark.parametrize(("rel", "suffix"), PAIRS)
def test_roundtrip(shared_data, tmp_path, rel, suffix):
    st, first = _load(tmp_path, "a", [shared_data / "refs" / rel])
    out = tmp_path / f"export{suffix}"
    export_table(st, "records", out)
    st.close()
    st2, second = _load(tmp_path, "b", [out])
    st2.close()
    assert len(first) == len(second)
    for a, b in zip(first, second):
        for f in CORE:
            assert getattr(a, f) == getattr(b, f), (f, getattr(a, f), getattr(b, f))
        for key, value in a.extra.items():
            assert key in b.extra, (key, sorted(b.extra))
            if suffix == ".bib" and key == "ID" and any(c.isspace() for c in value):
                assert not any(c.isspace() for c in b.extra[key])  # a BibTeX key cannot hold spaces
            elif suffix in (".ris", ".bib"):
                assert b.extra[key] == value
            elif suffix == ".xlsx" and len(_joined(value)) > XLSX_CELL_LIMIT:
                assert _joined(b.extra[key]) == _joined(value)[:XLSX_CELL_LIMIT]
            else:  # a table cell holds a list joined by "; ", and every value as text
                assert _joined(b.extra[key]) == _joined(value), (key, value, b.extra[key])
        if suffix not in (".ris", ".bib"):
            assert PROJECT_COLUMNS <= set(b.extra)
