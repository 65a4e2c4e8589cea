"""The MEDLINE (PubMed .nbib) reader."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.io import medline

RECORD = """PMID- 28754806
OWN - NLM
DP  - 2018 Apr
TI  - Impact of balloon guide catheter on technical and clinical outcomes: a systematic 
      review and meta-analysis.
PG  - 335-339
LID - 10.1136/neurintsurg-2017-013179 [doi]
AB  - BACKGROUND AND PURPOSE: Flow arrest with balloon guide catheters is becoming
      increasingly recognized.
FAU - Brinjikji, Waleed
AU  - Brinjikji W
FAU - Kallmes, David F
AU  - Kallmes DF
LA  - eng
PT  - Journal Article
PT  - Review
TA  - J Neurointerv Surg
JT  - Journal of neurointerventional surgery
VI  - 10
IP  - 4
MH  - Humans
MH  - Stroke/*surgery
AID - neurintsurg-2017-013179 [pii]
AID - 10.1136/NEURINTSURG-2017-013179 [doi]
"""


def parse(text: str):
    return medline.parse(text, "test.nbib")


def test_record_maps_core_fields():
    (r,) = parse(RECORD).records
    assert r.pmid == "28754806"
    assert r.title == ("Impact of balloon guide catheter on technical and clinical outcomes: "
                       "a systematic review and meta-analysis.")
    assert r.abstract.endswith("catheters is becoming increasingly recognized.")
    assert r.authors == ("Brinjikji, Waleed", "Kallmes, David F")
    assert (r.year, r.journal, r.volume, r.issue, r.pages) == (2018, "Journal of neurointerventional surgery",
                                                               "10", "4", "335-339")
    assert r.doi == "10.1136/neurintsurg-2017-013179"
    assert r.keywords == ("Humans", "Stroke/*surgery")  # MeSH when there are no other terms
    assert (r.pub_type, r.language) == ("Journal Article", "eng")
    assert r.extra["AU"] == ["Brinjikji W", "Kallmes DF"]
    assert r.extra["PT"] == "Review" and r.extra["DP"] == "2018 Apr" and r.extra["TA"] == "J Neurointerv Surg"
    assert r.extra["AID"] == ["neurintsurg-2017-013179 [pii]", "10.1136/NEURINTSURG-2017-013179 [doi]"]
    assert r.line == 1


def test_records_split_at_blank_lines_and_at_a_second_pmid():
    text = "\n" + RECORD + "\n\n" + RECORD.replace("28754806", "1") + RECORD.replace("28754806", "2")
    parsed = parse(text.replace("\n", "\r\n"))
    assert [r.pmid for r in parsed.records] == ["28754806", "1", "2"]
    assert [r.line for r in parsed.records] == [2, 28, 52]


def test_author_keywords_win_over_mesh():
    (r,) = parse(RECORD + "OT  - balloon guide\nOT  - stroke\n").records
    assert r.keywords == ("balloon guide", "stroke") and r.extra["MH"] == ["Humans", "Stroke/*surgery"]


def test_eric_record_without_pmid():
    text = ("\nOWN - ERIC\nTI  - Paper title\nAU  - Smith, Tom\nOT  - Keyword 1\nJT  - Journal Name\n"
            "AID - http://dx.doi.org/10.1000/123456789\nISSN - ISSN-1234-4567\nDP  - 2000\n")
    parsed = parse(text)
    (r,) = parsed.records
    assert (r.title, r.authors, r.doi, r.year) == ("Paper title", ("Smith, Tom",), "10.1000/123456789", 2000)
    assert r.extra["ISSN"] == "ISSN-1234-4567"
    assert parsed.source_hint == "ERIC" and r.line == 2


def test_empty_abstract_tag_is_no_value():
    (r,) = parse("PMID- 1\nTI  - T\nAB  - \nOAB - Publisher: abstract elsewhere\n").records
    assert r.abstract == "" and "AB" not in r.extra and r.extra["OAB"] == "Publisher: abstract elsewhere"


def test_record_without_title_or_ids_is_rejected():
    parsed = parse("OWN - NLM\nSTAT- Publisher\n\nPMID- 5\nSTAT- MEDLINE\n")
    assert parsed.found == 2 and len(parsed.records) == 1 and parsed.records[0].pmid == "5"
    assert parsed.errors[0].line == 1


def test_source_hint_pubmed():
    assert parse(RECORD).source_hint == "PubMed"


def test_no_records_is_a_file_error():
    with pytest.raises(FileFormatError):
        parse("nothing here\n  at all\n")


def test_sniff():
    assert medline.sniff("\nPMID- 30689646\nOWN - NLM\n")
    assert medline.sniff("\nOWN - ERIC\nTI  - Paper title\n")
    assert not medline.sniff("TY  - JOUR\nTI  - x\nER  - \n")
    assert not medline.sniff("FN Clarivate Analytics Web of Science\nPT J\n")


LINE = st.one_of(
    st.builds(lambda t, v: f"{t:<4}- {v}", st.sampled_from(["PMID", "TI", "AB", "FAU", "AU", "DP", "LID", "MH", "OWN"]),
              st.text(max_size=20)),
    st.sampled_from(["", "      continued text", "PMID- 123", "garbage"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_any_lines_give_honest_counts(lines):
    text = "\n".join(lines)
    try:
        parsed = parse(text)
    except FileFormatError:
        return
    pmids = len(re.findall(r"^PMID- ", text, re.MULTILINE))
    assert parsed.found >= pmids
    assert parsed.found == len(parsed.records) + len(parsed.errors)
