"""Properties that must hold for any input: no crash, symmetric verdicts, valid results."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.records import RecordData
from screener.dedup import find_duplicates
from screener.dedup.normalize import normalize_record
from screener.dedup.rules import judge

WORDS = ["cancer", "screening", "HPV", "trial", "Erratum:", "Reply", "[Review]", "(vol", "2009)", "–", "α",
         "Über", "ЗАЙНЯТІСТЬ", "a", "of", "the", ":", "RETRACTED:", "[", "]", "e1234", "x" * 30]
text = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join) | st.text(max_size=60)
records = st.builds(
    RecordData,
    title=text,
    authors=st.lists(st.sampled_from(["Smith, J", "J. Smith", "Smith J", "Nürnberger, Jens", "ALTS Group", "", "Li ZM"]),
                     max_size=4).map(tuple),
    year=st.none() | st.integers(1990, 2025),
    journal=st.sampled_from(["", "N Engl J Med", "New England Journal of Medicine", "arXiv", "Blood.Conference: X"]),
    volume=st.sampled_from(["", "12", "13", "Suppl 2"]),
    issue=st.sampled_from(["", "1", "2"]),
    pages=st.sampled_from(["", "1-10", "221-8", "221-228", "e1234", "S12", "Suppl-29", "215 p", "iii-xi"]),
    doi=st.sampled_from(["", "10.1000/abc1", "https://doi.org/10.1000/ABC1", "10.1101/2020.01.01.123v2", "junk"]),
    abstract=st.sampled_from(["", "word " * 40, "other " * 40]),
    url=st.sampled_from(["", "https://arxiv.org/abs/2301.00785v2", "https://example.org/x/2020/paper"]),
)


@settings(max_examples=150, deadline=None)
@given(records, records)
def test_verdicts_are_symmetric_and_well_formed(a, b):
    na, nb = normalize_record(a), normalize_record(b)
    x, y = judge(na, nb), judge(nb, na)
    assert (x and x.status) == (y and y.status)
    if x is not None:
        assert x.status in ("sure", "uncertain", "link")
        assert 0.0 <= x.score <= 1.0 and x.reasons


@settings(max_examples=40, deadline=None)
@given(st.lists(records, max_size=8))
def test_clusters_partition_ids_and_never_hold_links_only(recs):
    result = find_duplicates(list(enumerate(recs)))
    seen: set[int] = set()
    for group in result.clusters(sure_only=False):
        assert len(group) >= 2 and group == sorted(group)
        assert not seen & set(group)
        seen |= set(group)
    sure = {frozenset((p.a_id, p.b_id)) for p in result.by_status("sure")}
    for group in result.clusters():
        # Every sure cluster is held together by sure pairs.
        assert any(frozenset((a, b)) in sure for a in group for b in group if a < b)
