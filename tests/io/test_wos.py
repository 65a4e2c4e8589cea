"""The Web of Science plain-text reader, including the broken records WoS files can have."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.io import wos

HEADER = "FN Clarivate Analytics Web of Science\nVR 1.0\n"
RECORD = """PT J
AU Marghetis, T
   Nunez, R
AF Marghetis, Tyler
   Nunez, Rafael
TI The Motion Behind the Symbols: A Vital Role for Dynamism in the
   Conceptualization of Limits and Continuity in Expert Mathematics
SO TOPICS IN COGNITIVE SCIENCE
LA English
DT Article
DE Gesture; Mathematics; Concepts
ID CONCEPTUAL METAPHOR
AB The abstract.
C1 [Marghetis, Tyler] Univ Calif San Diego, La Jolla, CA 92093 USA.
   [Nunez, Rafael] Univ Calif San Diego, La Jolla, CA 92093 USA.
CR Alibali MW, 2012, MATH THINK LEARN, V14, P1
   Barsalou L. W., 2008, ANNU REV PSYCHOL, V59, P617
NR 2
PY 2013
VL 5
IS 2
BP 299
EP 316
DI 10.1111/tops.12013
PM 23460466
UT WOS:000316836900007
ER
"""


def parse(text: str):
    return wos.parse(text, "savedrecs.txt")


def test_record_maps_core_fields():
    parsed = parse("\ufeff" + HEADER + RECORD + "\nEF\n")
    (r,) = parsed.records
    assert r.title.startswith("The Motion Behind the Symbols") and r.title.endswith("Expert Mathematics")
    assert r.authors == ("Marghetis, Tyler", "Nunez, Rafael")
    assert (r.journal, r.year, r.volume, r.issue, r.pages) == ("TOPICS IN COGNITIVE SCIENCE", 2013, "5", "2", "299-316")
    assert (r.doi, r.pmid, r.pub_type, r.language) == ("10.1111/tops.12013", "23460466", "Article", "English")
    assert r.keywords == ("Gesture", "Mathematics", "Concepts")
    assert r.extra["AU"] == ["Marghetis, T", "Nunez, R"]
    assert r.extra["C1"][1].startswith("[Nunez, Rafael]")
    assert r.extra["CR"] == ["Alibali MW, 2012, MATH THINK LEARN, V14, P1",
                             "Barsalou L. W., 2008, ANNU REV PSYCHOL, V59, P617"]
    assert "PT" not in r.extra  # "J" is what the writer puts back
    assert r.line == 3 and parsed.source_hint == "Web of Science"


def test_missing_er_and_ef_lose_nothing():
    parsed = parse(HEADER + RECORD + RECORD.replace("ER\n", ""))
    assert parsed.found == 2 and len(parsed.records) == 2


def test_a_book_keeps_its_publication_type():
    (r,) = parse(RECORD.replace("PT J", "PT B")).records
    assert r.extra["PT"] == "B"


def test_tag_glued_to_its_value_rejects_the_record():
    broken = RECORD.replace("AU Marghetis, T", "AUMarghetis, T")
    parsed = parse(HEADER + RECORD + "\n" + broken + "EF\n")
    assert parsed.found == 2 and len(parsed.records) == 1
    (error,) = parsed.errors
    assert error.line == 31 and "line 32" in error.reason and "AUMarghetis" in error.reason


def test_lost_cr_tag_is_caught_by_the_reference_count():
    # metaknowledge's badFile.isi: the CR tag line is gone, so references ran into C1.
    broken = RECORD.replace("CR Alibali", "   Alibali").replace("NR 2", "NR 2\nCR Extra ref, 1999")
    parsed = parse(HEADER + broken)
    assert parsed.records == ()
    assert "NR says 2 cited references but CR holds 1" in parsed.errors[0].reason


def test_record_without_title_is_rejected():
    parsed = parse(HEADER + "PT J\nAU X, Y\nSO JOURNAL\nER\n" + RECORD)
    assert parsed.found == 2 and parsed.errors[0].line == 3


def test_tags_outside_records_are_reported():
    parsed = parse(HEADER + "AU Lost, A\nTI Lost title\nER\n" + RECORD)
    assert parsed.found == 2 and "outside a record" in parsed.errors[0].reason


def test_no_records_is_a_file_error():
    with pytest.raises(FileFormatError, match="no Web of Science records"):
        parse(HEADER + "EF\n")


def test_sniff():
    assert wos.sniff("\ufeffFN Thomson Reuters Web of Science\nVR 1.0\nPT J\nAU Kim, S\n")
    assert wos.sniff("PT J\nAU John, D\nTI Example\n")
    assert not wos.sniff("TY  - JOUR\nAU  - x\n")
    assert not wos.sniff("PMID- 1\nTI  - x\n")


LINE = st.one_of(
    st.builds(lambda t, v: f"{t} {v}", st.sampled_from(["PT", "AU", "TI", "SO", "CR", "NR", "DI", "PY", "ER", "EF"]),
              st.text(max_size=15)),
    st.sampled_from(["PT J", "ER", "", "   continued", "AUGlued", "FN Web of Science"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_any_lines_give_honest_counts(lines):
    text = "\n".join(lines)
    starts = len(re.findall(r"^PT ", text, re.MULTILINE))
    try:
        parsed = parse(text)
    except FileFormatError:
        assert starts == 0
        return
    assert parsed.found >= starts
    assert parsed.found == len(parsed.records) + len(parsed.errors)
    assert len(parsed.records) <= starts
