"""The public entry point: ids, ordering, progress and cancelling, blocking at scale."""

from __future__ import annotations

import random

import pytest

from screener.core.errors import Cancelled
from screener.core.progress import Progress
from screener.dedup import DedupResult, Pair, find_duplicates
from screener.dedup.blocking import candidate_pairs
from screener.dedup.normalize import normalize_record

from .helpers import rec

WORDS = ("cervical screening human papillomavirus testing cohort trial randomised outcome stroke "
         "rehabilitation memory training cognitive adults children review analysis platform labour "
         "online workers crowd digital economy imaging model foundation segmentation").split()


def library(n: int, seed: int = 7) -> list:
    """n distinct random records, then a reformatted copy of every tenth one."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(10)) + f" {k}"
        out.append(rec(title, f"Author{k % 97}, A and Other{k % 89}, B", year=1990 + k % 30,
                       journal="Journal of Tests", volume=str(k % 50), pages=f"{k}-{k + 9}"))
    dups = [r.with_changes(title=r.title.upper() + ".", authors=("Author" + r.authors[0][6:].split(",")[0] + " A",))
            for r in out[::10]]
    return out + dups


def test_result_shape_and_order():
    records = [(5, rec("Alpha beta gamma delta epsilon zeta eta theta", "Smith, J", year=2001, journal="J Test", volume="1", pages="1-9")),
               (9, rec("ALPHA BETA GAMMA DELTA EPSILON ZETA ETA THETA.", "Smith J", year=2001, journal="J Test", volume="1", pages="1-9")),
               (7, rec("Something else entirely different here", "Jones, K", year=1999))]
    result = find_duplicates(records)
    assert isinstance(result, DedupResult)
    assert result.pairs == [Pair(5, 9, result.pairs[0].score, "sure", result.pairs[0].reasons)]
    assert 0 < result.pairs[0].score <= 1
    assert result.clusters() == [[5, 9]]
    assert result.by_status("uncertain") == []


def test_empty_and_single_inputs():
    assert find_duplicates([]).pairs == []
    assert find_duplicates([(1, rec("Only one"))]).clusters() == []


def test_ids_must_be_unique():
    with pytest.raises(ValueError):
        find_duplicates([(1, rec("A")), (1, rec("B"))])


def test_progress_is_reported_and_cancel_stops_the_run():
    seen = []
    progress = Progress(lambda done, total, text: seen.append(text))
    find_duplicates(list(enumerate(library(300))), progress)
    assert seen[0] == "Normalising records" and seen[-1] == "Done"
    stopper = Progress()
    stopper.cancel()
    with pytest.raises(Cancelled):
        find_duplicates(list(enumerate(library(50))), stopper)


def test_every_injected_duplicate_is_found_and_nothing_else():
    records = library(2000)
    result = find_duplicates(list(enumerate(records)))
    expected = {(k * 10, 2000 + k) for k in range(200)}
    assert {(p.a_id, p.b_id) for p in result.by_status("sure")} == expected
    assert sorted(map(tuple, result.clusters())) == sorted(expected)


def test_candidates_grow_about_linearly():
    small = len(candidate_pairs([normalize_record(r) for r in library(1000)]))
    large = len(candidate_pairs([normalize_record(r) for r in library(4000)]))
    assert large < 5 * small  # quadratic growth would give about 16 times as many
