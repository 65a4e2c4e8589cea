"""Optimistic concurrency on shared rows: an edit made on an old copy is refused, not applied.

Two people ("sessions": two Stores on the same project, as two desktops would have) read the
same settings, tag or conflict, then both edit it. The second edit, made on what has become an
old copy, must fail with a ConflictError that says what changed, and the first edit must
survive. Each scenario is also run the naive way (``version=None``, no check) to show that the
scenario really loses an update without the check, so the test could catch one. SQLite and
PostgreSQL alike (``project_location``).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from screener.core.errors import ConflictError, NotFoundError
from screener.services import screening, taxonomy
from screener.services.conflicts import list_conflicts, resolve, settle_tags
from screener.services.importing import import_parsed
from screener.services.prisma import previous_counts, set_previous_counts
from screener.services.project import get_settings, init_project, open_project, update_settings
from screener.services.reviewers import add_reviewer
from screener.services.studies import link_report, unlink_report
from screener.services.taxonomy_keys import set_tag_shortcut
from screener.storage.models import Record
from tests.services.test_screening import make_records

CT, MRI, SEG = "Imaging modality > CT", "Imaging modality > MRI", "Task > Segmentation"


@pytest.fixture
def two(project_location):
    """Two stores on one project: what two reviewers' desktops hold."""
    st = init_project(project_location, title="FM review", reviewers=["ana", "ben"], template="medical-imaging-fm")
    import_parsed(st, make_records(8), source="PubMed")
    add_reviewer(st, "cy", "adjudicator")
    st.close()
    a, b = open_project(project_location), open_project(project_location)
    yield a, b
    a.close()
    b.close()


def _tag(store, path: str):
    return next(t for t in taxonomy.list_tags(store, include_retired=True) if t.path == path)


# -- project settings ------------------------------------------------------------------------------

def _settings_race(a, b, check: bool) -> str:
    """Both read the settings; a saves a new title, then b saves its criteria on its old copy.

    Returns the title that stands afterwards.
    """
    seen_a, seen_b = get_settings(a), get_settings(b)
    update_settings(a, version=seen_a.version, title="Title by ana")
    update_settings(b, version=seen_b.version if check else None, title=seen_b.title,
                    inclusion_criteria="Adults only")
    return get_settings(a).title


def test_stale_settings_edit_is_refused_and_the_first_survives(two):
    a, b = two
    with pytest.raises(ConflictError, match="the project settings were changed by someone else since you "
                                            "opened them; .*nothing was overwritten.*reload and try again"):
        _settings_race(a, b, check=True)
    after = get_settings(b)
    assert after.title == "Title by ana" and after.inclusion_criteria == ""  # b saved nothing at all


def test_naive_settings_edit_loses_the_first_update(two):
    a, b = two
    # without the version check b's old copy of the title silently overwrites ana's
    assert _settings_race(a, b, check=False) == "FM review"


def test_settings_edit_on_the_current_copy_is_saved_and_bumps_the_version(two):
    a, b = two
    seen = get_settings(a)
    saved = update_settings(b, {"ta": {"reviewers_required": 1}}, version=seen.version,
                            stage_versions={"ta": seen.stages["title_abstract"].version}, question="Does it?")
    assert saved.question == "Does it?" and saved.stages["title_abstract"].reviewers_required == 1
    assert saved.version == seen.version + 1
    assert saved.stages["title_abstract"].version == seen.stages["title_abstract"].version + 1
    assert saved.stages["full_text"].version == seen.stages["full_text"].version  # untouched row
    # an edit that changes nothing is still checked, and still passes on the current copy
    update_settings(a, version=saved.version, question="Does it?")


def test_stale_stage_settings_name_the_stage(two):
    a, b = two
    seen = get_settings(b)
    update_settings(a, {"full_text": {"reason_required": False}})  # a one-shot command: no check
    with pytest.raises(ConflictError, match="^the full-text stage settings were changed by someone else"):
        update_settings(b, {"full_text": {"blind": False}},
                        stage_versions={st: c.version for st, c in seen.stages.items()})
    ft = get_settings(a).stages["full_text"]
    assert ft.blind and not ft.reason_required


def test_previous_counts_are_checked_with_the_settings(two):
    a, b = two
    seen = get_settings(b)
    saved = update_settings(a, version=seen.version, previous=(10, 12))
    assert (saved.previous_studies, saved.previous_reports) == (10, 12)
    with pytest.raises(ConflictError, match="project settings were changed"):
        update_settings(b, version=seen.version, previous=(None, None))
    with pytest.raises(ConflictError, match="project settings were changed"):
        set_previous_counts(b, 3, 4, version=seen.version)
    assert previous_counts(b) == (10, 12)
    set_previous_counts(b, 3, 4, version=saved.version)
    assert previous_counts(a) == (3, 4)


