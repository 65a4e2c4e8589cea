"""Blinding enforced by the server: non-interference.

While a stage is blind, everything a reviewer's login can read — every query the app makes for
them, and a raw ``SELECT *`` on every table — must be exactly what it would read from a
database in which the other reviewers' rows of that stage do not exist (same ids, same
everything else). The reference database is built independently: a full copy of the project
with those rows deleted, pushed to a second schema of the same server.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import sqlalchemy as sa

from screener.core.errors import UserError
from screener.services import agreement, conflicts, export, queries, screening, status
from screener.services.importing import import_files
from screener.services.prisma import prisma_counts
from screener.services.project import init_project, open_project, update_settings
from screener.services.reviewers import add_reviewer
from screener.services.team import pull, push
from screener.storage import team
from screener.storage.models import DecisionEvent, Resolution
from screener.storage.session import Store
from tests.team.conftest import RIS, schema_url

TA, FT = "title_abstract", "full_text"
REVIEWERS = ("ana", "ben", "cy")
LABELS = ("include", "exclude", "maybe")


def build(server, shared_data):
    """A project with an open title/abstract stage and a blind full-text stage, screened by three
    reviewers and an adjudicator, with reasons, tags, notes, changed and withdrawn decisions,
    resolutions and one automated resolution."""
    owner = init_project(server.url, title="Blind", reviewers=["olga"], template="medical-imaging-fm")
    import_files(owner, [shared_data / RIS])
    update_settings(owner, stage_changes={TA: {"blind": False}, FT: {"reason_required": False}})
    people = {name: add_reviewer(owner, name) for name in REVIEWERS}
    people["adj"] = add_reviewer(owner, "adj", "adjudicator")
    stores = {name: open_project(server.as_role(p.db_role)) for name, p in people.items()}
    try:
        for i, name in enumerate(REVIEWERS):
            s = stores[name]
            for rid in range(1, 31):
                if (rid + i) % 5 == 0:
                    continue
                label = LABELS[(rid * (i + 1)) % 3] if rid > 3 else "include"
                reasons = ["Not medical imaging"] if label == "exclude" else []
                tags = ["Task", "Model family > Large language model"][: (rid + i) % 3]
                screening.decide(s, rid, name, label, TA, reasons, tags, note=f"{name} thinks {label}")
                if rid <= 18:
                    screening.decide(s, rid, name, LABELS[(rid + i) % 3], FT,
                                     ["Not medical imaging"] if LABELS[(rid + i) % 3] == "exclude" else [],
                                     tags[:1], note=f"{name}: full text of {rid}")
            screening.decide(s, 2, name, "maybe", FT, note="changed my mind")
            screening.clear_decision(s, 4, name, FT)
        for rid in (5, 6):
            screening.decide(stores["adj"], rid, "adj", "exclude", FT, ["Not medical imaging"], note="adj's own")
        for rid, stage in ((7, FT), (8, FT), (9, TA)):
            conflicts.resolve(stores["adj"], rid, "include", by="adj", stage=stage, note="settled")
    finally:
        for s in stores.values():
            s.close()
    with owner.unit() as s:  # what the stopping rule writes: reveals nobody's decision
        s.add(Resolution(record_id=95, stage=FT, label="exclude", reviewer_id=1, automated=True, note="stopped"))
        s.add(DecisionEvent(record_id=95, reviewer_id=1, stage=FT, kind="resolution", before=None,
                            after={"label": "exclude", "automated": True}, origin="stop"))
    return owner, people


def reference(server, owner_url: str, reviewer_id: int, tmp: Path) -> str:
    """The project as it would be if the others' full-text rows did not exist, on a new schema."""
    copy = tmp / f"without_others_of_{reviewer_id}.screener"
    pull(owner_url, copy)
    with Store.open(copy) as store, store.unit() as s:
        hidden = "stage = 'full_text' AND reviewer_id IS NOT :me"
        s.execute(sa.text(f"DELETE FROM decision_reasons WHERE decision_id IN (SELECT id FROM decisions WHERE {hidden})"),
                  {"me": reviewer_id})
        s.execute(sa.text(f"DELETE FROM decision_tags WHERE decision_id IN (SELECT id FROM decisions WHERE {hidden})"),
                  {"me": reviewer_id})
        s.execute(sa.text(f"DELETE FROM decisions WHERE {hidden}"), {"me": reviewer_id})
        s.execute(sa.text(f"DELETE FROM decision_events WHERE {hidden}"), {"me": reviewer_id})
        s.execute(sa.text("DELETE FROM resolutions WHERE stage = 'full_text' AND NOT automated"))
    schema = server.new_schema()
    push(copy, schema_url(schema))
    return schema


