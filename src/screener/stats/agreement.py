"""Inter-rater agreement of one screening stage, from plain data.

The input is, for one stage, ``{item: {rater: category}}`` (a record id mapped to each reviewer's
current label). Only items that at least two raters decided count; every statistic is computed on
those. Categories are the labels ``include`` / ``exclude`` / ``maybe``, ``maybe`` being its own
category unless ``maybe_as_include`` folds it into ``include``; any other scheme (a tag as
``yes`` / ``no``, an exclusion reason as ``yes`` / ``no``) can be given as ``categories``.

Choices, so that numbers can be compared with other tools:

* ``percent_agreement``: mean over items of the share of agreeing rater pairs (for two raters, the
  share of items on which they agree).
* ``cohen_kappa``: two raters, Cohen's kappa. More than two raters: Light's kappa, the mean of the
  pairwise Cohen's kappas that are defined (each pair over the items both rated), and no interval.
* ``cohen_kappa_ci95``: two raters only, the large-sample interval of Fleiss, Cohen & Everitt
  (1969), clipped to [-1, 1].
* ``pabak``: (q * p_o - 1) / (q - 1) with q the number of categories of the scheme.
* ``gwet_ac1``, ``fleiss_kappa``: Gwet's formulas for any number of raters and missing ratings;
  q for AC1 is the number of categories of the scheme.
* ``krippendorff_alpha``: nominal alpha from the coincidence matrix (missing ratings allowed).
* An undefined statistic (no items; everybody used one category, so chance agreement is 1) is
  ``None`` and ``null`` in JSON, never NaN.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from statistics import fmean
from typing import Any

import numpy as np

from screener.core.enums import Label
from screener.stats import coefficients as co

LABEL_CATEGORIES: tuple[str, ...] = (Label.INCLUDE.value, Label.EXCLUDE.value, Label.MAYBE.value)
MERGED_CATEGORIES: tuple[str, ...] = (Label.INCLUDE.value, Label.EXCLUDE.value)

Ratings = Mapping[Hashable, Mapping[str, Any]]


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two raters over the items both rated.

    ``confusion[i][j]`` counts items that ``a`` put in ``categories[i]`` and ``b`` in ``categories[j]``.
    """

    a: str
    b: str
    n_items: int
    percent_agreement: float | None
    cohen_kappa: float | None
    cohen_kappa_ci95: tuple[float, float] | None
    confusion: tuple[tuple[int, ...], ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "n_items": self.n_items,
            "percent_agreement": self.percent_agreement,
            "cohen_kappa": self.cohen_kappa,
            "cohen_kappa_ci95": list(self.cohen_kappa_ci95) if self.cohen_kappa_ci95 else None,
            "confusion": [list(row) for row in self.confusion],
        }


@dataclass(frozen=True)
class Agreement:
    """Agreement statistics of one stage; ``None`` marks an undefined statistic."""

    n_items: int
    raters: tuple[str, ...]
    categories: tuple[str, ...]
    percent_agreement: float | None
    cohen_kappa: float | None
    cohen_kappa_ci95: tuple[float, float] | None
    pabak: float | None
    gwet_ac1: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    pairs: tuple[PairAgreement, ...] = field(default=())

    def to_json_dict(self, stage: str | None = None) -> dict[str, Any]:
        """The ``agreement --json`` document (CLI.md), plus ``categories`` and per-pair extras."""
        doc: dict[str, Any] = {}
        if stage is not None:
            doc["stage"] = str(stage)
        doc.update(
            {
                "n_items": self.n_items,
                "raters": list(self.raters),
                "categories": list(self.categories),
                "percent_agreement": self.percent_agreement,
                "cohen_kappa": self.cohen_kappa,
                "cohen_kappa_ci95": list(self.cohen_kappa_ci95) if self.cohen_kappa_ci95 else None,
                "pabak": self.pabak,
                "gwet_ac1": self.gwet_ac1,
                "fleiss_kappa": self.fleiss_kappa,
                "krippendorff_alpha": self.krippendorff_alpha,
                "pairs": [pair.to_json_dict() for pair in self.pairs],
            }
        )
        return doc


