"""Offline dual screening: two copies of a project, merged both ways and twice."""

from __future__ import annotations

import shutil

from screener.services import screening
from screener.services.merge import merge_projects
from screener.services.project import init_project, open_project
from screener.services.status import project_status
from tests.services.test_screening import make_records
from screener.services.importing import import_parsed


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
