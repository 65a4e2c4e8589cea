"""The RIS reader: every quirk real exports have, honest counts, rejected records with lines."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.io import ris
from screener.io.text import decode_bytes

BASIC = """TY  - JOUR
TI  - A Mathematical Theory of Communication
AU  - Shannon, Claude E.
PY  - 1948/07//
JF  - Bell System Technical Journal
SP  - 379
EP  - 423
VL  - 27
DO  - https://doi.org/10.1002/J.1538-7305.1948.TB01338.X
ER  - 
"""


def parse(text: str):
    return ris.parse(text, "test.ris")


def titles(parsed) -> list[str]:
    return [r.title for r in parsed.records]


def test_basic_record_maps_core_fields_and_keeps_originals():
    (r,) = parse(BASIC).records
    assert r.title == "A Mathematical Theory of Communication"
    assert r.authors == ("Shannon, Claude E.",)
    assert r.year == 1948 and r.journal == "Bell System Technical Journal"
    assert (r.volume, r.pages, r.pub_type) == ("27", "379-423", "JOUR")
    assert r.doi == "10.1002/j.1538-7305.1948.tb01338.x"
    # What normalising changed stays in extra as the file wrote it: nothing is lost.
    assert r.extra == {"PY": "1948/07//", "DO": "https://doi.org/10.1002/J.1538-7305.1948.TB01338.X"}
    assert r.line == 1


def test_bom_crlf_and_missing_final_er():
    text = "\ufeff" + BASIC.replace("ER  - \n", "ER  - \n\nTY  - JOUR\nTI  - Second\n").replace("\n", "\r\n")
    parsed = parse(text)
    assert titles(parsed) == ["A Mathematical Theory of Communication", "Second"]
    assert parsed.records[1].line == 12


def test_lone_cr_line_ends():
    parsed = parse("TY  - JOUR\rTI  - Old Mac\rER  - \r")
    assert titles(parsed) == ["Old Mac"]


@pytest.mark.parametrize("start", ["TY - JOUR", "TY  -", "TY  - ", "TY\t- JOUR", "TY -"])
def test_loose_start_lines_still_start_records(start):
    parsed = parse(f"{start}\nTI  - One\nER  -\n{start}\nTI - Two\nER  -\n")
    assert titles(parsed) == ["One", "Two"]
    assert parsed.found == 2


def test_four_letter_pmid_tag_and_one_space_tags():
    parsed = parse("TY  - JOUR\nTI  - T\nPMID  - 33355555\nKW - k1\nER  - \n")
    (r,) = parsed.records
    assert r.pmid == "33355555" and r.keywords == ("k1",)
    assert "PMID" not in r.extra


def test_pmid_from_endnote_accession_number():
    text = "TY  - JOUR\nTI  - T\nAN  - 21553931\nDP  - NLM\nER  - \n"
    (r,) = parse(text).records
    assert r.pmid == "21553931"
    assert r.extra == {"AN": "21553931", "DP": "NLM"}  # derived, so kept as written


def test_accession_number_of_other_databases_is_no_pmid():
    (r,) = parse("TY  - JOUR\nTI  - T\nAN  - 2214991469\nDB  - PTSDpubs\nER  - \n").records
    assert r.pmid == "" and r.extra["AN"] == "2214991469"


def test_continuation_lines_list_tags_give_items_text_tags_keep_lines():
    text = """TY  - JOUR
