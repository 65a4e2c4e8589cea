"""PubMed XML: fields, extra, rejections with element and line, and a write -> read property."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.core.records import RecordData
from screener.io import pubmed_xml
from screener.io.reader import read_bytes
from screener.io.text import squash

DOCTYPE = ('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN"'
           ' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n')

SAMPLE = DOCTYPE + """<PubmedArticleSet>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">123</PMID>
    <DateRevised><Year>2019</Year><Month>11</Month><Day>6</Day></DateRevised>
    <Article PubModel="Print">
      <Journal>
        <ISSN IssnType="Electronic">1532-1940</ISSN>
        <JournalIssue><Volume>57</Volume><Issue>2</Issue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue>
        <Title>The Journal</Title>
      </Journal>
      <ArticleTitle>A <i>new</i> device.</ArticleTitle>
      <Pagination><MedlinePgn>113-9</MedlinePgn></Pagination>
      <ELocationID EIdType="doi" ValidYN="Y">10.1016/J.X.2019.09.011</ELocationID>
      <ELocationID EIdType="pii" ValidYN="Y">S0266</ELocationID>
      <Abstract>
        <AbstractText Label="BACKGROUND">Why.</AbstractText>
        <AbstractText Label="RESULTS">What.</AbstractText>
      </Abstract>
      <AuthorList>
        <Author><LastName>Kimura</LastName><ForeName>M</ForeName>
          <AffiliationInfo><Affiliation>Ogaki</Affiliation></AffiliationInfo></Author>
        <Author><CollectiveName>The Group</CollectiveName></Author>
      </AuthorList>
      <Language>eng</Language>
      <PublicationTypeList><PublicationType>Journal Article</PublicationType><PublicationType>Review</PublicationType></PublicationTypeList>
    </Article>
    <MeshHeadingList>
      <MeshHeading><DescriptorName MajorTopicYN="Y">Cysts</DescriptorName><QualifierName MajorTopicYN="N">surgery</QualifierName></MeshHeading>
      <MeshHeading><DescriptorName MajorTopicYN="N">Humans</DescriptorName></MeshHeading>
    </MeshHeadingList>
    <KeywordList><Keyword>decompression</Keyword><Keyword>silicone</Keyword></KeywordList>
  </MedlineCitation>
  <PubmedData>
    <History><PubMedPubDate PubStatus="received"><Year>2019</Year><Month>6</Month><Day>7</Day></PubMedPubDate></History>
    <ArticleIdList><ArticleId IdType="pubmed">123</ArticleId><ArticleId IdType="pmc">PMC9</ArticleId></ArticleIdList>
  </PubmedData>
</PubmedArticle>
<PubmedArticle>
  <MedlineCitation><Article><Journal><Title>J</Title></Journal></Article></MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
