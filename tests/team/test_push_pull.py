"""push and pull: a whole project between a file and the server, row for row, ids included."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from screener.core.errors import UserError
from screener.services import conflicts, dedup, fulltext, screening, studies, taxonomy
from screener.services.importing import import_files
from screener.services.project import init_project, open_project, update_settings
from screener.services.reviewers import add_reviewer, list_reviewers
from screener.services.team import grant_login, pull, push
from screener.storage.models import Base
from tests.team.conftest import RIS, schema_url


def rows(project: str) -> dict[str, list[tuple]]:
    """Every table's rows, typed by the schema, in id order; times in UTC."""
    def norm(v):
        if hasattr(v, "tzinfo") and hasattr(v, "astimezone"):
            return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
        return v

    with open_project(project) as store, store.engine.connect() as c:
        return {t.name: [tuple(norm(v) for v in r) for r in c.execute(sa.select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables}


@pytest.fixture
def rich_file(tmp_path, shared_data, monkeypatch):
    """A project file that uses every table: duplicates, studies, decisions with reasons, tags and
    notes at both stages, changed and withdrawn decisions, resolutions, full texts, a moved tag."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # where a server project keeps PDFs
    path = tmp_path / "review.screener"
    store = init_project(path, title="Round trip", reviewers=["ana", "ben"], template="medical-imaging-fm")
    try:
        import_files(store, [shared_data / RIS, shared_data / "refs/csv/asreview__duplicate_records.csv"])
        dedup.find_candidates(store, auto=True, by="ana")
        dedup.merge_records(store, [101, 102, 103], by="ana")  # the duplicate file's first records
        add_reviewer(store, "cy", "adjudicator")
        studies.link_report(store, 12, 11)
        new = taxonomy.add_tag(store, "Later facet > Child")
        first = taxonomy.list_tags(store)[0]
        taxonomy.move_tag(store, first.id, new.id)  # a parent with a larger id than its child
        update_settings(store, stage_changes={"full_text": {"reason_required": False}}, question="Does it work?")
        for rid in range(1, 21):
            for name, label in (("ana", "include"), ("ben", "exclude" if rid % 3 else "include")):
                screening.decide(store, rid, name, label, "ta",
                                 ["Not medical imaging"] if label == "exclude" else [],
                                 ["Task"] if rid % 2 else [], note=f"{name} {rid} ünïcode ✓")
        screening.decide(store, 1, "ana", "maybe", "ft", note="full text")
        screening.clear_decision(store, 2, "ben", "ta")
        conflicts.resolve(store, 3, "include", by="cy", note="settled")
        pdf = tmp_path / "paper.pdf"
        pdf.write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        fulltext.attach_pdf(store, 1, pdf, added_by="ana")
        fulltext.mark_not_retrieved(store, 5, by="ben")
    finally:
        store.close()
    return path


def test_push_then_pull_keeps_every_row(server, rich_file, tmp_path):
    before = rows(rich_file)
    assert all(before[t] for t in ("duplicate_groups", "duplicate_pairs", "decision_reasons", "decision_tags",
                                   "resolutions", "attachments", "decision_events"))
    doc = push(rich_file, server.url)
    assert doc["tables"] == {t: len(r) for t, r in before.items()}
    assert doc["attachments"] == {"copied": 1, "missing": 0}
    assert rows(server.url) == before
    back = tmp_path / "back.screener"
    pulled = pull(server.url, back)
    assert pulled["tables"] == doc["tables"]
    assert rows(back) == before
    with open_project(back) as b:
        assert Path(fulltext.get_attachment(b, 1).path).read_bytes().startswith(b"%PDF-")
    # The server project goes on where the file stopped: new ids follow, team mode is on.
    with open_project(server.url) as store:
        screening.decide(store, 30, "ana", "include")
        cy = add_reviewer(store, "dan")
        assert cy.db_role
    after = rows(server.url)
    assert max(r[0] for r in after["decisions"]) == max(r[0] for r in before["decisions"]) + 1
    assert max(r[0] for r in after["decision_events"]) == max(r[0] for r in before["decision_events"]) + 1


def test_pushing_back_to_the_same_server_gives_the_logins_their_access_again(server, rich_file, tmp_path):
    push(rich_file, server.url)
    with open_project(server.url) as store:
        assert [r.db_role for r in list_reviewers(store)] == [None, None, None]
        ben = grant_login(store, "ben")  # ben was named in the file; now ben may log in
    copy = tmp_path / "copy.screener"
    pull(server.url, copy)
    second = server.new_schema()
    doc = push(copy, schema_url(second))
    assert doc["db_roles"] == [ben.db_role]
    with open_project(server.as_role(ben.db_role, second)) as as_ben:
        screening.decide(as_ben, 40, "ben", "include")


def test_push_is_all_or_nothing(server, rich_file, tmp_path):
    broken = tmp_path / "broken.screener"
    broken.write_bytes(rich_file.read_bytes())
    con = sqlite3.connect(broken)
    con.execute("INSERT INTO decision_reasons (decision_id, reason_id, position) VALUES (1, 9999, 0)")
    con.commit()
    con.close()
    with pytest.raises(sa.exc.IntegrityError):
        push(broken, server.url)
    eng = sa.create_engine(server.url)
    with eng.connect() as c:
        assert sa.inspect(c).get_table_names() == []  # nothing of the project is left behind
    eng.dispose()
    push(rich_file, server.url)  # and the database can take the project afterwards
    with pytest.raises(UserError, match="not empty"):
        push(rich_file, server.url)


def test_push_and_pull_on_the_command_line(server, rich_file, tmp_path):
    def cli(*args, check=0):
        res = subprocess.run([sys.executable, "-m", "screener.cli.main", *args], capture_output=True, text=True,
                             timeout=180)
        assert res.returncode == check, res.stderr
        return res

    doc = json.loads(cli("push", str(rich_file), server.url, "--json").stdout)
    assert doc["tables"]["records"] == len(rows(rich_file)["records"])
    out = tmp_path / "pulled.screener"
    res = cli("pull", server.url, str(out))
    assert res.stdout == "" and "copied" in res.stderr
    assert rows(out) == rows(rich_file)
    res = cli("pull", server.url, str(out), check=1)
    assert "already exists" in res.stderr and "Traceback" not in res.stderr
    res = cli("push", str(rich_file), str(tmp_path / "x.screener"), check=1)
    assert "PostgreSQL URL" in res.stderr