def _normalise(
    ratings: Ratings, categories: Sequence[str], maybe_as_include: bool
) -> tuple[dict[Hashable, dict[str, str]], tuple[str, ...]]:
    """Drop missing ratings, fold maybe if asked, check categories; return items and all raters."""
    allowed = set(categories)
    items: dict[Hashable, dict[str, str]] = {}
    raters: set[str] = set()
    for item, by_rater in ratings.items():
        kept: dict[str, str] = {}
        for rater, value in by_rater.items():
            if value is None:
                continue
            category = str(value)
            if maybe_as_include and category == Label.MAYBE.value:
                category = Label.INCLUDE.value
            if category not in allowed:
                raise ValueError(f"item {item!r}: rater {rater!r} gave {category!r}, not one of {sorted(allowed)}")
            kept[str(rater)] = category
        raters.update(kept)
        if len(kept) >= 2:
            items[item] = kept
    return items, tuple(sorted(raters))


def _pair(a: str, b: str, items: Iterable[dict[str, str]], index: dict[str, int]) -> PairAgreement:
    size = len(index)
    table = np.zeros((size, size), dtype=np.int64)
    for by_rater in items:
        if a in by_rater and b in by_rater:
            table[index[by_rater[a]], index[by_rater[b]]] += 1
    n = int(table.sum())
    return PairAgreement(
        a=a,
        b=b,
        n_items=n,
        percent_agreement=float(np.trace(table)) / n if n else None,
        cohen_kappa=co.cohen_kappa(table),
        cohen_kappa_ci95=co.cohen_kappa_ci95(table),
        confusion=tuple(tuple(int(x) for x in row) for row in table),
    )


def compute_agreement(
    ratings: Ratings,
    *,
    categories: Sequence[str] | None = None,
    maybe_as_include: bool = False,
) -> Agreement:
    """Agreement statistics of one stage from ``{item: {rater: category}}``.

    ``categories`` is the rating scheme (default: include/exclude/maybe, or include/exclude with
    ``maybe_as_include``); a rating outside it is a ValueError (a bug in the caller). ``None``
    ratings are ignored. Items with fewer than two ratings are left out. ``raters`` lists everyone
    with a rating; ``pairs`` has one entry per pair of them (``n_items`` 0 when they share no item).
    """
    if categories is None:
        categories = MERGED_CATEGORIES if maybe_as_include else LABEL_CATEGORIES
    categories = tuple(str(c) for c in categories)
    if len(set(categories)) != len(categories) or len(categories) < 2:
        raise ValueError("categories must be at least two distinct values")
    items, raters = _normalise(ratings, categories, maybe_as_include)
    index = {category: i for i, category in enumerate(categories)}

    counts = np.zeros((len(items), len(categories)), dtype=np.int64)
    for row, by_rater in enumerate(items.values()):
        for category in by_rater.values():
            counts[row, index[category]] += 1

    pairs = tuple(_pair(a, b, items.values(), index) for a, b in combinations(raters, 2))
    p_o = co.percent_agreement(counts)
    raters_in_items = {rater for by_rater in items.values() for rater in by_rater}
    if len(raters_in_items) == 2:
        (only,) = [p for p in pairs if p.a in raters_in_items and p.b in raters_in_items]
        kappa, ci95 = only.cohen_kappa, only.cohen_kappa_ci95
    else:
        defined = [p.cohen_kappa for p in pairs if p.cohen_kappa is not None]
        kappa, ci95 = (fmean(defined) if defined else None), None

    return Agreement(
        n_items=len(items),
        raters=raters,
        categories=categories,
        percent_agreement=p_o,
        cohen_kappa=kappa,
        cohen_kappa_ci95=ci95,
        pabak=co.pabak(p_o, len(categories)),
        gwet_ac1=co.gwet_ac1(counts, len(categories)),
        fleiss_kappa=co.fleiss_kappa(counts),
        krippendorff_alpha=co.krippendorff_alpha_nominal(counts),
        pairs=pairs,
    )


def agreement_by_block(
    items_in_order: Sequence[tuple[Hashable, Mapping[str, Any]]],
    block_size: int,
    *,
    categories: Sequence[str] | None = None,
    maybe_as_include: bool = False,
) -> list[Agreement]:
    """Agreement over time: statistics per consecutive block of ``block_size`` doubly-rated items.

    ``items_in_order`` is ``[(item, {rater: category}), ...]`` sorted by when the item got its second
    decision; items with fewer than two ratings are skipped before blocking. The last block may be
    shorter.
    """
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    rated = [(item, by_rater) for item, by_rater in items_in_order
             if sum(v is not None for v in by_rater.values()) >= 2]
    return [
        compute_agreement(dict(rated[start:start + block_size]), categories=categories,
                          maybe_as_include=maybe_as_include)
        for start in range(0, len(rated), block_size)
    ]
