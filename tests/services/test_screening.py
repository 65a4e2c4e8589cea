"""Decisions, outcomes, status and the decisions table, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv

import pytest

from screener.core.errors import NotFoundError, UserError
from screener.core.records import ParsedFile, RecordData
from screener.services import reviewers, screening, taxonomy
from screener.services.decisions_io import import_decisions
from screener.services.export import export_table
from screener.services.importing import import_parsed
from screener.services.project import get_settings, init_project, update_settings
from screener.services.status import project_status
from screener.storage.models import DecisionEvent
from sqlalchemy import select


def make_records(n: int) -> ParsedFile:
    recs = tuple(RecordData(title=f"Paper {i} on segmentation", year=2020 + i % 5, doi=f"10.1000/p{i}",
                            authors=(f"Author{i}, A.", "Second, B."), extra={"N1": f"note {i}"}, line=1 + 10 * i)
                 for i in range(n))
    return ParsedFile(path="mem.ris", format="ris", encoding="utf-8", records=recs)


@pytest.fixture
def store(project_location):
    st = init_project(project_location, title="FM review", reviewers=["ana", "ben"], template="medical-imaging-fm")
    import_parsed(st, make_records(10), source="PubMed")
    yield st
    st.close()


def test_template_seeds_reasons_and_taxonomy(store):
    tags = taxonomy.list_tags(store)
    paths = [t.path for t in tags]
    assert "Task > Segmentation" in paths
    assert "Model family > Vision foundation model > Segment anything (SAM)" in paths
    ft = taxonomy.list_reasons(store, "ft")
    assert ft and all(r.stage == "full_text" for r in ft)
    s = get_settings(store)
    assert s.stages["full_text"].reason_required and not s.stages["title_abstract"].reason_required
    assert [r.name for r in reviewers.list_reviewers(store)] == ["ana", "ben"]
    assert reviewers.list_reviewers(store)[0].role == "owner"


def test_decide_replace_and_log(store):
    d = screening.decide(store, 1, "ana", "include", tags=["Task > Segmentation", "Imaging modality > CT"])
    assert d.tags == ("Imaging modality > CT", "Task > Segmentation")
    reason = taxonomy.list_reasons(store, "ta")[0].name
    d2 = screening.decide(store, 1, "ana", "exclude", reasons=[reason], note="not FM")
    assert d2.label == "exclude" and d2.reasons == (reason,) and d2.tags == ()
    with store.read() as s:
        events = list(s.scalars(select(DecisionEvent).order_by(DecisionEvent.id)))
    assert len(events) == 2
    assert events[0].before is None and events[0].after["label"] == "include"
    assert events[1].before["label"] == "include" and events[1].after["reasons"] == [reason]


def test_decide_errors(store):
    with pytest.raises(NotFoundError, match="unknown record 999"):
        screening.decide(store, 999, "ana", "include")
    with pytest.raises(NotFoundError, match="unknown reviewer 'zed'"):
        screening.decide(store, 1, "zed", "include")
    with pytest.raises(UserError, match="reason is required"):
        screening.decide(store, 1, "ana", "exclude", stage="ft")
    with pytest.raises(NotFoundError, match="unknown title_abstract exclusion reason"):
        screening.decide(store, 1, "ana", "exclude", reasons=["made up"])
    with pytest.raises(UserError, match="unknown label"):
        screening.decide(store, 1, "ana", "perhaps")


def test_status_outcomes_and_conflicts(store):
    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 1, "ben", "include")
    screening.decide(store, 2, "ana", "include")
    screening.decide(store, 2, "ben", "exclude")
    screening.decide(store, 3, "ana", "exclude")
    st = project_status(store)
    ta = st["stages"]["title_abstract"]
    assert st["records"] == 10 and st["reviewers"] == ["ana", "ben"]
    assert ta["screened"] == 3 and ta["included"] == 1 and ta["conflicts"] == 1 and ta["pending"] == 1
    assert ta["unscreened"] == 7
    assert st["stages"]["full_text"]["eligible"] == 1
    assert st["by_reviewer"] == {"ana": {"title_abstract": 3, "full_text": 0},
                                 "ben": {"title_abstract": 2, "full_text": 0}}
    update_settings(store, stage_changes={"ta": {"reviewers_required": 1}})
    assert project_status(store)["stages"]["title_abstract"]["excluded"] == 1


def test_restore_for_undo(store):
    screening.decide(store, 4, "ana", "include")
    before = None
    screening.restore_decision(store, 4, "ana", "title_abstract", before)
    assert screening.get_decision(store, 4, "ana", "ta") is None
    screening.restore_decision(store, 4, "ana", "title_abstract", {"label": "maybe", "tags": ["Task > Detection"]})
    assert screening.get_decision(store, 4, "ana", "ta").tags == ("Task > Detection",)


def test_decisions_roundtrip(store, tmp_path):
    reason = taxonomy.list_reasons(store, "ta")[1].name
    screening.decide(store, 1, "ana", "include", tags=["Task > Segmentation"], note="good; clear")
    screening.decide(store, 2, "ben", "exclude", reasons=[reason])
    out = tmp_path / "decisions.csv"
    export_table(store, "decisions", out)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [(r["record_id"], r["reviewer"], r["label"]) for r in rows] == [("1", "ana", "include"), ("2", "ben", "exclude")]
    assert rows[1]["reasons"] == reason
    # a new reviewer's decisions, naming one record by DOI and bringing a new reason and tag
    reviewers.add_reviewer(store, "cy")
    src = tmp_path / "in.csv"
    src.write_text("record_id,doi,reviewer,stage,label,reasons,tags,note\n"
                   ",https://doi.org/10.1000/P3,cy,ta,exclude,Brand new reason,,\n"
                   "1,,cy,ft,include,,New facet > Value;Task > Segmentation,x\n", encoding="utf-8")
    res = import_decisions(store, src)
    assert res["imported"] == 2
    assert res["created_reasons"] == ["title_abstract: Brand new reason"]
    assert res["created_tags"] == ["New facet", "New facet > Value"]
    assert screening.get_decision(store, 4, "cy", "ta").reasons == ("Brand new reason",)  # doi p3 is record 4


def test_decisions_import_is_all_or_nothing(store, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("record_id,reviewer,stage,label\n1,ana,ta,include\n2,ana,ta,include\n77,ana,ta,include\n",
                   encoding="utf-8")
    with pytest.raises(UserError, match=r"bad.csv:4: unknown record 77"):
        import_decisions(store, src)
    assert screening.get_decision(store, 1, "ana", "ta") is None


def test_taxonomy_edit(store):
    t = taxonomy.add_tag(store, "Dataset > Public")
    facet = [x for x in taxonomy.list_tags(store) if x.path == "Dataset"][0]
    task = [x for x in taxonomy.list_tags(store) if x.path == "Task"][0]
    taxonomy.move_tag(store, t.id, task.id)
    assert "Task > Public" in [x.path for x in taxonomy.list_tags(store)]
    with pytest.raises(UserError, match="under itself"):
        taxonomy.move_tag(store, task.id, t.id)
    taxonomy.rename_tag(store, t.id, "Open data")
    taxonomy.retire_tag(store, facet.id)
    paths = [x.path for x in taxonomy.list_tags(store)]
    assert "Task > Open data" in paths and "Dataset" not in paths


def test_used_reason_is_retired_not_deleted(store):
    r = taxonomy.add_reason(store, "ta", "Animal study")
    screening.decide(store, 5, "ana", "exclude", reasons=["Animal study"])
    assert taxonomy.remove_reason(store, r.id) == "retired"
    unused = taxonomy.add_reason(store, "ta", "Unused")
    assert taxonomy.remove_reason(store, unused.id) == "deleted"
    assert screening.get_decision(store, 5, "ana", "ta").reasons == ("Animal study",)


def test_conflicts_and_resolution(store):
    from screener.services.conflicts import list_conflicts, resolve

    screening.decide(store, 1, "ana", "include")
    screening.decide(store, 1, "ben", "exclude", reasons=[taxonomy.list_reasons(store, "ta")[0].name])
    doc = list_conflicts(store, "ta")
    assert doc["count"] == 1 and doc["conflicts"][0]["record_id"] == 1
    assert {d["reviewer"]: d["label"] for d in doc["conflicts"][0]["decisions"]} == {"ana": "include", "ben": "exclude"}
    with pytest.raises(UserError, match="only an adjudicator or owner"):
        resolve(store, 1, "include", "ben")
    res = resolve(store, 1, "include", "ana", note="fits the question")
    assert res["label"] == "include"
    assert list_conflicts(store, "ta")["count"] == 0
    assert project_status(store)["stages"]["title_abstract"]["included"] == 1
    assert project_status(store)["stages"]["full_text"]["eligible"] == 1


def test_tags_and_crosstab_tables(store, tmp_path):
    from screener.services.review_tables import crosstab_table, tags_table

    update_settings(store, stage_changes={"ta": {"reviewers_required": 1}})
    screening.decide(store, 1, "ana", "include", tags=["Task > Segmentation", "Imaging modality > CT"])
    screening.decide(store, 2, "ana", "include", tags=["Task > Segmentation", "Imaging modality > MRI",
                                                        "Model family > Vision foundation model > Segment anything (SAM)"])
    screening.decide(store, 3, "ana", "exclude", tags=["Task > Detection"])
    cols, rows = tags_table(store)
    assert cols[:4] == ["record_id", "title", "year", "stage"] and "Task" in cols
    by_id = {r[0]: dict(zip(cols, r)) for r in rows}
    assert set(by_id) == {1, 2}
    assert by_id[2]["Model family"] == "Vision foundation model > Segment anything (SAM)"
    assert by_id[1]["Imaging modality"] == "CT" and by_id[1]["stage"] == "title_abstract"
    cols, rows = crosstab_table(store)
    pairs = {(r[0], r[1], r[2], r[3]): r[4] for r in rows}
    assert pairs[("Imaging modality", "CT", "Task", "Segmentation")] == 1
    assert pairs[("Imaging modality", "MRI", "Task", "Segmentation")] == 1
    out = tmp_path / "tags.xlsx"
    assert export_table(store, "tags", out)["rows"] == 2 and out.stat().st_size > 0


def test_resolution_settles_final_tags(store):
    from screener.services.conflicts import resolve
    from screener.services.review_tables import tags_table

    screening.decide(store, 1, "ana", "include", tags=["Task > Segmentation", "Imaging modality > CT"])
    screening.decide(store, 1, "ben", "include", tags=["Task > Detection"])
    cols, rows = tags_table(store)
    row = dict(zip(cols, rows[0]))
    assert row["Task"] == "Detection; Segmentation"  # the union while unsettled
    res = resolve(store, 1, "include", "ana", tags=["Task > Segmentation", "Imaging modality > CT"])
    assert res["tags"] == ["Imaging modality > CT", "Task > Segmentation"]
    cols, rows = tags_table(store)
    row = dict(zip(cols, rows[0]))
    assert row["Task"] == "Segmentation" and row["Imaging modality"] == "CT"
