"""Team mode on the real server: login roles with least privilege, who may do what, change notices."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest
import sqlalchemy as sa

from screener.core.errors import PermissionDeniedError, UserError
from screener.services import screening
from screener.services.conflicts import unblind
from screener.services.importing import import_files
from screener.services.project import init_project, open_project, update_settings
from screener.services.reviewers import add_reviewer, current_reviewer, list_reviewers
from screener.storage import team
from tests.team.conftest import RIS

BLINDED = ("decisions", "decision_reasons", "decision_tags", "decision_events", "resolutions")


def cli(*args: str, check: int | None = 0):
    res = subprocess.run([sys.executable, "-m", "screener.cli.main", *args], capture_output=True, text=True,
                         timeout=120)
    if check is not None:
        assert res.returncode == check, (res.returncode, res.stdout, res.stderr)
    return res


def raw(url: str, sql: str, **params):
    """One statement through a plain SQLAlchemy connection: any client can do this."""
    eng = sa.create_engine(url)
    try:
        with eng.begin() as c:
            result = c.execute(sa.text(sql), params)
            return result.all() if result.returns_rows else []
    finally:
        eng.dispose()


@pytest.fixture
def project(server, shared_data):
    store = init_project(server.url, title="Team", reviewers=["olga"], template="medical-imaging-fm")
    import_files(store, [shared_data / RIS])
    yield store
    store.close()


def test_init_sets_up_row_level_security_and_notices(project):
    with project.engine.connect() as c:
        flags = dict(((n, (r, f)) for n, r, f in c.exec_driver_sql(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'")))
        triggers = set(c.exec_driver_sql(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'screener_notify'").scalars())
    for table in BLINDED:
        assert flags[table] == (True, True), table
    assert flags["records"] == (False, False)
    assert {"decisions", "resolutions", "records", "stage_settings"} <= {t.split(".")[-1] for t in triggers}


def test_init_and_reviewer_add_on_the_command_line(server):
    cli("init", server.url, "--title", "Team", "--reviewer", "olga")
    doc = json.loads(cli("reviewer", "add", server.url, "ana", "--json").stdout)
    assert set(doc) == {"name", "role", "db_role", "db_password"} and doc["db_role"].startswith("ana_")
    listed = json.loads(cli("reviewer", "list", server.url, "--json").stdout)["reviewers"]
    assert [(r["name"], r["db_role"]) for r in listed] == [("olga", None), ("ana", doc["db_role"])]
    # The new login works at once, and its app sees the project.
    res = cli("status", server.as_role(doc["db_role"]), "--json")
    assert json.loads(res.stdout)["reviewers"] == ["olga", "ana"]


def test_reviewer_add_creates_a_least_privilege_login(server, project):
    n_records = raw(server.url, "SELECT count(*) FROM records")[0][0]
    doc = json.loads(cli("reviewer", "add", server.url, "Zoë O'Brien\"; DROP TABLE records; --", "--json").stdout)
    assert doc["name"] == "Zoë O'Brien\"; DROP TABLE records; --" and doc["role"] == "reviewer"
    role = doc["db_role"]
    assert role.startswith("zoe_o_brien_drop_table_records_") and len(role) <= 63 and doc["db_password"]
    attrs = raw(server.url, "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, "
                "rolpassword IS NOT NULL FROM pg_authid WHERE rolname = :r", r=role)
    assert attrs == [(True, False, False, False, False, True)]
    with project.engine.connect() as c:
        team_group, owner_group = team.group_roles(c)
    groups = {g for (g,) in raw(server.url, "SELECT g.rolname FROM pg_auth_members a JOIN pg_roles g ON "
                                "g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = :r", r=role)}
    assert groups == {team_group}
    assert raw(server.url, "SELECT count(*) FROM records")[0][0] == n_records > 0  # the name did not run as SQL
    # Least privilege, table by table: reads everything, writes only what screening needs.
    can = {t: raw(server.url, "SELECT has_table_privilege(:r, :t, 'INSERT'), has_table_privilege(:r, :t, 'UPDATE'), "
                  "has_table_privilege(:r, :t, 'DELETE'), has_table_privilege(:r, :t, 'SELECT')",
                  r=role, t=t)[0] for t in team.project_tables()}
    assert all(sel for *_, sel in can.values())
    writable = {t for t, (i, u, d, _) in can.items() if i or u or d}
    assert writable == {"decisions", "decision_reasons", "decision_tags", "decision_events", "resolutions",
                        "attachments"}
    assert can["decision_events"] == (True, False, False, True)  # the log is append-only
    assert can["stage_settings"] == (False, False, False, True)  # unblinding is the owner's
    # An owner added later gets the owner group too; the file project keeps db_role null.
    doc = json.loads(cli("reviewer", "add", server.url, "pat", "--role", "owner", "--json").stdout)
    groups = {g for (g,) in raw(server.url, "SELECT g.rolname FROM pg_auth_members a JOIN pg_roles g ON "
                                "g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = :r",
                                r=doc["db_role"])}
    assert groups == {team_group, owner_group}


def test_reviewers_named_at_init_get_a_login_later(server, project):
    add_reviewer(project, "ana")
    res = cli("reviewer", "login", server.url, "olga", "--json")
    doc = json.loads(res.stdout)
    assert doc["name"] == "olga" and doc["role"] == "owner" and doc["db_role"].startswith("olga_")
    assert cli("reviewer", "login", server.url, "olga", check=1).stderr.count("already has the login role") == 1


def test_the_connection_says_who_is_working(server, project):
    ana, ben = add_reviewer(project, "ana"), add_reviewer(project, "ben")
    assert current_reviewer(project).name == "olga"  # the role owning the tables: its first owner
    with open_project(server.as_role(ana.db_role)) as as_ana:
        assert current_reviewer(as_ana) == ana
        screening.decide(as_ana, 1, "ana", "include")
        with pytest.raises(PermissionDeniedError, match="cannot act as ben"):
            screening.decide(as_ana, 2, "ben", "include")
        # Underneath, the server refuses whatever the client: a decision or an event in ben's name.
        for sql in ("INSERT INTO decisions (record_id, reviewer_id, stage, label, note, decided_at) "
                    "VALUES (2, :ben, 'title_abstract', 'include', '', now())",
                    "INSERT INTO decision_events (record_id, reviewer_id, stage, kind, at, origin) "
                    "VALUES (2, :ben, 'title_abstract', 'decision', now(), 'x')",
                    "UPDATE decisions SET reviewer_id = :ben"):
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
                raw(server.as_role(ana.db_role), sql, ben=ben.id)
        with pytest.raises(UserError, match="cannot act as ben"):
            screening.get_decision(as_ana, 1, "ben", "title_abstract")
        res = cli("decide", server.as_role(ana.db_role), "3", "include", "--reviewer", "ben", check=1)
        assert "cannot act as ben" in res.stderr and "Traceback" not in res.stderr
        # The owner's business stays the owner's: settings, unblinding, the team, the log's past.
        with pytest.raises(PermissionDeniedError, match="permission denied for table stage_settings"):
            unblind(as_ana, "ta")
        with pytest.raises(PermissionDeniedError, match="permission denied"):
            update_settings(as_ana, title="mine now")
        with pytest.raises(PermissionDeniedError, match="permission denied"):
            add_reviewer(as_ana, "eve")
        for sql in ("DELETE FROM decision_events", "UPDATE decision_events SET origin = 'forged'"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                raw(server.as_role(ana.db_role), sql)
        assert cli("reviewer", "add", server.as_role(ana.db_role), "eve", check=1).stderr.count("refused") == 1
    assert [r.name for r in list_reviewers(project)] == ["olga", "ana", "ben"]
    assert raw(server.url, "SELECT count(*) FROM decision_events")[0][0] == 1


def test_psql_as_a_reviewer_reads_only_its_own_blind_decisions(server, project):
    ana, ben = add_reviewer(project, "ana"), add_reviewer(project, "ben")
    with open_project(server.as_role(ana.db_role)) as as_ana, open_project(server.as_role(ben.db_role)) as as_ben:
        for rid in (1, 2, 3):
            screening.decide(as_ana, rid, "ana", "include", note="ana's secret")
        screening.decide(as_ben, 1, "ben", "exclude", reasons=["Not medical imaging"], tags=["Task"])
    raw(server.url, "ANALYZE decisions")  # statistics exist, and would tell labels if a reviewer could read them
    assert raw(server.url, "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() "
               "AND tablename = 'decisions' AND attname = 'label'")[0][0] == 1
    url = sa.engine.make_url(server.url)
    conninfo = (f"host={url.host} port={url.port or 5432} dbname={url.database} user={ben.db_role} "
                f"options=-csearch_path={server.schemas[0]}")
    sql = ("SELECT (SELECT count(*) FROM decisions) || ',' || (SELECT count(*) FROM decision_events) || ',' || "
           "(SELECT count(*) FROM decision_reasons) || ',' || (SELECT count(*) FROM decision_tags) || ',' || "
           "(SELECT count(*) FROM pg_stats WHERE tablename = 'decisions')")
    out = subprocess.run(["psql", conninfo, "-XAtc", sql], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PGPASSWORD": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1,1,1,1,0"  # ben's own rows; no statistics about the hidden ones
    unblind(project, "ta")
    out = subprocess.run(["psql", conninfo, "-XAtc", sql], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().split(",")[:4] == ["4", "4", "1", "1"]


def listen(url: str) -> psycopg.Connection:
    u = sa.engine.make_url(url)
    conn = psycopg.connect(host=u.host, port=u.port or 5432, dbname=u.database, user=u.username, autocommit=True,
                           options=u.query["options"])
    conn.execute(f"LISTEN {team.CHANNEL}")
    return conn


def notices(conn: psycopg.Connection, schema: str) -> list[dict]:
    out = []
    for n in conn.notifies(timeout=1.0, stop_after=None):
        doc = json.loads(n.payload)
        if isinstance(doc, dict) and doc.get("schema") == schema:
            out.append(doc)
    return out


def test_notices_say_what_changed_and_never_a_blind_decision(server, project, shared_data):
    ana, ben = add_reviewer(project, "ana"), add_reviewer(project, "ben")
    schema = server.schemas[0]
    ear = listen(server.as_role(ben.db_role))  # ben listens; ana decides
    try:
        with open_project(server.as_role(ana.db_role)) as as_ana:
            screening.decide(as_ana, 7, "ana", "include", note="keep")
            got = notices(ear, schema)
            assert got == [{"schema": schema, "table": "decisions", "op": "INSERT", "stage": "title_abstract"}]
            unblind(project, "ta")
            got = notices(ear, schema)
            assert {"table": "stage_settings", "op": "UPDATE"} in [{k: d[k] for k in ("table", "op")} for d in got]
            screening.decide(as_ana, 7, "ana", "exclude")
            got = notices(ear, schema)
            assert got == [{"schema": schema, "table": "decisions", "op": "UPDATE", "stage": "title_abstract",
                            "record_id": 7, "reviewer_id": ana.id}]
            assert all("label" not in json.dumps(d) for d in got)
        # A whole import is one notice, not one per record.
        import_files(project, [shared_data / RIS])
        got = [d for d in notices(ear, schema) if d["table"] == "records"]
        assert got == [{"schema": schema, "table": "records", "op": "INSERT"}]
    finally:
        ear.close()
