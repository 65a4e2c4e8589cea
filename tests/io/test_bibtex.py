"""The BibTeX reader: broken entries rejected with their line, LaTeX to Unicode, nothing dropped."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.errors import FileFormatError
from screener.io import bibtex

GOOD = """% a comment line
@article{good1,
  title = {The {BERT} model for M\\"{u}ller's {\\'e}tudes --- a study},
  author = {M{\\"u}ller, J{\\"o}rg and {Barnes and Noble} and O'Neil, P.},
  journal = {Journal of {AI}},
  year = 2020,
  volume = {3}, number = {2}, pages = {12--20},
  doi = {10.1000/ABC.1},
  url = {https://example.org/a%20b_c},
  keywords = {deep learning; screening},
  abstract = {Line one
     continues here.},
  note = {50\\% more},
}
"""


def parse(text: str):
    return bibtex.parse(text, "test.bib")


def test_fields_are_mapped_and_latex_decoded():
    (r,) = parse(GOOD).records
    assert r.title == "The BERT model for Müller's études — a study"
    assert r.authors == ("Müller, Jörg", "Barnes and Noble", "O'Neil, P.")
    assert (r.journal, r.year, r.volume, r.issue, r.pages) == ("Journal of AI", 2020, "3", "2", "12-20")
    assert r.doi == "10.1000/abc.1"
    assert r.url == "https://example.org/a%20b_c"  # verbatim: '%' is no LaTeX comment in a URL
    assert r.keywords == ("deep learning", "screening")
    assert r.abstract == "Line one continues here."
    assert r.pub_type == "article"
    assert r.extra == {"doi": "10.1000/ABC.1", "note": "50% more", "ID": "good1", "ENTRYTYPE": "article"}
    assert r.line == 2


def test_unbalanced_brace_rejects_that_entry_only():
    text = GOOD + "\n@article{broken,\n  title = {Broken {brace},\n  year = {2021},\n}\n\n" \
        "@book{third,\n  title = \"Third\",\n  year = {2022}\n}\n"
    parsed = parse(text)
    assert [r.extra["ID"] for r in parsed.records] == ["good1", "third"]
    assert parsed.found == 3
    (error,) = parsed.errors
    assert error.line == 16 and "broken" in error.reason and "brace" in error.reason


def test_missing_closing_brace_at_end_of_file():
    parsed = parse(GOOD + "\n@article{last,\n  title = {Cut off}\n")
    assert parsed.found == 2 and len(parsed.errors) == 1 and parsed.errors[0].line == 16


def test_comments_strings_and_preambles_are_not_records():
    text = ('@comment{nothing here}\n@preamble{"\\newcommand{\\x}{y}"}\n'
            '@string{jn = {Journal of Nice Things}}\n@string{jean = {Jean}}\n'
            '@article{a, title = {T}, journal = jn, author = jean # " " # {C{\\\'e}sar}}\n')
    parsed = parse(text)
    assert parsed.found == 1
    (r,) = parsed.records
    assert r.journal == "Journal of Nice Things" and r.authors == ("Jean César",)


def test_duplicate_key_is_still_a_record():
    parsed = parse(GOOD + GOOD.replace("The {BERT}", "Another"))
    assert parsed.found == 2 and parsed.errors == ()
    assert [r.extra["ID"] for r in parsed.records] == ["good1", "good1"]
    assert parsed.records[1].title.startswith("Another")


def test_repeated_field_keeps_both_values():
    (r,) = parse("@misc{k, title = {T}, note = {one}, Note = {two}, keywords = {a, b}}").records
    assert r.extra["note"] == ["one", "two"] and r.keywords == ("a", "b")


def test_field_names_are_case_insensitive():
    (r,) = parse("@Book{Yablon2005,\n  Title = {Optical fiber},\n  Author = {Yablon, A.D.},\n"
                 "  Publisher = {Springer},\n  Year = {2005},\n}").records
    assert (r.title, r.authors, r.year, r.pub_type) == ("Optical fiber", ("Yablon, A.D.",), 2005, "book")
    assert r.extra == {"publisher": "Springer", "ID": "Yablon2005", "ENTRYTYPE": "book"}


def test_entry_without_title_or_identifier_is_rejected():
    parsed = parse("@proceedings{p, booktitle = {Proc}, year = {2015}}\n@misc{ok, doi = {10.1000/1}}")
    assert parsed.found == 2 and len(parsed.records) == 1
    assert parsed.errors[0].line == 1 and "no title" in parsed.errors[0].reason


def test_arxiv_eprint_and_biblatex_date():
    (a, b) = parse("@misc{a, title = {A}, eprint = {2301.01234}, archivePrefix = {arXiv}}\n"
                   "@online{b, title = {B}, eprint = {2301.01234v2}, eprinttype = {arxiv}, date = {2023-01-05}}").records
    assert a.arxiv_id == "2301.01234" and "eprint" not in a.extra
    assert b.arxiv_id == "2301.01234" and b.extra["eprint"] == "2301.01234v2"  # kept as written
    assert b.year == 2023 and b.extra["date"] == "2023-01-05"


def test_escaped_underscores_in_doi_and_url():
    (r,) = parse("@article{m, title = {T}, doi = {10.1007/978-3-662-46803-6{\\_}26}, "
                 "url = {http://x.org/a{\\_}b}}").records
    assert r.doi == "10.1007/978-3-662-46803-6_26" and r.url == "http://x.org/a_b"


def test_names_starting_with_an_accent_after_and():
    (r,) = parse('@article{k, title = {T}, author = {Smith, A. and \\"{O}zt\\"{u}rk, M.}}').records
    assert r.authors == ("Smith, A.", "Öztürk, M.")


def test_bom_is_ignored():
    (r,) = parse("\ufeff@book{b, title = {T}}").records
    assert r.extra["ID"] == "b"


def test_nothing_bibtex_is_a_file_error():
    with pytest.raises(FileFormatError, match="no BibTeX entries"):
        parse("% only a comment\n@comment{x}\n")


def test_sniff():
    assert bibtex.sniff("% x\n\n@Article{key,\n title={x}}")
    assert bibtex.sniff("  @inproceedings (key, title = {x})")
    assert not bibtex.sniff("TY  - JOUR\n")
    assert not bibtex.sniff("@comment{only}\n")


# ---------------------------------------------------------------- property: counts are honest

CHUNK = st.one_of(
    st.builds(lambda k, t: f"@article{{{k},\n  title = {{{t}}},\n  year = {{2020}}\n}}\n", st.from_regex(r"[a-z]{1,5}", fullmatch=True),
              st.text(st.characters(exclude_characters="{}\\", exclude_categories=("Cs",)), max_size=15)),
    st.sampled_from(["@misc{x,\n  title = {Unclosed\n", "@comment{note}\n", "@string{s = {v}}\n",
                     "% comment\n", "@book{b,\n  title = {Fine}}\n", "junk text\n", "@article{c,\n  author = {A}\n}\n"]),
)
_ENTRY = re.compile(r"^\s*@\s*(\w+)\s*[{(]", re.MULTILINE)


@settings(max_examples=100, deadline=None)
@given(st.lists(CHUNK, min_size=1, max_size=8))
def test_any_chunks_give_honest_counts(chunks):
    text = "".join(chunks)
    starts = sum(1 for m in _ENTRY.finditer(text) if m.group(1).lower() not in ("comment", "string", "preamble"))
    try:
        parsed = parse(text)
    except FileFormatError:
        assert starts == 0
        return
    assert parsed.found == starts
    assert parsed.found == len(parsed.records) + len(parsed.errors)
