"""Candidate pairs: which records are worth comparing at all.

Comparing every record with every other grows with the square of the library; these keys keep
the number of candidates about proportional to it. A pair is a candidate when the two records

* share an identifier (DOI, PMID, arXiv id, a specific URL),
* sit close together when titles are sorted forwards or read backwards (sorted neighbourhood:
  the backward order catches titles whose beginnings differ, e.g. a "[...]" translation or a
  prepended label),
* share the two rarest words of their titles (catches typos early in a title),
* share first author and year, or volume and first page (catch retitled or translated items).

Every key forms blocks; a block larger than ``cap`` is not expanded into all its pairs but
sorted by title and paired within a sliding window, so a common key ("Wang 2020", an
identifier copied onto many records) costs linear time instead of quadratic.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, combinations

import numpy as np

from screener.dedup.normalize import Norm

WINDOW = 5
CAP = 40


def _window_pairs(order: Sequence[int], window: int, out_i: list[np.ndarray], out_j: list[np.ndarray]) -> None:
    arr = np.asarray(order, dtype=np.int64)
    for d in range(1, min(window, len(arr) - 1) + 1):
        out_i.append(arr[:-d])
        out_j.append(arr[d:])


def _block_pairs(
    keys: Iterable[tuple[object, int]],
    titles: Sequence[str],
    out_i: list[np.ndarray],
    out_j: list[np.ndarray],
    cap: int = CAP,
    window: int = WINDOW,
) -> None:
    groups: dict[object, list[int]] = defaultdict(list)
    for key, idx in keys:
        groups[key].append(idx)
    small_i: list[int] = []
    small_j: list[int] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        if len(members) <= cap:
            for a, b in combinations(members, 2):
                small_i.append(a)
                small_j.append(b)
        else:
            _window_pairs(sorted(members, key=titles.__getitem__), window, out_i, out_j)
    if small_i:
        out_i.append(np.asarray(small_i, dtype=np.int64))
        out_j.append(np.asarray(small_j, dtype=np.int64))


def _rare_word_keys(norms: Sequence[Norm]) -> list[tuple[object, int]]:
    # Words of one or two letters are too unspecific to identify a title.
    words = [[w for w in set(n.title.split()) if len(w) > 2] for n in norms]
    df = Counter(chain.from_iterable(words))
    keys = []
    for idx, ws in enumerate(words):
        if len(ws) >= 2:
            (_, a), (_, b) = sorted((df[w], w) for w in ws)[:2]  # ties broken by the word itself
            keys.append(((a, b) if a < b else (b, a), idx))
    return keys


def candidate_pairs(norms: Sequence[Norm], check: Callable[[], None] | None = None) -> np.ndarray:
    """Unique candidate pairs as an ``(m, 2)`` int array with ``i < j`` in each row."""
    n = len(norms)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    titles = [x.title for x in norms]

    for field in ("doi", "pmid", "arxiv", "url"):
        _block_pairs(((getattr(x, field), i) for i, x in enumerate(norms) if getattr(x, field)), titles, out_i, out_j)
    _block_pairs(((x.title, i) for i, x in enumerate(norms) if x.title), titles, out_i, out_j)
    if check:
        check()

    compact = [x.title_main.replace(" ", "") for x in norms]
    forward = sorted((i for i in range(n) if compact[i]), key=compact.__getitem__)
    _window_pairs(forward, WINDOW, out_i, out_j)
    backward = sorted((i for i in range(n) if compact[i]), key=lambda i: titles[i].replace(" ", "")[::-1])
    _window_pairs(backward, WINDOW, out_i, out_j)
    if check:
        check()

    _block_pairs(_rare_word_keys(norms), titles, out_i, out_j)
    _block_pairs(
        (((x.first_author, x.year), i) for i, x in enumerate(norms) if x.first_author and x.year),
        titles, out_i, out_j,
    )
    _block_pairs(
        (((x.volume, x.first_page), i) for i, x in enumerate(norms) if x.volume and x.first_page),
        titles, out_i, out_j,
    )
    if check:
        check()

    if not out_i:
        return np.empty((0, 2), dtype=np.int64)
    i = np.concatenate(out_i)
    j = np.concatenate(out_j)
    lo = np.minimum(i, j)
    hi = np.maximum(i, j)
    codes = (lo * n + hi)[lo != hi]
    codes.sort()
    if len(codes):
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return np.stack([codes // n, codes % n], axis=1)
