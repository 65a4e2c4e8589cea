"""Choosing the record to keep and completing it from its duplicates."""

from __future__ import annotations

import pytest

from screener.dedup import best_record, completeness, merge_fields

from .helpers import rec


def test_best_record_prefers_abstract_and_identifiers():
    bare = rec("A title", "Smith, J", year=2001)
    with_doi = rec("A title", "Smith, J", year=2001, doi="10.1000/x1")
    with_abstract = rec("A title", "Smith, J", year=2001, doi="10.1000/x1", abstract="Background. " * 20)
    assert best_record([bare, with_doi, with_abstract]) == 2
    assert best_record([with_doi, bare]) == 0
    assert best_record([bare, bare]) == 0  # the first on ties
    assert completeness(rec("T", journal="UNKNOWN")) == completeness(rec("T"))
    with pytest.raises(ValueError):
        best_record([])


def test_merge_fields_fills_gaps_from_the_others():
    a = rec("Paroxysmal nocturnal hemoglobinuria", "Rodrigues, C. A.", year=2007, journal="Sang Thromb Vaiss",
            abstract="Short.", extra={"source": "embase", "a": 1})
    b = rec("[Paroxysmal nocturnal hemoglobinuria]", ("Rodrigues, C. A.", "Blin, N."), year=2007, volume="19",
            pages="425-429", doi="10.1684/stv.2007.0188", abstract="A much longer abstract of the paper.",
            extra={"source": "medline", "b": 2})
    merged = merge_fields([a, b])
    assert merged.title == b.title  # the more complete record is the base
    assert merged.journal == "Sang Thromb Vaiss" and merged.volume == "19" and merged.doi == b.doi
    assert merged.abstract == b.abstract
    assert merged.authors == ("Rodrigues, C. A.", "Blin, N.")
    assert merged.extra == {"source": "medline", "a": 1, "b": 2}
    with pytest.raises(ValueError):
        merge_fields([])
