"""The record list's read model: ids, rows, record view, queue and progress, with blinding."""

from __future__ import annotations

import pytest

from screener.core.errors import NotFoundError, UserError
from screener.core.records import ParsedFile, RecordData
from screener.services import queries, screening
from screener.services.conflicts import unblind
from screener.services.importing import import_parsed
from screener.services.outcomes import eligible_records
from screener.services.project import init_project, update_settings
from screener.services.queries import RecordQuery


def parsed(n: int) -> ParsedFile:
    recs = tuple(RecordData(title=f"Paper {i:02d} on {'segmentation' if i % 2 else 'report generation'}",
                            abstract=f"Abstract {i} about CT 100% sure_thing" if i == 3 else f"Abstract {i}",
                            authors=(f"Author{i}, A.", "Second, B.") if i % 3 else (f"Solo{i}, C.",),
                            year=None if i == 5 else 2015 + i % 7, journal=f"Journal {chr(65 + i % 4)}",
                            keywords=("CLIP",) if i == 7 else (), line=i + 1)
                 for i in range(n))
    return ParsedFile(path="mem.ris", format="ris", encoding="utf-8", records=recs)


@pytest.fixture
def store(project_location):
    st = init_project(project_location, title="Q", reviewers=["ana", "ben"], template="medical-imaging-fm")
    import_parsed(st, parsed(12), source="Test")
    yield st
    st.close()


def q(**kw) -> RecordQuery:
    return RecordQuery(reviewer=kw.pop("reviewer", "ana"), **kw)


def test_ids_in_import_order_and_sorts(store):
    ids = queries.record_ids(store, q())
    assert ids == sorted(ids) and len(ids) == 12
    by_title_desc = queries.record_ids(store, q(sort="title", descending=True))
    assert by_title_desc[0] == ids[11]
    by_year = queries.record_ids(store, q(sort="year"))
    assert by_year[-1] == ids[5]  # no year sorts last
    assert queries.record_ids(store, q(sort="year", descending=True))[-1] == ids[5]
    assert queries.record_ids(store, q(sort="id", descending=True)) == ids[::-1]


def test_random_order_is_seeded_and_consistent(store):
    ids = queries.record_ids(store, q())
    r1 = queries.record_ids(store, q(order="random", seed=7))
    assert sorted(r1) == ids and r1 != ids
    assert queries.record_ids(store, q(order="random", seed=7)) == r1
    assert queries.record_ids(store, q(order="random", seed=8)) != r1
    # a searched subset keeps the relative order of the full random queue
    sub = queries.record_ids(store, q(order="random", seed=7, search="segmentation"))
    assert sub == [i for i in r1 if i in set(sub)]


def test_search_words_phrases_and_ids(store):
    ids = queries.record_ids(store, q())
    assert len(queries.record_ids(store, q(search="segmentation"))) == 6
    assert len(queries.record_ids(store, q(search='"report generation"'))) == 6
    assert queries.record_ids(store, q(search="clip")) == [ids[7]]  # keywords
    assert queries.record_ids(store, q(search="solo3")) == [ids[3]]  # authors
    assert queries.record_ids(store, q(search="100%")) == [ids[3]]  # LIKE wildcards are escaped
    assert queries.record_ids(store, q(search="sure_thing")) == [ids[3]]
    assert queries.record_ids(store, q(search="sure_thin_")) == []
    assert ids[4] in queries.record_ids(store, q(search=str(ids[4])))
    assert queries.record_ids(store, q(search='"unbalanced')) == []


def test_filters_and_my_labels(store):
    ids = queries.record_ids(store, q())
    screening.decide(store, ids[0], "ana", "include")
    screening.decide(store, ids[1], "ana", "exclude")
    screening.decide(store, ids[2], "ben", "maybe")
    assert queries.record_ids(store, q(filter="decided")) == ids[:2]
    assert queries.record_ids(store, q(filter="todo")) == ids[2:]
    assert queries.record_ids(store, q(filter="mine_exclude")) == [ids[1]]
    assert queries.record_ids(store, q(filter="todo", reviewer="ben")) == [i for i in ids if i != ids[2]]
    assert queries.my_labels(store, "ana", "ta") == {ids[0]: "include", ids[1]: "exclude"}
    assert queries.record_ids(store, q(sort="mine"))[:3] == ids[2:5]  # undecided first
    with pytest.raises(UserError):
        queries.record_ids(store, q(filter="nope"))
    with pytest.raises(NotFoundError):
        queries.record_ids(store, q(reviewer="zed"))