def raw_tables(url: str) -> dict[str, list[tuple]]:
    """``SELECT *`` on every table, as the URL's role (rows sorted, so only content counts)."""
    eng = sa.create_engine(url)
    try:
        with eng.connect() as c:
            return {t: sorted((tuple(r) for r in c.exec_driver_sql(f'SELECT * FROM "{t}"')), key=repr)
                    for t in team.project_tables() + ["alembic_version"]}
    finally:
        eng.dispose()


def app_view(url: str, reviewer: str, tmp: Path) -> dict:
    """What the app's read services return for ``reviewer`` (errors included, as type and text)."""
    out: dict = {}
    tmp.mkdir(parents=True, exist_ok=True)

    def take(key, fn, *args, **kwargs):
        try:
            value = fn(*args, **kwargs)
        except UserError as exc:
            value = ("error", type(exc).__name__, str(exc).split(": ", 1)[-1])
        out[key] = dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value

    with open_project(url) as store:
        take("status", status.project_status, store)
        take("prisma", prisma_counts, store)
        for stage in (TA, FT):
            for flt in queries.FILTERS:
                for sort in ("queue", "mine"):
                    take((stage, flt, sort), queries.record_ids, store,
                         queries.RecordQuery(reviewer, stage, filter=flt, sort=sort))
            ids = queries.record_ids(store, queries.RecordQuery(reviewer, stage))
            take((stage, "rows"), queries.display_rows, store, ids, reviewer, stage)
            take((stage, "mine"), queries.my_labels, store, reviewer, stage)
            take((stage, "progress"), queries.stage_progress, store, reviewer, stage)
            take((stage, "next"), queries.next_record, store, queries.RecordQuery(reviewer, stage))
            take((stage, "conflicts"), conflicts.list_conflicts, store, stage)
            take((stage, "agreement"), agreement.stage_agreement, store, stage)
            for table in ("decisions", "records", "included", "excluded", "tags", "crosstab"):
                path = tmp / f"{reviewer}-{stage}-{table}.csv"
                take((stage, "export", table), export.export_table, store, table, path, stage=stage)
                out[(stage, "export", table, "file")] = path.read_text(encoding="utf-8") if path.exists() else None
        for rid in list(range(1, 31, 2)) + [2, 4, 95]:
            take(("view", rid), queries.record_view, store, rid, reviewer)
            for stage in (TA, FT):
                take(("decision", rid, stage), screening.get_decision, store, rid, reviewer, stage)
    return out


def test_a_blind_reviewer_reads_as_if_the_others_rows_did_not_exist(server, shared_data, tmp_path):
    owner, people = build(server, shared_data)
    try:
        everything = raw_tables(server.url)
        assert len([d for d in everything["decisions"] if d[3] == FT]) > 40  # the others' rows exist
        for name in REVIEWERS:
            me = people[name]
            other = reference(server, server.url, me.id, tmp_path)
            real_url, ref_url = server.as_role(me.db_role), server.as_role(me.db_role, other)
            seen, expected = raw_tables(real_url), raw_tables(ref_url)
            assert seen == expected, name
            mine_ft = [d for d in seen["decisions"] if d[3] == FT]
            assert mine_ft and all(d[2] == me.id for d in mine_ft)
            assert [r for r in seen["resolutions"] if r[2] == FT] == [r for r in everything["resolutions"]
                                                                      if r[2] == FT and r[8]]  # automated only
            assert seen["decisions"] != everything["decisions"]
            real, ref = app_view(real_url, name, tmp_path / "x"), app_view(ref_url, name, tmp_path / "x")
            assert real.keys() == ref.keys()
            for key in real:
                assert real[key] == ref[key], (name, key)
        # Adjudicators read everything, as the owner does.
        assert raw_tables(server.as_role(people["adj"].db_role)) == everything
    finally:
        owner.close()
