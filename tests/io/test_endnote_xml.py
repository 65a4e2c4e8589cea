"""EndNote XML: fields, extra paths, rejections, and a write -> read property."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.core.records import RecordData
from screener.io import endnote_xml
from screener.io.reader import read_bytes
from screener.io.text import squash


def _s(text: str) -> str:
    return f'<style face="normal" font="default" size="100%">{text}</style>'


SAMPLE = f"""<?xml version="1.0" encoding="UTF-8" ?><xml><records>
<record><database name="My.enl" path="C:\\x">My.enl</database><ref-type name="Journal Article">17</ref-type>
<contributors><authors><author>{_s("Blichert-Toft, M.")}</author><author>{_s("Andersen, J.")}</author></authors>
<secondary-authors><author>{_s("Ed, E.")}</author></secondary-authors></contributors>
<titles><title>{_s("In situ ")}{_s("carcinomas")}</title><secondary-title>{_s("Acta Chir")}</secondary-title>
<alt-title>{_s("Acta")}</alt-title></titles>
<periodical><full-title>{_s("Acta Chirurgica")}</full-title></periodical>
<pages>{_s("113-9")}</pages><volume>{_s("156")}</volume><number>{_s("2")}</number>
<keywords><keyword>{_s("Breast")}</keyword><keyword>{_s("*Carcinoma")}</keyword></keywords>
<dates><year>{_s("1990")}</year><pub-dates><date>{_s("Feb")}</date></pub-dates></dates>
<accession-num>{_s("2158737")}</accession-num><electronic-resource-num>{_s("https://doi.org/10.1000/ABC")}</electronic-resource-num>
<urls><related-urls><url>{_s("http://a")}</url><url>{_s("http://b")}</url></related-urls></urls>
<abstract>{_s("Line one.")}
{_s("Line two.")}</abstract>
<remote-database-name>{_s("MEDLINE")}</remote-database-name><language>{_s("eng")}</language></record>
<record><ref-type name="Report">27</ref-type><dates><year>{_s("2001")}</year></dates></record>
</records></xml>"""


def test_fields_extra_and_rejection():
    parsed = endnote_xml.parse(SAMPLE, "e.xml")
    assert parsed.found == 2
    rec = parsed.records[0]
    assert rec.title == "In situ carcinomas"
    assert rec.authors == ("Blichert-Toft, M.", "Andersen, J.")
    assert (rec.journal, rec.pages, rec.volume, rec.issue, rec.year) == ("Acta Chirurgica", "113-9", "156", "2", 1990)
    assert rec.keywords == ("Breast", "*Carcinoma")
    assert (rec.doi, rec.pmid, rec.url, rec.pub_type, rec.language) == (
        "10.1000/abc", "2158737", "http://a", "Journal Article", "eng")
    assert rec.abstract == "Line one.\nLine two."
    assert rec.line == 2
    assert rec.extra["titles/secondary-title"] == "Acta Chir"
    assert rec.extra["titles/alt-title"] == "Acta"
    assert rec.extra["contributors/secondary-authors/author"] == "Ed, E."
    assert rec.extra["urls/related-urls/url"] == "http://b"
    assert rec.extra["dates/pub-dates/date"] == "Feb"
    assert "database@name" not in rec.extra and rec.extra["database"] == "My.enl"
    assert rec.extra["ref-type"] == "17"
    assert [e.as_dict() for e in parsed.errors] == [{"line": 16, "reason": "record has no title", "element": "record[2]"}]


def test_accession_number_is_no_pmid_outside_pubmed():
    text = f"<xml><records><record><titles><title>T</title></titles><accession-num>{_s('WOS:1')}</accession-num></record></records></xml>"
    rec = endnote_xml.parse(text, "e.xml").records[0]
    assert rec.pmid == "" and rec.extra["accession-num"] == "WOS:1"


def test_secondary_title_is_the_journal_without_a_periodical():
    text = f"<xml><records><record><titles><title>T</title><secondary-title>{_s('Conf')}</secondary-title></titles></record></records></xml>"
    assert endnote_xml.parse(text, "e.xml").records[0].journal == "Conf"


def test_not_endnote_root_is_refused():
    with pytest.raises(FileFormatError, match="not EndNote XML"):
        endnote_xml.parse("<PubmedArticleSet/>", "e.xml")


def test_truncated_file_is_a_clear_error():
    with pytest.raises(FileFormatError) as exc:
        endnote_xml.parse(SAMPLE[: len(SAMPLE) // 2], "e.xml")
    assert "broken XML" in exc.value.reason and exc.value.line


# --- property --------------------------------------------------------------------------------

_chars = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
_line = st.text(_chars, min_size=1, max_size=25).map(squash).filter(bool)
_para = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"), whitelist_characters="\n"),
                min_size=1, max_size=40).map(str.strip).filter(bool)


@st.composite
def endnote_records(draw) -> RecordData:
    opt = lambda s: draw(st.one_of(st.just(""), s))  # noqa: E731
    return RecordData(
        title=draw(_line), abstract=opt(_para), authors=tuple(draw(st.lists(_line, max_size=3))),
        year=draw(st.one_of(st.none(), st.integers(1800, 2100))), journal=opt(_line), volume=opt(_line),
        issue=opt(_line), pages=opt(_line), doi=opt(st.from_regex(r"\A10\.[0-9]{4,6}/[a-z0-9]{1,8}\Z")),
        url=opt(_line), keywords=tuple(draw(st.lists(_line, max_size=3))), pub_type=opt(_line),
        language=opt(_line),
    )


def write_endnote(recs: list[RecordData]) -> str:
    """A minimal EndNote XML writer for the test: every value in a <style> run, as EndNote does."""
    root = ET.Element("xml")
    records = ET.SubElement(root, "records")

    def field(parent: ET.Element, path: str, value: str) -> None:
        node = parent
        for tag in path.split("/"):
            node = ET.SubElement(node, tag)
        ET.SubElement(node, "style", face="normal", font="default", size="100%").text = value

    for rec in recs:
        el = ET.SubElement(records, "record")
        if rec.pub_type:
            ET.SubElement(el, "ref-type", name=rec.pub_type)
        if rec.authors:
            authors = ET.SubElement(ET.SubElement(el, "contributors"), "authors")
            for a in rec.authors:
                field(authors, "author", a)
        field(el, "titles/title", rec.title)
        if rec.journal:
            field(el, "periodical/full-title", rec.journal)
        for path, value in (("pages", rec.pages), ("volume", rec.volume), ("number", rec.issue),
                            ("electronic-resource-num", rec.doi), ("abstract", rec.abstract),
                            ("language", rec.language), ("urls/related-urls/url", rec.url)):
            if value:
                field(el, path, value)
        if rec.keywords:
            kws = ET.SubElement(el, "keywords")
            for k in rec.keywords:
                field(kws, "keyword", k)
        if rec.year:
            field(el, "dates/year", str(rec.year))
    return '<?xml version="1.0" encoding="UTF-8" ?>' + ET.tostring(root, encoding="unicode")


@settings(max_examples=40, deadline=None)
@given(st.lists(endnote_records(), min_size=1, max_size=4))
def test_written_endnote_xml_reads_back_equal(recs):
    parsed = read_bytes(write_endnote(recs).encode("utf-8"), "library.xml")
    assert parsed.format == "endnote_xml"
    assert list(parsed.records) == recs