def test_blinding_in_rows_view_and_conflict_filter(store):
    ids = queries.record_ids(store, q())
    screening.decide(store, ids[0], "ana", "include", note="mine")
    screening.decide(store, ids[0], "ben", "exclude", note="secret",
                     reasons=["Not medical imaging"], tags=["Task > Segmentation"])
    row = queries.display_rows(store, [ids[0]], "ana", "ta")[0]
    assert row.mine == "include" and row.others == () and row.status == "complete" and row.n_decisions == 2
    view = queries.record_view(store, ids[0], "ana")
    assert [d.reviewer for d in view.decisions] == ["ana"]
    assert "secret" not in repr(view)
    with pytest.raises(UserError):
        queries.record_ids(store, q(filter="conflict"))
    prog = queries.stage_progress(store, "ana", "ta")
    assert prog.blinded and prog.conflicts is None and prog.complete == 1 and prog.mine == 1

    unblind(store, "ta")
    row = queries.display_rows(store, [ids[0]], "ana", "ta")[0]
    assert row.others == (("ben", "exclude"),) and row.status == "conflict"
    view = queries.record_view(store, ids[0], "ana")
    assert {d.reviewer for d in view.decisions} == {"ana", "ben"}
    assert queries.record_ids(store, q(filter="conflict")) == [ids[0]]
    prog = queries.stage_progress(store, "ana", "ta")
    assert not prog.blinded and prog.conflicts == 1 and prog.complete == 0


def test_display_rows_keep_order_and_fields(store):
    ids = queries.record_ids(store, q())
    rows = queries.display_rows(store, [ids[4], ids[1], 999999], "ana", "ta")
    assert [r.id for r in rows] == [ids[4], ids[1]]
    assert rows[0].first_author == "Author4 et al." and rows[0].venue == "Journal A"
    assert rows[0].status == "unscreened" and rows[0].mine is None


def test_full_text_stage_follows_outcome_rule(store):
    update_settings(store, stage_changes={"title_abstract": {"reviewers_required": 1}})
    ids = queries.record_ids(store, q())
    screening.decide(store, ids[0], "ana", "include")
    screening.decide(store, ids[1], "ana", "exclude")
    screening.decide(store, ids[2], "ana", "include")
    screening.decide(store, ids[2], "ben", "exclude")  # a conflict does not pass
    ft = queries.record_ids(store, q(stage="ft"))
    with store.read() as s:
        assert ft == eligible_records(s, "full_text") == [ids[0]]
    assert queries.stage_progress(store, "ana", "ft").eligible == 1


def test_next_record_wraps_and_skips_decided(store):
    ids = queries.record_ids(store, q())
    assert queries.next_record(store, q()) == ids[0]
    screening.decide(store, ids[0], "ana", "include")
    screening.decide(store, ids[2], "ana", "include")
    assert queries.next_record(store, q(), after=ids[0]) == ids[1]
    assert queries.next_record(store, q(), after=ids[1]) == ids[3]
    assert queries.next_record(store, q(), after=ids[11]) == ids[1]
    for rid in ids:
        screening.decide(store, rid, "ana", "maybe")
    assert queries.next_record(store, q()) is None


def test_relevance_order_puts_undecided_records_in_model_order(store):
    assert queries.relevance_available()
    ids = queries.record_ids(store, q())
    screening.decide(store, ids[0], "ana", "include")
    screening.decide(store, ids[1], "ana", "exclude", reasons=[])
    ranked = queries.record_ids(store, q(order="relevance"))
    assert sorted(ranked) == sorted(ids)
    from screener.services.ranking import relevance_order

    model = [r for r in relevance_order(store, "title_abstract", "ana") if r in set(ranked)]
    assert ranked == sorted(ranked, key=model.index)