def test_simultaneous_saves_on_one_version_let_exactly_one_through(two, project_location):
    """Four desktops press OK at once on the same copy: one save wins, the others are told.

    This is the race the version in the UPDATE's WHERE clause covers (all four pass the check
    before the first commits, on PostgreSQL); the check before it covers the old-copy case.
    """
    a, _ = two
    version = get_settings(a).version
    stores = [open_project(project_location) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def save(i: int) -> None:
        barrier.wait()
        try:
            update_settings(stores[i], version=version, title=f"Title {i}")
            outcomes.append(f"Title {i}")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(stores))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for st in stores:
            st.close()
    winners = [o for o in outcomes if o != "conflict"]
    assert len(outcomes) == 4 and len(winners) == 1
    after = get_settings(a)
    assert after.title == winners[0] and after.version == version + 1


# -- taxonomy ------------------------------------------------------------------------------------

def _tag_race(a, b, check: bool) -> str:
    """Both show the taxonomy; a renames Segmentation, then b renames it from its old copy."""
    seen_a, seen_b = _tag(a, SEG), _tag(b, SEG)
    taxonomy.rename_tag(a, seen_a.id, "Segmentation (2D/3D)", seen_a.version)
    taxonomy.rename_tag(b, seen_b.id, "Segmentation masks", seen_b.version if check else None)
    return next(t.name for t in taxonomy.list_tags(a) if t.id == seen_a.id)


def test_stale_tag_rename_is_refused_naming_the_tag(two):
    a, b = two
    with pytest.raises(ConflictError, match=r"^the tag 'Task > Segmentation \(2D/3D\)' was changed by someone "
                                            r"else since the taxonomy was shown"):
        _tag_race(a, b, check=True)
    assert _tag(b, "Task > Segmentation (2D/3D)").name == "Segmentation (2D/3D)"


def test_naive_tag_rename_loses_the_first_update(two):
    a, b = two
    assert _tag_race(a, b, check=False) == "Segmentation masks"


def test_every_tag_edit_takes_the_version(two):
    a, b = two
    old = _tag(b, CT)
    taxonomy.retire_tag(a, old.id, True, old.version)
    with pytest.raises(ConflictError, match="the tag 'Imaging modality > CT' was changed"):
        set_tag_shortcut(b, old.id, "Alt+C", old.version)
    with pytest.raises(ConflictError):
        taxonomy.move_tag(b, old.id, None, 0, old.version)
    with pytest.raises(ConflictError):
        taxonomy.retire_tag(b, old.id, False, old.version)  # b would restore what a just retired
    now = _tag(b, CT)
    assert now.retired and now.shortcut == "" and now.parent_id == old.parent_id
    # the fresh copy works: every edit of the list bumps the version it passes back
    assert set_tag_shortcut(b, now.id, "Alt+C", now.version).shortcut == "Alt+C"
    assert _tag(a, CT).version == now.version + 1


def test_a_move_changes_the_siblings_it_reorders(two):
    a, b = two
    mri, ct = _tag(b, MRI), _tag(b, CT)
    taxonomy.move_tag(a, mri.id, mri.parent_id, 0, mri.version)  # MRI before CT: CT's position changes
    with pytest.raises(ConflictError):
        taxonomy.rename_tag(b, ct.id, "Computed tomography", ct.version)
    assert _tag(a, CT).name == "CT"


def test_stale_reason_edits_and_a_reason_removed_meanwhile(two):
    a, b = two
    r1, r2 = taxonomy.list_reasons(b, "ta")[:2]
    taxonomy.rename_reason(a, r1.id, "Not about imaging", r1.version)
    with pytest.raises(ConflictError, match="^the exclusion reason 'Not about imaging' was changed by someone else "
                                            "since the list was shown"):
        taxonomy.rename_reason(b, r1.id, "Not medical", r1.version)
    with pytest.raises(ConflictError):
        taxonomy.move_reason(b, r1.id, 3, r1.version)
    assert taxonomy.remove_reason(a, r2.id, r2.version) == "deleted"
    with pytest.raises(ConflictError, match=f"^the exclusion reason {r2.id} was removed by someone else"):
        taxonomy.rename_reason(b, r2.id, "Other", r2.version)
    with pytest.raises(NotFoundError):  # a one-shot command asking for a missing reason
        taxonomy.rename_reason(b, r2.id, "Other")
    names = [r.name for r in taxonomy.list_reasons(a, "ta")]
    assert names[0] == "Not about imaging" and "Other" not in names


