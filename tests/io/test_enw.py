"""The EndNote tagged (.enw) reader."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.io import enw

RECORD = """%0 Journal Article
%T How Trust Leads to Commitment on Microsourcing Platforms
%A Guo, Wenbo
%A Straub, Detmar W.
%B Management Information Systems Quarterly
%D 2021
%8 September  1, 2021
%V 45
%N 3
%P 1309-1348
%R 10.25300/MISQ/2021/15634
%U https://aisel.aisnet.org/misq/vol45/iss3/13
%K trust
commitment
%X First paragraph.
Second paragraph.
"""


def parse(text: str):
    return enw.parse(text, "test.enw")


def test_record_maps_core_fields():
    (r,) = parse(RECORD).records
    assert r.title == "How Trust Leads to Commitment on Microsourcing Platforms"
    assert r.authors == ("Guo, Wenbo", "Straub, Detmar W.")
    assert (r.journal, r.year, r.volume, r.issue, r.pages) == ("Management Information Systems Quarterly",
                                                               2021, "45", "3", "1309-1348")
    assert r.doi == "10.25300/misq/2021/15634" and r.extra["%R"] == "10.25300/MISQ/2021/15634"
    assert r.url == "https://aisel.aisnet.org/misq/vol45/iss3/13"
    assert r.keywords == ("trust", "commitment")  # continuation lines of %K are keywords
    assert r.abstract == "First paragraph.\nSecond paragraph."
    assert r.pub_type == "Journal Article" and r.extra["%8"] == "September  1, 2021"


def test_records_start_with_any_tag_after_a_blank_line():
    # colrev's EndNote files put %T first, and some records have no %0 at all.
    text = "%T First\n%0 Journal Article\n%D 2021\n\n\n%T Second\n%B Journal\n\n"
    parsed = parse(text)
    assert [(r.title, r.pub_type, r.line) for r in parsed.records] == [("First", "Journal Article", 1),
                                                                       ("Second", "", 6)]


def test_a_second_percent_zero_starts_a_new_record():
    parsed = parse("%0 Book\n%T One\n%0 Book\n%T Two\n")
    assert [r.title for r in parsed.records] == ["One", "Two"]


def test_pmid_from_accession_number_of_a_pubmed_record():
    (r,) = parse("%0 Journal Article\n%T T\n%M 21553931\n%~ PubMed\n").records
    assert r.pmid == "21553931" and r.extra == {}


def test_record_without_title_or_identifier_is_rejected():
    parsed = parse("%0 Journal Article\n%A Only, An Author\n\n" + RECORD)
    assert parsed.found == 2 and parsed.errors[0].line == 1


def test_crlf_and_bom():
    parsed = parse("\ufeff" + RECORD.replace("\n", "\r\n"))
    assert parsed.records[0].keywords == ("trust", "commitment")


def test_no_records_is_a_file_error():
    with pytest.raises(FileFormatError):
        parse("plain text\nno tags\n")


def test_sniff():
    assert enw.sniff(RECORD)
    assert enw.sniff("%T A title\n%A Someone\n")
    assert not enw.sniff("% a BibTeX comment\n@article{x, title={y}}\n")
    assert not enw.sniff("TY  - JOUR\n")


LINE = st.one_of(
    st.builds(lambda t, v: f"{t} {v}", st.sampled_from(["%0", "%T", "%A", "%D", "%K", "%X", "%R"]), st.text(max_size=15)),
    st.sampled_from(["", "continued", "%0 Book"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_any_lines_give_honest_counts(lines):
    text = "\n".join(lines)
    try:
        parsed = parse(text)
    except FileFormatError:
        return
    blocks = [b for b in re.split(r"\n\s*\n", "\n" + text + "\n") if re.search(r"^%\S", b, re.MULTILINE)]
    assert parsed.found >= len(blocks)
    assert parsed.found == len(parsed.records) + len(parsed.errors)