"""


def test_fields_extra_and_rejection():
    parsed = pubmed_xml.parse(SAMPLE, "p.xml")
    assert parsed.found == 2 and parsed.source_hint == "PubMed"
    rec = parsed.records[0]
    assert rec.title == "A new device."
    assert rec.abstract == "BACKGROUND: Why.\nRESULTS: What."
    assert rec.authors == ("Kimura, M", "The Group")
    assert (rec.year, rec.journal, rec.volume, rec.issue, rec.pages) == (1998, "The Journal", "57", "2", "113-9")
    assert (rec.doi, rec.pmid, rec.language, rec.pub_type) == ("10.1016/j.x.2019.09.011", "123", "eng", "Journal Article")
    assert rec.keywords == ("decompression", "silicone")
    assert rec.line == 4
    assert rec.extra["MeshHeading"] == ["*Cysts/surgery", "Humans"]
    assert rec.extra["PublicationType"] == ["Journal Article", "Review"]
    assert rec.extra["DateRevised"] == "2019-11-06"
    assert rec.extra["PubMedPubDate"] == "received: 2019-06-07"
    assert rec.extra["ArticleId:pmc"] == "PMC9"
    assert rec.extra["ELocationID:pii"] == "S0266"
    assert rec.extra["Affiliation"] == "Ogaki"
    assert rec.extra["ISSN"] == "1532-1940"
    assert [e.as_dict() for e in parsed.errors] == [
        {"line": 41, "reason": "record has no title", "element": "PubmedArticle[2]"}]


def test_detected_and_read_through_the_reader():
    parsed = read_bytes(SAMPLE.encode(), "export.txt")
    assert parsed.format == "pubmed_xml" and parsed.found == 2


def test_book_article():
    text = """<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID>5</PMID>
      <ArticleTitle>Chapter</ArticleTitle><Book><BookTitle>Book</BookTitle><PubDate><Year>2001</Year></PubDate></Book>
      <AuthorList><Author><LastName>A</LastName><Initials>B</Initials></Author></AuthorList>
      </BookDocument></PubmedBookArticle></PubmedArticleSet>"""
    rec = pubmed_xml.parse(text, "b.xml").records[0]
    assert (rec.title, rec.pmid, rec.year, rec.authors) == ("Chapter", "5", 2001, ("A, B",))


def test_broken_xml_names_its_line():
    with pytest.raises(FileFormatError) as exc:
        pubmed_xml.parse("<PubmedArticleSet>\n<PubmedArticle>\n</Oops>\n", "p.xml")
    assert exc.value.line == 3 and "broken XML" in exc.value.reason


def test_other_xml_root_is_refused():
    with pytest.raises(FileFormatError, match="not PubMed XML"):
        pubmed_xml.parse("<html><body/></html>", "p.xml")


# --- property: a small PubMed writer, then our reader ----------------------------------------

_chars = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
_line = st.text(_chars, min_size=1, max_size=25).map(squash).filter(bool)
_para = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"), whitelist_characters="\n"),
                min_size=1, max_size=40).map(str.strip).filter(bool)


@st.composite
def pubmed_records(draw) -> tuple[RecordData, list[tuple[str, str]]]:
    opt = lambda s: draw(st.one_of(st.just(""), s))  # noqa: E731
    names = draw(st.lists(st.tuples(_line.filter(lambda s: "," not in s), _line), max_size=3))
    rec = RecordData(
        title=draw(_line), abstract=opt(_para), authors=tuple(f"{a}, {b}" for a, b in names),
        year=draw(st.one_of(st.none(), st.integers(1800, 2100))), journal=opt(_line), volume=opt(_line),
        issue=opt(_line), pages=opt(_line),
        doi=opt(st.from_regex(r"\A10\.[0-9]{4,6}/[a-z0-9]{1,8}\Z")),
        pmid=opt(st.integers(1, 40000000).map(str)),
        keywords=tuple(draw(st.lists(_line, max_size=3))), pub_type=opt(_line), language=opt(_line),
    )
    return rec, names


def write_pubmed(items: list[tuple[RecordData, list[tuple[str, str]]]]) -> str:
    """A minimal PubMed XML writer for the test, element names as NLM's DTD has them."""
    root = ET.Element("PubmedArticleSet")
    for rec, names in items:
        cite = ET.SubElement(ET.SubElement(root, "PubmedArticle"), "MedlineCitation")
        if rec.pmid:
            ET.SubElement(cite, "PMID").text = rec.pmid
        art = ET.SubElement(cite, "Article")
        journal = ET.SubElement(art, "Journal")
        issue = ET.SubElement(journal, "JournalIssue")
        for tag, value in (("Volume", rec.volume), ("Issue", rec.issue)):
            if value:
                ET.SubElement(issue, tag).text = value
        if rec.year:
            ET.SubElement(ET.SubElement(issue, "PubDate"), "Year").text = str(rec.year)
        if rec.journal:
            ET.SubElement(journal, "Title").text = rec.journal
        ET.SubElement(art, "ArticleTitle").text = rec.title
        if rec.pages:
            ET.SubElement(ET.SubElement(art, "Pagination"), "MedlinePgn").text = rec.pages
        if rec.doi:
            ET.SubElement(art, "ELocationID", EIdType="doi").text = rec.doi
        if rec.abstract:
            ET.SubElement(ET.SubElement(art, "Abstract"), "AbstractText").text = rec.abstract
        if names:
            alist = ET.SubElement(art, "AuthorList")
            for last, fore in names:
                author = ET.SubElement(alist, "Author")
                ET.SubElement(author, "LastName").text = last
                ET.SubElement(author, "ForeName").text = fore
        if rec.language:
            ET.SubElement(art, "Language").text = rec.language
        if rec.pub_type:
            ET.SubElement(ET.SubElement(art, "PublicationTypeList"), "PublicationType").text = rec.pub_type
        if rec.keywords:
            klist = ET.SubElement(cite, "KeywordList")
            for k in rec.keywords:
                ET.SubElement(klist, "Keyword").text = k
    return DOCTYPE + ET.tostring(root, encoding="unicode")


@settings(max_examples=40, deadline=None)
@given(st.lists(pubmed_records(), min_size=1, max_size=4))
def test_written_pubmed_xml_reads_back_equal(items):
    parsed = read_bytes(write_pubmed(items).encode("utf-8"), "gen.xml")
    assert parsed.format == "pubmed_xml"
    assert list(parsed.records) == [rec for rec, _ in items]