# -- resolutions ---------------------------------------------------------------------------------

def _label_conflict(store) -> None:
    screening.decide(store, 3, "ana", "include", tags=[MRI])
    screening.decide(store, 3, "ben", "exclude", reasons=["Not medical imaging"])


def _resolution_race(a, b, check: bool) -> str:
    """cy (adjudicator) and ana (owner) both have record 3's conflict open and resolve it."""
    _label_conflict(a)
    (shown_a,) = list_conflicts(a, "ta")["conflicts"]
    (shown_b,) = list_conflicts(b, "ta")["conflicts"]
    assert shown_a["version"] == shown_b["version"] == 0  # nobody resolved it yet
    resolve(a, 3, "include", "cy", note="imaging after all", version=shown_a["version"])
    resolve(b, 3, "exclude", "ana", reasons=["Not medical imaging"], version=shown_b["version"] if check else None)
    return screening_final(a)


def screening_final(store) -> str:
    from screener.services.outcomes import stage_outcomes

    with store.read() as s:
        return stage_outcomes(s, "title_abstract", [3])[3].state


def test_resolving_a_conflict_someone_resolved_meanwhile_is_refused_naming_them(two):
    a, b = two
    with pytest.raises(ConflictError, match=r"^record 3 at the title/abstract stage was resolved by cy "
                                            r"\(now: include\) since the conflict was shown"):
        _resolution_race(a, b, check=True)
    assert screening_final(b) == "include"


def test_naive_resolution_loses_the_first_update(two):
    a, b = two
    assert _resolution_race(a, b, check=False) == "exclude"


def test_settling_tags_on_an_old_copy_is_refused(two):
    a, b = two
    screening.decide(a, 1, "ana", "include", tags=[CT, SEG])
    screening.decide(a, 1, "ben", "include", tags=[SEG])
    (shown,) = list_conflicts(b, "ta")["tag_disagreements"]
    # cy resolves the label (agreeing include) without settling the tags: still listed, now version 1
    resolve(a, 1, "include", "cy", note="fine", version=shown["version"])
    (again,) = list_conflicts(a, "ta")["tag_disagreements"]
    assert again["version"] == 1
    with pytest.raises(ConflictError, match=r"^record 1 at the title/abstract stage was resolved by cy"):
        settle_tags(b, 1, [SEG], "ana", version=shown["version"])
    settle_tags(a, 1, [CT, SEG], "cy", version=again["version"])
    with pytest.raises(ConflictError, match="resolved again by cy"):
        settle_tags(b, 1, [SEG], "ana", version=again["version"])
    assert list_conflicts(a, "ta")["tag_count"] == 0


def test_simultaneous_resolutions_of_one_conflict_let_one_through(two, project_location):
    """Two adjudicators press I and E at once: one resolution stands, the other is told (the
    unique key, then the rerun's version check), and the event log has one resolution."""
    a, b = two
    _label_conflict(a)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(store, label: str, by: str) -> None:
        barrier.wait()
        try:
            resolve(store, 3, label, by, reasons=["Not medical imaging"] if label == "exclude" else (), version=0)
            outcomes[by] = label
        except ConflictError:
            outcomes[by] = "conflict"

    threads = [threading.Thread(target=run, args=(a, "include", "cy")),
               threading.Thread(target=run, args=(b, "exclude", "ana"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [label for label in outcomes.values() if label != "conflict"]
    assert len(outcomes) == 2 and len(won) == 1 and screening_final(a) == won[0]
    from screener.storage.models import DecisionEvent

    with a.read() as s:
        kinds = list(s.scalars(select(DecisionEvent.kind).where(DecisionEvent.record_id == 3)))
    assert kinds.count("resolution") == 1


# -- records ---------------------------------------------------------------------------------------

def _versions(store) -> dict[int, int]:
    with store.read() as s:
        return dict(s.execute(select(Record.id, Record.version)).all())


def test_study_links_bump_the_versions_of_every_record_they_move(two):
    a, _ = two
    link_report(a, 2, 1)
    link_report(a, 3, 2)                          # to 2's study, i.e. 1
    before = _versions(a)
    link_report(a, 1, 4)                          # 1 with its reports 2 and 3 joins study 4
    after = _versions(a)
    assert {rid for rid in after if after[rid] != before[rid]} == {1, 2, 3}
    assert all(after[rid] == before[rid] + 1 for rid in (1, 2, 3))
    unlink_report(a, 2)
    assert _versions(a)[2] == after[2] + 1
