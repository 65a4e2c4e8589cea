"""Clusters from matched pairs, with vetoes that hold for the whole cluster.

Plain connected components chain errors: A~B and B~C merge A and C even when A and C carry
different DOIs (B, lacking a DOI, matched both). Pairs are therefore joined strongest first,
and a join is refused when any record of one cluster conflicts with any record of the other
(:func:`screener.dedup.rules.conflict`: different DOIs, PMIDs or arXiv ids, years more than one
apart, different first pages, volumes or issues, an erratum or reply with its article).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from screener.dedup.normalize import Norm
from screener.dedup.rules import conflict


def cluster_indices(norms: Sequence[Norm], edges: Iterable[tuple[float, int, int]]) -> list[list[int]]:
    """Groups of record indices (size >= 2) joined by ``(score, i, j)`` edges, strongest first."""
    root_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}

    for _score, i, j in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        ri, rj = root_of.get(i, i), root_of.get(j, j)
        if ri == rj:
            continue
        mi, mj = members.get(ri, [ri]), members.get(rj, [rj])
        if any(conflict(norms[x], norms[y]) for x in mi for y in mj):
            continue
        if len(mi) < len(mj):
            ri, rj, mi, mj = rj, ri, mj, mi
        members[ri] = mi + mj
        members.pop(rj, None)
        root_of[ri] = ri
        for x in mj:
            root_of[x] = ri

    return sorted(sorted(m) for m in members.values() if len(m) > 1)
