"""Writers of RIS, BibTeX, MEDLINE, WoS and EndNote tagged text, and write -> read round trips.

The property tests generate records, write them in a format and read them back: every field the
format carries must come back equal (``extra`` included).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.records import RecordData
from screener.io import bibtex, enw, medline, ris, wos
from screener.io.biblio_writers import (
    latex_escape,
    write_bibtex,
    write_enw,
    write_medline,
    write_ris,
    write_wos,
)
from screener.io.text import squash

# ---------------------------------------------------------------- strategies

# Printable text as readers produce it: no control characters, whitespace collapsed, stripped.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Zl", "Zp")),
               min_size=1, max_size=30).map(squash).filter(bool)
MAYBE = st.one_of(st.just(""), TEXT)
WORD = st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True)
# Keywords: the tagged formats that put several in one field split at ';' (and BibTeX at ',').
KEYWORD = TEXT.filter(lambda s: ";" not in s and "," not in s)
PAGES = st.one_of(st.just(""), st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True),
                  st.from_regex(r"[1-9][0-9]{0,3}-[1-9][0-9]{0,3}", fullmatch=True))
DOI = st.one_of(st.just(""), st.from_regex(r"10\.[0-9]{4,6}/[a-z0-9]{1,6}(\.[a-z0-9]{1,6}){0,2}", fullmatch=True))
PMID = st.one_of(st.just(""), st.from_regex(r"[1-9][0-9]{0,7}", fullmatch=True))
URL = st.one_of(st.just(""), st.from_regex(r"https://example\.org/[a-z0-9]{1,10}(\?q=[a-z0-9%_]{1,5})?", fullmatch=True))
ARXIV = st.one_of(st.just(""), st.from_regex(r"2[0-4](0[1-9]|1[0-2])\.[0-9]{5}", fullmatch=True))
YEAR = st.one_of(st.none(), st.integers(1500, 2199))


def extra_of(keys: list[str]):
    """An extra dict over ``keys``: single strings, or lists of two or more (a repeated tag)."""
    value = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3))
    return st.dictionaries(st.sampled_from(keys), value, max_size=4)


def records(pub_types, extra_keys, *, abstract=MAYBE, url=URL, pmid=PMID, arxiv=st.just("")):
    return st.builds(
        RecordData,
        title=TEXT, abstract=abstract, authors=st.lists(TEXT, max_size=4).map(tuple), year=YEAR,
        journal=MAYBE, volume=MAYBE, issue=MAYBE, pages=PAGES, doi=DOI, pmid=pmid, arxiv_id=arxiv,
        url=url, keywords=st.lists(KEYWORD, max_size=4).map(tuple), pub_type=st.sampled_from(pub_types),
        language=MAYBE, extra=extra_of(extra_keys),
    )


# Paragraphs: RIS and EndNote keep the line breaks of a multi-line abstract.
PARAGRAPHS = st.one_of(st.just(""), st.lists(TEXT.filter(lambda s: not s.startswith("%")), min_size=1,
                                             max_size=3).map("\n".join))

RIS_RECORDS = records(["JOUR", "BOOK", "CHAP", "CONF", "GEN", "THES"],
                      ["N1", "AD", "SN", "PB", "CY", "M3", "ID", "C1", "L2", "ST", "A2", "ET", "U1"],
                      abstract=PARAGRAPHS)
MEDLINE_RECORDS = records(["Journal Article", "Review", "Letter"],
                          ["OWN", "STAT", "IS", "AD", "PL", "JID", "SB", "PST", "SO", "CI", "GR", "OTO"],
                          url=st.just(""))
WOS_RECORDS = records(["Article", "Review", "Proceedings Paper"],
                      ["C1", "RP", "EM", "J9", "JI", "PD", "UT", "SN", "PU", "PI", "PA", "WC", "SC", "GA"],
                      url=st.just(""))
ENW_RECORDS = records(["Journal Article", "Book", "Conference Paper"],
                      ["%C", "%I", "%8", "%@", "%Z", "%F", "%L", "%9"], abstract=PARAGRAPHS)
BIBTEX_TYPES = ["article", "book", "inproceedings", "incollection", "misc", "phdthesis"]


@st.composite
def bibtex_records(draw):
    record = draw(records(BIBTEX_TYPES, ["publisher", "note", "series", "address", "edition", "month",
                                         "howpublished", "school", "editor"], arxiv=ARXIV))
    extra = dict(record.extra, ID=draw(st.from_regex(r"[A-Za-z][A-Za-z0-9:_-]{0,12}", fullmatch=True)),
                 ENTRYTYPE=record.pub_type)
    return replace(record, extra=extra)


def round_trip(write, parse, batch: list[RecordData]) -> list[RecordData]:
    text = write(batch)
    parsed = parse(text, "round-trip")
    assert parsed.errors == ()
    assert parsed.found == len(batch)
    return list(parsed.records)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(RIS_RECORDS, min_size=1, max_size=4))
def test_ris_round_trip(batch):
    assert round_trip(write_ris, ris.parse, batch) == batch


@PROPERTY
@given(st.lists(MEDLINE_RECORDS, min_size=1, max_size=4))
def test_medline_round_trip(batch):
    assert round_trip(write_medline, medline.parse, batch) == batch


@PROPERTY
@given(st.lists(WOS_RECORDS, min_size=1, max_size=4))
def test_wos_round_trip(batch):
    assert round_trip(write_wos, wos.parse, batch) == batch


@PROPERTY
@given(st.lists(ENW_RECORDS, min_size=1, max_size=4))
def test_enw_round_trip(batch):
    assert round_trip(write_enw, enw.parse, batch) == batch


@PROPERTY
@given(st.lists(bibtex_records(), min_size=1, max_size=4, unique_by=lambda r: r.extra["ID"].lower()))
def test_bibtex_round_trip(batch):
    assert round_trip(write_bibtex, bibtex.parse, batch) == batch


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_latex_escape_is_undone_by_the_reader(text):
    assert squash(bibtex.decode_latex(latex_escape(text))) == text


# ---------------------------------------------------------------- writers, by hand

SAMPLE = RecordData(
    title="Deep learning for {screening}: 50% less work & more_recall", abstract="First.\nSecond.",
    authors=("Müller, Jörg", "Barnes and Noble", "O'Neil, P."), year=2021, journal="J. Syst. Rev.",
    volume="10", issue="2", pages="12-20", doi="10.1000/abc.1", pmid="123456", url="https://x.org/a%20b",
    keywords=("machine learning", "screening"), pub_type="JOUR", language="eng",
    extra={"N1": ["note one", "note two"], "SN": "1234-5678"},
)


def test_ris_text_is_standard():
    text = write_ris([SAMPLE])
    lines = text.splitlines()
    assert lines[0] == "TY  - JOUR"
    assert "TI  - Deep learning for {screening}: 50% less work & more_recall" in lines
    assert lines.count("ER  - ") == 1
    assert "SP  - 12" in lines and "EP  - 20" in lines
    assert "AB  - First." in lines and "      Second." in lines  # a continuation line
    assert "AN  - 123456" in lines and "DB  - PubMed" in lines  # how EndNote carries a PMID
    assert "N1  - note one" in lines and "N1  - note two" in lines


def test_ris_writes_the_original_year_once():
    record = ris.parse("TY  - JOUR\nTI  - T\nPY  - 1948/07//\nER  - \n", "x").records[0]
    assert record.year == 1948 and record.extra == {"PY": "1948/07//"}
    text = write_ris([record])
    assert text.count("PY  -") == 1 and "PY  - 1948/07//" in text


def test_ris_keeps_a_pmid_when_accession_is_taken():
    record = replace(SAMPLE, extra={"AN": "WOS:1"})
    text = write_ris([record])
    assert "PMID  - 123456" in text
    assert ris.parse(text, "x").records[0] == record


def test_ris_writes_an_arxiv_id_as_a_url():
    record = RecordData(title="T", arxiv_id="2301.01234", pub_type="JOUR")
    back = ris.parse(write_ris([record]), "x").records[0]
    assert back.arxiv_id == "2301.01234" and back.url == "https://arxiv.org/abs/2301.01234"


def test_ris_maps_bibtex_types_and_skips_foreign_extra():
    record = RecordData(title="T", pub_type="inproceedings", extra={"ID": "key1", "publisher": "P",
                                                                   "ENTRYTYPE": "inproceedings"})
    text = write_ris([record])
    assert text.startswith("TY  - CPAPER\n")
    assert "ID  - key1" in text and "publisher" not in text and "ENTRYTYPE" not in text


def test_bibtex_entry_is_escaped_and_reads_back():
    text = write_bibtex([SAMPLE])
    assert text.startswith("@article{")
    assert r"50\% less work \& more\_recall" in text
    assert "{Barnes and Noble}" in text
    assert "pages = {12--20}" in text
    assert "url = {https://x.org/a%20b}" in text  # verbatim: no LaTeX escapes in URLs
    back = bibtex.parse(text, "x").records[0]
    assert back.title == SAMPLE.title
    assert back.authors == SAMPLE.authors
    assert back.abstract == "First. Second."  # BibTeX has no line breaks in values
    assert back.url == SAMPLE.url and back.doi == SAMPLE.doi and back.pmid == SAMPLE.pmid


def test_bibtex_keys_are_unique_and_valid():
    one = RecordData(title="A", extra={"ID": "smith 2020", "ENTRYTYPE": "article"})
    text = write_bibtex([one, one, RecordData(title="Graph neural networks", authors=("Li, X",), year=2020)])
    keys = [line.split("{", 1)[1].rstrip(",") for line in text.splitlines() if line.startswith("@")]
    assert keys == ["smith2020", "smith2020_2", "Li2020graph"]
    parsed = bibtex.parse(text, "x")
    assert parsed.errors == () and len(parsed.records) == 3


def test_bibtex_single_keyword_with_comma_stays_one():
    record = RecordData(title="T", keywords=("Boswellia, chemistry",), extra={"ID": "k", "ENTRYTYPE": "misc"},
                        pub_type="misc")
    assert bibtex.parse(write_bibtex([record]), "x").records[0] == record


def test_bibtex_arxiv_eprint():
    record = RecordData(title="T", arxiv_id="2301.01234", pub_type="misc", extra={"ID": "k", "ENTRYTYPE": "misc"})
    text = write_bibtex([record])
    assert "eprint = {2301.01234}" in text and "archiveprefix = {arXiv}" in text
    assert bibtex.parse(text, "x").records[0] == record


def test_medline_layout():
    text = write_medline([SAMPLE])
    lines = text.splitlines()
    assert lines[0] == "PMID- 123456"
    assert "FAU - Müller, Jörg" in lines and "LID - 10.1000/abc.1 [doi]" in lines and "DP  - 2021" in lines
    assert "PG  - 12-20" in lines


def test_wos_layout():
    text = write_wos([SAMPLE, SAMPLE])
    lines = text.splitlines()
    assert lines[:3] == ["FN Clarivate Analytics Web of Science", "VR 1.0", "PT J"]
    assert lines[-1] == "EF" and lines.count("ER") == 2
    assert "AF Müller, Jörg" in lines and "   Barnes and Noble" in lines  # authors: one per line
    assert "DE machine learning; screening" in lines and "BP 12" in lines and "EP 20" in lines


def test_enw_layout():
    record = replace(SAMPLE, pub_type="Journal Article", extra={})
    text = write_enw([record, record])
    lines = text.splitlines()
    assert lines[0] == "%0 Journal Article"
    assert "%A Müller, Jörg" in lines and "%R 10.1000/abc.1" in lines and "%K screening" in lines
    assert "%M 123456" in lines and "%~ PubMed" in lines
    assert "%X First." in lines and "Second." in lines  # a continuation line has no tag
    assert text.count("\n\n%0 ") == 1 and text.endswith("\n")  # records end with a blank line
    assert enw.parse(text, "x").records == (record, record)


@pytest.mark.parametrize("write", [write_ris, write_bibtex, write_medline, write_enw])
def test_no_records_gives_empty_text(write):
    assert write([]) == ""


@pytest.mark.parametrize(("write", "parse"), [(write_ris, ris.parse), (write_bibtex, bibtex.parse),
                                              (write_medline, medline.parse), (write_wos, wos.parse),
                                              (write_enw, enw.parse)])
def test_writers_accept_records_from_other_formats(write, parse):
    """A record from a CSV (extra keys with spaces, no pub_type) exports and reads back its core."""
    record = RecordData(title="Title", authors=("A, B",), year=2020, doi="10.1000/x",
                        extra={"Notes column": "n", "screening label": "include"})
    back = parse(write([record]), "x").records[0]
    assert (back.title, back.authors, back.year, back.doi) == ("Title", ("A, B",), 2020, "10.1000/x")
