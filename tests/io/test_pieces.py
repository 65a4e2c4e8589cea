"""Reading RIS a piece at a time, and the second part in a helper process, gives exactly what
one pass over the whole text gives: records, errors with their lines, the source hint."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.records import RecordData
from screener.io import parallel, ris
from screener.io.pieces import combine
from screener.io.reader import read_bytes
from screener.io.text import _CONTROL, bytes_have_control, has_control


def ris_files(shared_data):
    return sorted((shared_data / "refs" / "ris").glob("*"))


def whole(text: str):
    """One pass over the whole text, without any cutting (the reader's own single piece)."""
    return combine("x.ris", "ris", [piece for piece, _ in ris.parse_pieces(text, "x.ris", size=len(text) + 1)])


def cut_small(text: str, size: int = 1):
    return combine("x.ris", "ris", [piece for piece, _ in ris.parse_pieces(text, "x.ris", size=size)])


def same(a, b) -> None:
    assert a.records == b.records
    assert [r.line for r in a.records] == [r.line for r in b.records]
    assert a.errors == b.errors
    assert a.source_hint == b.source_hint


def test_every_real_ris_file_reads_the_same_in_pieces(shared_data):
    files = ris_files(shared_data)
    assert len(files) >= 20
    for path in files:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        if not ris.streams(text):
            continue
        # size=1 cuts before every TY line: the most cuts there can be.
        same(cut_small(text), whole(text))


def _record(rng: random.Random, k: int) -> str:
    lines = ["TY  - JOUR", f"TI  - Title {k}  with  runs" if k % 7 == 0 else f"TI  - Title {k}"]
    lines += [f"AU  - Author{a}, A." for a in range(rng.randint(0, 4))]
    if k % 5 == 0:
        lines.append("    a continuation of the author line")
    if k % 11 == 10 and k > 100:  # (NUL near the start would make it a binary file)
        lines.append("AB  - An abstract\x00 with a NUL and \x85 a C1 control")
    if k % 13 == 0:
        lines = ["TY  - JOUR", "ER  - "]  # an empty record: an error with its line
    lines += ["DB  - Scopus" if k == 3 else "PY  - 2020", "ER  - ", ""]
    if k % 17 == 0:
        lines += ["NL  - after the ER", ""]  # joins the record just closed
    return "\n".join(lines)


def made_text(n: int, seed: int = 5) -> str:
    rng = random.Random(seed)
    return "Provider: test\n\n" + "\n".join(_record(rng, k) for k in range(n))


def test_made_file_with_every_quirk_reads_the_same_in_pieces():
    text = made_text(400)
    for size in (1, 100, 5000):
        same(cut_small(text, size), whole(text))
    assert whole(text).errors  # the empty records are there to be seen


def test_the_helper_process_reads_the_second_part_the_same():
    text = made_text(3000)
    pieces = list(parallel.two_halves("screener.io.ris", text, "x.ris", ris.PIECE_MARKER, minimum=0))
    got = combine("x.ris", "ris", [p for p, _ in pieces])
    same(got, whole(text))
    done = [d for _, d in pieces]
    assert done == sorted(done) and done[-1] == len(text)


def test_a_small_text_needs_no_helper(monkeypatch):
    def no_helper(*a, **k):
        raise AssertionError("no helper process for a small file")

    monkeypatch.setattr(parallel.subprocess, "Popen", no_helper)
    text = made_text(50)
    same(combine("x", "ris", [p for p, _ in parallel.two_halves("screener.io.ris", text, "x", ris.PIECE_MARKER)]),
         whole(text))


@pytest.mark.parametrize("as_bytes", [False, True])
def test_with_no_interpreter_to_start_both_parts_are_read_here(as_bytes, monkeypatch):
    def no_interpreter(*a, **k):
        raise OSError("no python here")

    monkeypatch.setattr(parallel.subprocess, "Popen", no_interpreter)
    text = made_text(3000)
    pieces = list(parallel.two_halves("screener.io.ris", text.encode() if as_bytes else text, "x.ris",
                                      ris.PIECE_MARKER, minimum=0))
    same(combine("x.ris", "ris", [p for p, _ in pieces]), whole(text))
    done = [d for _, d in pieces]
    assert done == sorted(done) and done[-1] == len(text)


def test_leaving_early_stops_the_helper():
    text = made_text(3000)
    pieces = parallel.two_halves("screener.io.ris", text, "x.ris", ris.PIECE_MARKER, minimum=0)
    next(pieces)
    pieces.close()  # as a cancelled import does: the helper is killed, nothing hangs


def test_read_bytes_of_a_large_file_uses_both_parts(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 0)
    data = made_text(2000).encode()
    parsed = read_bytes(data, "big.ris")
    one_pass = whole(data.decode())
    same(parsed, one_pass)
    assert parsed.clean and parsed.found == one_pass.found and len(parsed.records) > 1500


def test_pieces_promise_clean_text():
    parsed = whole(made_text(200))
    for r in parsed.records:
        texts = [r.title, r.abstract, r.journal, r.pub_type, *r.authors]
        texts += [x for v in r.extra.values() for x in ([v] if isinstance(v, str) else v)]
        assert not any(_CONTROL.search(t) for t in texts), r


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x3000), min_size=0, max_size=6000))
def test_fast_control_check_agrees_with_the_pattern(text):
    assert has_control(text) == (_CONTROL.search(text) is not None)
    long = "x" * 5000 + text
    assert has_control(long) == (_CONTROL.search(long) is not None)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x3000, exclude_categories=["Cs"]), max_size=3000))
