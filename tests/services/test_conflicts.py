"""Label conflicts and tag disagreements, their resolution, and who may see agreement (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from screener.core.errors import UserError
from screener.services import screening
from screener.services.agreement import may_see_agreement
from screener.services.conflicts import list_conflicts, resolve, settle_tags, tags_differ, unblind
from screener.services.importing import import_parsed
from screener.services.project import init_project, update_settings
from screener.services.review_tables import tags_table
from screener.services.reviewers import add_reviewer
from screener.storage.models import DecisionEvent
from tests.services.test_screening import make_records

CT, MRI, SEG = "Imaging modality > CT", "Imaging modality > MRI", "Task > Segmentation"


@pytest.fixture
def store(project_location):
    st = init_project(project_location, title="FM review", reviewers=["ana", "ben"], template="medical-imaging-fm")
    import_parsed(st, make_records(10), source="PubMed")
    add_reviewer(st, "cy", "adjudicator")
    yield st
    st.close()


def _final_tags(store, stage: str = "ta") -> dict[int, set[str]]:
    """The final tags of each included record, as the tags table (export) has them."""
    cols, rows = tags_table(store, stage)
    facets = ("Imaging modality", "Task")
    out = {}
    for row in rows:
        values = dict(zip(cols, row))
        out[row[0]] = {f"{f} > {v}" for f in facets for v in str(values[f]).split("; ") if v}
    return out


def test_tags_differ_ignores_an_exclude_without_tags():
    inc = {"label": "include", "tags": [CT]}
    assert not tags_differ([inc, {"label": "exclude", "tags": []}])
    assert tags_differ([inc, {"label": "exclude", "tags": [MRI]}])
    assert tags_differ([inc, {"label": "include", "tags": []}])
    assert not tags_differ([inc, {"label": "include", "tags": [CT]}])
    assert not tags_differ([])


def test_tag_disagreements_listed_and_settled(store):
    screening.decide(store, 1, "ana", "include", tags=[CT, SEG])
    screening.decide(store, 1, "ben", "include", tags=[SEG])           # tags differ: listed
    screening.decide(store, 2, "ana", "include", tags=[CT])
    screening.decide(store, 2, "ben", "include", tags=[CT])            # same tags: not listed
    screening.decide(store, 3, "ana", "include", tags=[MRI])
    screening.decide(store, 3, "ben", "exclude", reasons=["Not medical imaging"])  # a label conflict
    screening.decide(store, 4, "ana", "exclude", reasons=["Not medical imaging"], tags=[CT])
    screening.decide(store, 4, "ben", "exclude", reasons=["Not medical imaging"])  # excluded: tags do not matter
    screening.decide(store, 5, "ana", "include", tags=[MRI])           # one reviewer so far: pending
    doc = list_conflicts(store, "ta")
    assert doc["count"] == 1 and [c["record_id"] for c in doc["conflicts"]] == [3]
    (label_conflict,) = doc["conflicts"]
    assert label_conflict["kind"] == "label" and not label_conflict["tags_differ"]
    assert label_conflict["final_tags"] == [MRI]
    assert doc["tag_count"] == 1
    (entry,) = doc["tag_disagreements"]
    assert entry["record_id"] == 1 and entry["kind"] == "tags" and entry["label"] == "include"
    assert entry["tags_differ"] and entry["final_tags"] == [CT, SEG]
    assert {d["reviewer"]: d["tags"] for d in entry["decisions"]} == {"ana": [CT, SEG], "ben": [SEG]}
    assert _final_tags(store)[1] == {CT, SEG}  # the union stands until settled

    with pytest.raises(UserError, match="only an adjudicator or owner"):
        settle_tags(store, 1, [SEG], "ben")
    with pytest.raises(UserError, match="is a conflict .* resolve its label first"):
        settle_tags(store, 3, [MRI], "cy")
    with pytest.raises(UserError, match="not included"):
        settle_tags(store, 4, [], "cy")
    res = settle_tags(store, 1, [SEG], "cy", note="CT only in the discussion")
    assert res["label"] == "include" and res["tags"] == [SEG] and res["note"] == "CT only in the discussion"
    doc = list_conflicts(store, "ta")
    assert doc["tag_count"] == 0 and doc["count"] == 1
    assert _final_tags(store)[1] == {SEG}

    # settling again keeps the label and the note; the history holds both settlements
    settle_tags(store, 1, [SEG, MRI], "ana")
    assert _final_tags(store)[1] == {SEG, MRI}
    with store.read() as s:
        events = s.scalars(select(DecisionEvent).where(DecisionEvent.record_id == 1,
                                                       DecisionEvent.kind == "resolution")
                           .order_by(DecisionEvent.id)).all()
        assert [e.origin for e in events] == ["tags", "tags"]
        assert events[0].before is None and events[1].before["tags"] == [SEG]
        assert events[1].after == {"label": "include", "reasons": [], "note": "CT only in the discussion",
                                   "tags": [MRI, SEG]}


def test_resolving_a_label_conflict_with_tags_and_later_disagreement(store):
    screening.decide(store, 1, "ana", "include", tags=[CT])
    screening.decide(store, 1, "ben", "maybe", tags=[MRI])  # a maybe needs an adjudicator
    (entry,) = list_conflicts(store, "ta")["conflicts"]
    assert entry["tags_differ"] and entry["final_tags"] == [CT, MRI]
    resolve(store, 1, "include", "cy", tags=[CT])
    doc = list_conflicts(store, "ta")
    assert doc["count"] == 0 and doc["tag_count"] == 0
    assert _final_tags(store)[1] == {CT}

    # resolved as include without settling the tags: the different tags then show as a disagreement
    screening.decide(store, 2, "ana", "include", tags=[CT])
    screening.decide(store, 2, "ben", "maybe", tags=[MRI])
    resolve(store, 2, "include", "cy", note="fits")
    doc = list_conflicts(store, "ta")
    assert [e["record_id"] for e in doc["tag_disagreements"]] == [2]
    settle_tags(store, 2, [MRI], "cy")
    assert list_conflicts(store, "ta")["tag_count"] == 0
    assert _final_tags(store)[2] == {MRI}


def test_full_text_tags_are_their_own_stage(store):
    update_settings(store, stage_changes={"ta": {"reviewers_required": 1}})
    screening.decide(store, 1, "ana", "include")
    for who, tags in (("ana", [CT]), ("ben", [MRI])):
        screening.decide(store, 1, who, "include", stage="ft", tags=tags)
    assert list_conflicts(store, "ta")["tag_count"] == 0
    (entry,) = list_conflicts(store, "ft")["tag_disagreements"]
    assert entry["record_id"] == 1
    settle_tags(store, 1, [CT], "cy", stage="ft")
    assert list_conflicts(store, "ft")["tag_count"] == 0
    assert _final_tags(store, "ft")[1] == {CT}


def test_who_sees_agreement_while_blind(store):
    # both stages are blind by default: only the adjudicator and the owner see agreement
    assert may_see_agreement(store, "ana", "ta")      # owner
    assert may_see_agreement(store, "cy", "ta")       # adjudicator
    assert not may_see_agreement(store, "ben", "ta")  # plain reviewer
    assert not may_see_agreement(store, "", "ta")     # nobody chosen yet
    unblind(store, "ta", "ana")
    assert may_see_agreement(store, "ben", "ta") and may_see_agreement(store, "", "ta")
    assert not may_see_agreement(store, "ben", "ft")
    update_settings(store, stage_changes={"ft": {"blind": False}})
    assert may_see_agreement(store, "ben", "ft")
