"""Plain helpers shared by the deduplication tests."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from screener.core.records import RecordData
from screener.dedup import find_duplicates
from screener.dedup.rules import Verdict


def rec(title: str = "", authors: str | tuple[str, ...] = (), **fields) -> RecordData:
    """A RecordData from keyword fields; ``authors`` may be one "A and B" string."""
    if isinstance(authors, str):
        authors = tuple(a.strip() for a in re.split(r"\s+and\s+|;", authors) if a.strip())
    return RecordData(title=title, authors=tuple(authors), **fields)


def verdict(a: RecordData, b: RecordData) -> Verdict | None:
    """What the engine says about one pair, through the public API (blocking included)."""
    result = find_duplicates([(1, a), (2, b)])
    if not result.pairs:
        return None
    p = result.pairs[0]
    return Verdict(p.status, p.score, p.reasons)


def status(a: RecordData, b: RecordData) -> str | None:
    v = verdict(a, b)
    return v.status if v else None


def records_from_csv(path: Path) -> tuple[pd.DataFrame, list[tuple[int, RecordData]]]:
    """A dedup set's records.csv as (frame, [(row index, RecordData)])."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = []
    for k, row in enumerate(df.to_dict("records")):
        m = re.search(r"\d{4}", row["year"])
        out.append((k, rec(
            row["title"], row["authors"], year=int(m.group(0)) if m else None, journal=row["journal"],
            volume=row["volume"], issue=row["issue"], pages=row["pages"], doi=row["doi"],
            abstract=row["abstract"], pub_type=row.get("entrytype", ""),
        )))
    return df, out