def test_the_check_on_bytes_agrees_with_the_check_on_text(text):
    assert bytes_have_control(text.encode("utf-8")) == has_control(text)


def plain_text(n: int, odd: str = "") -> str:
    """Records of usual lines only (the reader's lighter path), some values with runs of
    spaces to collapse, and ``odd`` in some titles."""
    lines = []
    for k in range(n):
        title = f"Title {k}  with a run" if k % 3 == 0 else f"Title {k}{odd if k % 4 == 0 else ''}"
        lines += ["TY  - JOUR", f"TI  - {title}", "AU  - Smith,  J.", "AU  - Jones, K.", f"KW  - key{k % 5}",
                  f"AB  - {'Words of an abstract. ' * 8}" + ("  and a run" if k % 5 == 0 else ""),
                  "ER  -" if k % 2 else "ER  - ", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("odd", ["", "\u00e9", "\u00a0", "\t"])
def test_plain_pieces_read_like_the_full_way(odd, monkeypatch):
    text = plain_text(600, odd)
    full = ris.parse_pieces
    monkeypatch.setattr(ris, "one_line_chars", lambda piece: False)  # never the lighter path
    expected = combine("x.ris", "ris", [p for p, _ in full(text, "x.ris", size=5000)])
    monkeypatch.undo()
    same(cut_small(text, 5000), expected)
    assert any("  " not in a for r in expected.records for a in r.authors)  # runs were collapsed


@pytest.mark.parametrize("kind", ["ascii", "utf-8", "utf-8-sig", "control"])
def test_a_large_file_read_from_its_bytes_gives_one_pass(kind, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 0)
    text = plain_text(3000, "" if kind == "ascii" else "\u00e9")
    if kind == "control":
        text = text.replace("Title 2999", "Title\x0b 2999")
    data = text.encode(kind if kind == "utf-8-sig" else "utf-8")
    parsed = read_bytes(data, "big.ris")
    one_pass = whole(text)
    same(parsed, one_pass)
    assert parsed.found == 3000 and parsed.clean
    assert bytes_have_control(data) == (kind == "control")
    assert not any("\x0b" in r.title for r in parsed.records)  # cleaned, though in the helper's part


@pytest.mark.parametrize("bad", ["\x00", "\x1f", "\x7f", "\x80", "\x9f"])
def test_fast_control_check_finds_each_kind(bad):
    assert has_control("é" * 5000 + bad + "a")
    assert not has_control("é\xa0" * 5000)


def test_records_pickle_by_value():
    r = RecordData(title="T", authors=("A",), year=2020, extra={"N1": ["x", "y"]}, line=7)
    back = pickle.loads(pickle.dumps(r))
    assert back == r and back.line == 7
