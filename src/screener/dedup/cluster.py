"""Clusters from matched pairs, with vetoes that hold for the whole cluster.

Plain connected components chain errors: A~B and B~C merge A and C even when A and C carry
different DOIs (B, lacking a DOI, matched both). Pairs are therefore joined strongest first,
and a join is refused when any record of one cluster conflicts with any record of the other
(:func:`screener.dedup.rules.conflict`: different DOIs, PMIDs or arXiv ids, years more than one
apart, different first pages, volumes or issues, an erratum or reply with its article).

Joining strongest first can strand a record in the wrong group: an Embase record of a letter
and its reply matches the letter a little better than it matches the two copies of the reply,
and once it sits with the letter the replies may not join it. A second pass therefore moves a
record whose join was refused to the group it has more matched weight with, when that group
has no conflict with it and the group it leaves stays connected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from screener.dedup.normalize import Norm
from screener.dedup.rules import conflict


def cluster_indices(norms: Sequence[Norm], edges: Iterable[tuple[float, int, int]]) -> list[list[int]]:
    """Groups of record indices (size >= 2) joined by ``(score, i, j)`` edges, strongest first."""
    group_of: dict[int, int] = {}
    members: dict[int, set[int]] = {}
    weight: dict[int, dict[int, float]] = defaultdict(dict)
    refused: set[int] = set()

    def group(i: int) -> int:
        return group_of.get(i, i)

    for score, i, j in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        weight[i][j] = max(score, weight[i].get(j, 0.0))
        weight[j][i] = weight[i][j]
        gi, gj = group(i), group(j)
        if gi == gj:
            continue
        mi, mj = members.get(gi, {gi}), members.get(gj, {gj})
        if any(conflict(norms[x], norms[y]) for x in mi for y in mj):
            refused.update((i, j))
            continue
        if len(mi) < len(mj):
            gi, gj, mi, mj = gj, gi, mj, mi
        members[gi] = mi | mj
        members.pop(gj, None)
        for x in mj:
            group_of[x] = gi
        group_of[gi] = gi

    for i in sorted(refused):
        _move_if_better(i, norms, weight, group_of, members)

    return sorted(sorted(m) for m in members.values() if len(m) > 1)


def _connected(nodes: set[int], weight: dict[int, dict[int, float]]) -> bool:
    if len(nodes) <= 1:
        return True
    start = next(iter(nodes))
    seen, todo = {start}, [start]
    while todo:
        for y in weight[todo.pop()]:
            if y in nodes and y not in seen:
                seen.add(y)
                todo.append(y)
    return seen == nodes


def _move_if_better(
    i: int,
    norms: Sequence[Norm],
    weight: dict[int, dict[int, float]],
    group_of: dict[int, int],
    members: dict[int, set[int]],
) -> None:
    here = group_of.get(i, i)
    here_members = members.get(here, {i})
    stay = sum(weight[i].get(x, 0.0) for x in here_members)
    best, best_weight = None, stay
    for other in sorted({group_of.get(j, j) for j in weight[i]} - {here}):
        other_members = members.get(other, {other})
        w = sum(weight[i].get(x, 0.0) for x in other_members)
        if w > best_weight + 1e-9 and not any(conflict(norms[i], norms[x]) for x in other_members):
            best, best_weight = other, w
    if best is None or not _connected(here_members - {i}, weight):
        return
    rest = here_members - {i}
    members.pop(here, None)
    if rest:
        # The group keeps a member of its own as its key, whichever record leaves.
        key = min(rest)
        members[key] = rest
        for x in rest:
            group_of[x] = key
    target = members.pop(best, {best})
    target.add(i)
    members[best] = target
    for x in target:
        group_of[x] = best
