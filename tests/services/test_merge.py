"""Offline dual screening: two copies of a project, merged both ways and twice."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from screener.services import screening
from screener.services.conflicts import list_conflicts, resolution_snapshot, resolve, settle_tags
from screener.services.export import decisions_table
from screener.services.importing import import_parsed
from screener.services.merge import merge_projects
from screener.services.project import init_project, open_project
from screener.services.reviewers import add_reviewer
from screener.services.status import project_status
from screener.storage.models import DecisionEvent, Resolution
from tests.services.test_screening import make_records


def test_merge_both_ways_idempotent(tmp_path):
    base = tmp_path / "base.screener"
    st = init_project(base, reviewers=["ana", "ben"])
    import_parsed(st, make_records(6))
    st.close()
    a, b = tmp_path / "ana.screener", tmp_path / "ben.screener"
    shutil.copy(base, a)
    shutil.copy(base, b)
    with open_project(a) as sa, open_project(b) as sb:
        for rid in (1, 2, 3):
            screening.decide(sa, rid, "ana", "include")
        screening.decide(sb, 1, "ben", "include")
        screening.decide(sb, 2, "ben", "maybe")
        screening.decide(sb, 3, "ben", "exclude", reasons=["Wrong population"])
        screening.decide(sb, 4, "ben", "include", note="offline")
        r1 = merge_projects(sa, b)
        assert r1["decisions_added"] == 4 and r1["unchanged"] == 0
        assert r1["new_conflicts"]["title_abstract"] == [2, 3]
        r2 = merge_projects(sa, b)
        assert r2["decisions_added"] == 0 and r2["decisions_updated"] == 0 and r2["unchanged"] == 4
        back = merge_projects(sb, a)
        assert back["decisions_added"] == 3 and back["unchanged"] == 4
        assert project_status(sa)["by_reviewer"] == project_status(sb)["by_reviewer"]
        # a newer decision on one side wins; an older one never replaces it
        screening.decide(sb, 4, "ben", "exclude", reasons=["Wrong outcome"])
        r3 = merge_projects(sa, b)
        assert r3["decisions_updated"] == 1
        assert screening.get_decision(sa, 4, "ben", "ta").label == "exclude"
        r4 = merge_projects(sb, a)
        assert r4["decisions_updated"] == 0 and screening.get_decision(sb, 4, "ben", "ta").label == "exclude"


def test_merge_refuses_other_project(tmp_path):
    import pytest
    from screener.core.errors import UserError
    from screener.core.records import ParsedFile, RecordData

    one = init_project(tmp_path / "one.screener", reviewers=["ana"])
    import_parsed(one, make_records(2))
    two = init_project(tmp_path / "two.screener", reviewers=["ana"])
    import_parsed(two, ParsedFile("x", "ris", "utf-8", (RecordData(title="Something else"),)))
    two.close()
    with pytest.raises(UserError, match="not copies of the same project"):
        merge_projects(one, tmp_path / "two.screener")
    one.close()


CT, MRI, SEG = "Imaging modality > CT", "Imaging modality > MRI", "Task > Segmentation"


def _copies(tmp_path):
    """A project with ana (owner), ben and cy (adjudicator), copied for ana's and ben's laptops."""
    base = tmp_path / "base.screener"
    st = init_project(base, reviewers=["ana", "ben"], template="medical-imaging-fm")
    import_parsed(st, make_records(6))
    add_reviewer(st, "cy", "adjudicator")
    st.close()
    a, b = tmp_path / "ana.screener", tmp_path / "ben.screener"
    shutil.copy(base, a)
    shutil.copy(base, b)
    return a, b


def _state(store) -> tuple:
    """Everything a merge may bring: decisions with tags and notes, resolutions with final tags."""
    cols, rows = decisions_table(store)
    decisions = sorted(tuple(v for c, v in zip(cols, row) if c != "decided_at") for row in rows)
    conflicts = {stage: [(c["record_id"], c["kind"]) for c in doc["conflicts"] + doc["tag_disagreements"]]
                 for stage in ("ta", "ft") for doc in [list_conflicts(store, stage)]}
    return decisions, conflicts, _resolutions(store)


def _resolutions(store) -> dict:
    with store.read() as s:
        return {(r.record_id, r.stage): resolution_snapshot(s, r) for r in s.scalars(select(Resolution))}


def test_merge_brings_tags_notes_and_resolutions_both_ways_twice(tmp_path):
    a, b = _copies(tmp_path)
    with open_project(a) as sa, open_project(b) as sb:
        screening.decide(sa, 1, "ana", "include", tags=[CT, SEG], note="CT and MRI cohorts")
        screening.decide(sa, 2, "ana", "include", tags=[MRI])
        screening.decide(sa, 3, "ana", "include")
        screening.decide(sb, 1, "ben", "include", tags=[SEG], note="segmentation only")
        screening.decide(sb, 2, "ben", "include", tags=[MRI])
        screening.decide(sb, 3, "ben", "exclude", reasons=["Not medical imaging"], tags=[CT])
        first = merge_projects(sa, b)
        assert (first["decisions_added"], first["unchanged"], first["resolutions"]) == (3, 0, 0)
        assert first["new_conflicts"]["title_abstract"] == [3]
        assert first["new_tag_disagreements"] == {"title_abstract": [1], "full_text": []}
        ben1 = screening.get_decision(sa, 1, "ben", "ta")
        assert ben1.tags == (SEG,) and ben1.note == "segmentation only"
        doc = list_conflicts(sa, "ta")
        assert [c["record_id"] for c in doc["tag_disagreements"]] == [1]

        # cy adjudicates on ana's laptop: record 3's label, record 1's tags
        resolve(sa, 3, "include", "cy", note="imaging after all", tags=[CT])
        settle_tags(sa, 1, [SEG], "cy")
        assert merge_projects(sa, b)["decisions_added"] == 0  # twice: nothing new
        back = merge_projects(sb, a)
        assert (back["decisions_added"], back["unchanged"], back["resolutions"]) == (3, 3, 2)
        again = merge_projects(sb, a)
        assert (again["decisions_added"], again["decisions_updated"], again["resolutions"]) == (0, 0, 0)
        assert _state(sa) == _state(sb)
        assert _resolutions(sb)[(1, "title_abstract")]["tags"] == [SEG]
        assert _resolutions(sb)[(3, "title_abstract")] == {"label": "include", "reasons": [],
                                                          "note": "imaging after all", "tags": [CT]}
        with sb.read() as s:
            merged = s.scalars(select(DecisionEvent).where(DecisionEvent.kind == "resolution")).all()
        assert sorted((e.record_id, e.origin) for e in merged) == [(1, "merge"), (3, "merge")]

        # a newer resolution on one side wins; the older one never replaces it
        settle_tags(sb, 1, [SEG, MRI], "cy")
        assert merge_projects(sa, b)["resolutions"] == 1
        assert _resolutions(sa)[(1, "title_abstract")]["tags"] == [MRI, SEG]
        assert merge_projects(sb, a)["resolutions"] == 0
        assert _state(sa) == _state(sb)


def test_merge_between_a_team_server_and_a_file_copy(project_location, tmp_path):
    """The same records imported into a project (SQLite or PostgreSQL) and a file copy: merge both ways."""
    main = init_project(project_location, reviewers=["ana", "ben"])
    import_parsed(main, make_records(5))
    copy_path = tmp_path / "ben-laptop.screener"
    copy = init_project(copy_path, reviewers=["ana", "ben"])
    import_parsed(copy, make_records(5))
    try:
        screening.decide(main, 1, "ana", "include", tags=[])
        screening.decide(main, 2, "ana", "exclude", reasons=["Wrong population"])
        screening.decide(copy, 1, "ben", "include", note="offline")
        screening.decide(copy, 2, "ben", "include")
        copy.close()
        report = merge_projects(main, copy_path)
        assert report["decisions_added"] == 2 and report["new_conflicts"]["title_abstract"] == [2]
        assert merge_projects(main, copy_path)["unchanged"] == 2
        copy = open_project(copy_path)
        back = merge_projects(copy, project_location)
        assert back["decisions_added"] == 2 and back["unchanged"] == 2
        assert merge_projects(copy, project_location)["decisions_added"] == 0
        assert _state(main) == _state(copy)
    finally:
        main.close()
        copy.close()