TI  - Title
KW  - Animals
Boswellia/*chemistry
Humans
N1  - first line
      * second line
AB  - Paragraph one.
Paragraph two.
ER  - 
"""
    (r,) = parse(text).records
    assert r.keywords == ("Animals", "Boswellia/*chemistry", "Humans")
    assert r.extra["N1"] == "first line\n* second line"
    assert r.abstract == "Paragraph one.\nParagraph two."


def test_er_inside_text_is_not_an_end_tag():
    # From rispy's multiline example: a continuation line that begins with "ER".
    text = "TY  - JOUR\nTI  - T\nN2  - first line,\nER then second line\nER  -\n"
    (r,) = parse(text).records
    assert r.abstract == "first line,\nER then second line"


def test_loose_er_or_ty_with_prose_after_it_is_a_continuation():
    text = "TY - JOUR\nTI - T\nAB - Tumours were\nER - and PR-positive in most.\nTY - the end\nER -\n"
    (r,) = parse(text).records
    assert r.abstract == "Tumours were\nER - and PR-positive in most.\nTY - the end"


def test_title_continuation_is_joined_on_one_line():
    (r,) = parse("TY  - JOUR\nTI  - A title that\n   goes on\nER  - \n").records
    assert r.title == "A title that goes on"


def test_repeated_tags_keep_every_value():
    text = "TY  - JOUR\nTI  - T\nSN  - 1\nSN  - 2\nUR  - http://a.org\nUR  - http://b.org\nTI  - Other title\nER  - \n"
    (r,) = parse(text).records
    assert r.extra["SN"] == ["1", "2"]
    assert r.url == "http://a.org" and r.extra["UR"] == "http://b.org"
    assert r.extra["TI"] == "Other title"


def test_authors_from_au_and_a1_other_author_tags_in_extra():
    (r,) = parse("TY  - JOUR\nTI  - T\nAU  - A\nA1  - B\nA2  - Editor\nER  - \n").records
    assert r.authors == ("A", "B") and r.extra == {"A2": "Editor"}


def test_url_list_in_one_value():
    (r,) = parse("TY  - JOUR\nTI  - T\nUR  - http://example.com; http://www.example.com\nER  - \n").records
    assert r.url == "http://example.com"
    assert r.extra["UR"] == "http://example.com; http://www.example.com"


def test_header_and_numbering_lines_are_not_records():
    text = "Provider: JSTOR\nDatabase: JSTOR\n\n1.\n" + BASIC + "\nRecord #2 of 2\n2.\n" + BASIC
    parsed = parse(text)
    assert parsed.found == 2 and len(parsed.records) == 2


def test_tags_after_er_belong_to_that_record():
    # Ovid writes the journal abbreviation after ER.
    text = BASIC + "NL  - Bell Syst Tech J\n\nLink to the Ovid Full Text\n" + BASIC
    parsed = parse(text)
    assert parsed.found == 2
    assert parsed.records[0].extra["NL"] == "Bell Syst Tech J\nLink to the Ovid Full Text"


def test_tags_without_ty_are_a_rejected_record():
    parsed = parse(BASIC + "UK  - Unknown Tag\nER  -\n")
    assert parsed.found == 2 and len(parsed.records) == 1
    assert parsed.errors[0].line == 11 and "TY" in parsed.errors[0].reason
    parsed = parse("AU  - Someone\nTI  - Lost start\nER  -\n" + BASIC)
    assert (parsed.found, len(parsed.records), parsed.errors[0].line) == (2, 1, 1)


def test_empty_and_titleless_records_are_rejected_with_their_line():
    text = "TY  -\nER  -\n\nTY  - GEN\nN1  - only a note\nER  -\n\nTY  - GEN\nN2  - only an abstract\nER  -\n"
    parsed = parse(text)
    assert parsed.found == 3
    assert [(e.line, e.reason.split(" (")[0]) for e in parsed.errors] == [
        (1, "empty record"), (4, "record has no title, abstract or identifier")]
    assert parsed.records[0].abstract == "only an abstract"


def test_record_with_only_a_doi_is_kept():
    (r,) = parse("TY  - JOUR\nDO  - 10.1000/xyz\nER  - \n").records
    assert r.doi == "10.1000/xyz" and r.title == ""


def test_control_characters_are_cleaned():
    (r,) = parse("TY  - JOUR\nTI  - Bad\x00 title\x0b here\nER  - \n").records
    assert r.title == "Bad title here"


def test_arxiv_id_from_url_or_doi():
    (a, b) = parse("TY  - JOUR\nTI  - A\nUR  - https://arxiv.org/abs/2301.01234v2\nER  - \n"
                   "TY  - JOUR\nTI  - B\nDO  - 10.48550/arXiv.2105.00001\nER  - \n").records
    assert (a.arxiv_id, b.arxiv_id) == ("2301.01234", "2105.00001")


def test_no_records_is_a_file_error():
    with pytest.raises(FileFormatError, match="no RIS records"):
        parse("just some text\nwithout tags\n")


def test_source_hint_from_database_tag():
    assert parse(BASIC.replace("ER  -", "DB  - Scopus\nER  -")).source_hint == "Scopus"


def test_sniff():
    assert ris.sniff("\ufeffTY  - JOUR\nTI  - x\n")
    assert ris.sniff("Provider: X\n\n1.\nTY  - JOUR\n")
    assert not ris.sniff("PMID- 123\nTI  - x\n")
    assert not ris.sniff("@article{x, title={y}}")


def test_non_utf8_bytes_need_an_encoding():
    data = "TY  - JOUR\nTI  - Café\nER  - \n".encode("cp1252")
    with pytest.raises(FileFormatError, match="not valid UTF-8"):
        decode_bytes(data, "cafe.ris")
    text, _ = decode_bytes(data, "cafe.ris", "cp1252")
    assert parse(text).records[0].title == "Café"


# ---------------------------------------------------------------- property: counts are honest

LINE = st.one_of(
    st.builds(lambda t, v: f"{t}  - {v}", st.sampled_from(["TI", "AU", "AB", "KW", "N1", "PY", "DO", "UR", "T2"]),
              st.text(max_size=20)),
    st.sampled_from(["TY  - JOUR", "TY - GEN", "TY  -", "ER  - ", "ER  -", "", "   continued", "1.",
                     "Provider: x"]),
    st.text(max_size=20),
)
_ANY_TY = re.compile(r"^TY", re.MULTILINE)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=30), st.sampled_from(["\n", "\r\n"]))
def test_any_lines_give_honest_counts(lines, newline):
    text = newline.join(lines)
    starts = sum(1 for line in lines if line in ("TY  - JOUR", "TY - GEN", "TY  -"))
    try:
        parsed = parse(text)
    except FileFormatError:
        assert starts == 0
        return
    # Every TY line is a record start; tag lines without a TY can only add rejected records.
    assert parsed.found >= starts
    assert parsed.found == len(parsed.records) + len(parsed.errors)
    assert len(parsed.records) <= len(_ANY_TY.findall(text.replace("\r", "\n")))
    for record in parsed.records:
        assert record.title or record.abstract or record.doi or record.pmid or record.arxiv_id
