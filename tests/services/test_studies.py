"""Several reports of one study: links kept one level deep, checked, and usable from the command line."""

from __future__ import annotations

import json

import pytest

from screener.cli.main import main
from screener.core.errors import NotFoundError, UserError
from screener.core.records import ParsedFile, RecordData
from screener.services.dedup import merge_records
from screener.services.importing import import_parsed
from screener.services.project import init_project
from screener.services.studies import link_report, study_of, unlink_report


@pytest.fixture
def store(project_location):
    st = init_project(project_location, reviewers=["ana"])
    recs = tuple(RecordData(title=f"Report {i}", doi=f"10.1/{i}") for i in range(1, 7))
    import_parsed(st, ParsedFile("r.ris", "ris", "utf-8", recs), source="PubMed")
    yield st
    st.close()


def test_link_unlink_and_one_level_deep(store):
    assert study_of(store, 1).reports == (1,)
    link = link_report(store, 2, 1)
    assert (link.report_id, link.study_id, link.reports) == (2, 1, (1, 2))
    # linking to a report links to its study's main record
    assert link_report(store, 3, 2).study_id == 1
    assert study_of(store, 3).reports == (1, 2, 3)
    # a main record joining another study brings its reports along
    link_report(store, 5, 4)
    merged = link_report(store, 4, 1)
    assert merged.reports == (1, 2, 3, 4, 5)
    assert study_of(store, 5).study_id == 1
    unlink_report(store, 3)
    assert study_of(store, 3).reports == (3,) and study_of(store, 1).reports == (1, 2, 4, 5)


def test_bad_links_are_refused(store):
    with pytest.raises(NotFoundError, match="unknown record 99"):
        link_report(store, 99, 1)
    with pytest.raises(UserError, match="its own study"):
        link_report(store, 1, 1)
    link_report(store, 2, 1)
    with pytest.raises(UserError, match="its own study"):
        link_report(store, 1, 2)  # 2 is a report of 1
    merge_records(store, [5, 6], kept=5)
    with pytest.raises(UserError, match="duplicate"):
        link_report(store, 6, 1)


def test_study_commands(store, capsys):
    project = store.project
    assert main(["study", "link", project, "3", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"report_id": 3, "study_id": 1, "reports": [1, 3]}
    assert main(["study", "show", project, "3"]) == 0
    assert capsys.readouterr().out.strip() == "study 1: reports 1, 3"
    assert main(["study", "unlink", project, "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reports"] == [3]
    assert main(["study", "link", project, "3", "42"]) == 1
    assert "unknown record 42" in capsys.readouterr().err
