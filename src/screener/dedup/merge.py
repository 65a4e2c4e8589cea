"""Choosing the record to keep and filling its gaps from the duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from screener.core.records import RecordData
from screener.dedup.normalize import blank

# What a screener needs most weighs most: an abstract to screen on, an identifier to find
# the full text, then the citation details.
_WEIGHTS = {
    "title": 3, "abstract": 4, "authors": 2, "year": 1, "journal": 1, "volume": 1, "issue": 1,
    "pages": 1, "doi": 3, "pmid": 2, "arxiv_id": 1, "url": 1, "keywords": 1, "pub_type": 0.5,
    "language": 0.5,
}


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, (tuple, list)):
        return any(not blank(str(v)) for v in value)
    if isinstance(value, str):
        return not blank(value)
    return True


def completeness(rec: RecordData) -> float:
    """Weighted count of filled fields, with a little credit for a longer abstract."""
    score = sum(w for name, w in _WEIGHTS.items() if _filled(getattr(rec, name)))
    return score + min(len(rec.abstract or ""), 3000) / 3000.0


def best_record(records: Sequence[RecordData]) -> int:
    """Index of the record with the most complete metadata (the first one on ties)."""
    if not records:
        raise ValueError("no records to choose from")
    best, best_score = 0, completeness(records[0])
    for k, rec in enumerate(records[1:], start=1):
        s = completeness(rec)
        if s > best_score:
            best, best_score = k, s
    return best


def merge_fields(records: Sequence[RecordData]) -> RecordData:
    """The most complete record, with each empty field taken from the others.

    Fields the best record has are kept as they are (its title, authors and year belong
    together); an empty field takes the first filled value among the other records in
    order of completeness, except that the longest abstract and the longest author list win,
    since those are most often cut short by a database. ``extra`` fields are united, the
    best record's values winning.
    """
    if not records:
        raise ValueError("no records to merge")
    order = sorted(range(len(records)), key=lambda k: -completeness(records[k]))
    base = records[order[0]]
    changes: dict[str, object] = {}
    for f in fields(RecordData):
        name = f.name
        if name in ("extra", "line"):
            continue
        if name == "abstract":
            longest = max((r.abstract for r in records if _filled(r.abstract)), key=len, default=base.abstract)
            if len(longest) > len(base.abstract or ""):
                changes[name] = longest
            continue
        if name == "authors":
            longest_authors = max((r.authors for r in records), key=len, default=base.authors)
            if len(longest_authors) > len(base.authors):
                changes[name] = longest_authors
            continue
        if _filled(getattr(base, name)):
            continue
        for k in order[1:]:
            value = getattr(records[k], name)
            if _filled(value):
                changes[name] = value
                break
    extra: dict = {}
    for k in reversed(order):
        extra.update(records[k].extra)
    changes["extra"] = extra
    return base.with_changes(**changes)
