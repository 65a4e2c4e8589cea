"""Deduplication of bibliographic records: pure matching, no database.

``find_duplicates`` judges pairs (sure / uncertain / link), ``DedupResult.clusters`` groups
sure pairs under cluster-wide vetoes, ``best_record`` and ``merge_fields`` pick and complete
the record to keep.
"""

from screener.dedup.engine import DedupResult, Pair, find_duplicates
from screener.dedup.merge import best_record, completeness, merge_fields
from screener.dedup.rules import LINK, SURE, UNCERTAIN

__all__ = [
    "LINK",
    "SURE",
    "UNCERTAIN",
    "DedupResult",
    "Pair",
    "best_record",
    "completeness",
    "find_duplicates",
    "merge_fields",
]
