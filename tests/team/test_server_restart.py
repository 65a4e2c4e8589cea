"""A real restart of the PostgreSQL server in the middle of screening loses no committed decision.

A reviewer process records decisions one by one and prints each one the app acknowledged as saved;
the test restarts the server (pg_ctlcluster, fast shutdown: open connections are cut) while it
runs. A decision the app could not save is reported and tried again, as the GUI's "Retry" does.
Afterwards every acknowledged decision is in the database, with its event, exactly once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from screener.services.importing import import_files
from screener.services.project import init_project
from screener.services.reviewers import add_reviewer
from screener.storage.models import Decision, DecisionEvent
from tests.conftest import PG_URL, need
from tests.team.conftest import RIS

WORKER = """
import sys, time
from sqlalchemy.exc import DBAPIError
from screener.core.errors import ServerConnectionError
from screener.services.project import open_project
from screener.services.screening import decide

url, reviewer, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_project(url)
for rid in range(1, n + 1):
    while True:
        try:
            decide(store, rid, reviewer, "include", note=f"restart test {rid}")
        except (ServerConnectionError, DBAPIError) as exc:  # the GUI's "not saved": try again
            print(f"retry {rid} {type(exc).__name__}", flush=True)
            time.sleep(0.2)
            continue
        print(f"ack {rid}", flush=True)
        break
    time.sleep(0.03)
store.close()
"""


def cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").is_dir() else []
    need(shutil.which("pg_ctlcluster") and versions, "pg_ctlcluster is needed to restart the test server")
    return versions[-1], "main"


def start_time(engine) -> object:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT pg_postmaster_start_time()")).scalar()


def wait_for_server(engine, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            start_time(engine)
            return
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_restarting_the_server_mid_screening_loses_no_committed_decision(server, shared_data):
    version, name = cluster()
    owner = init_project(server.url, reviewers=["olga"])
    import_files(owner, [shared_data / RIS])
    ana = add_reviewer(owner, "ana")
    n = 100  # every record of the file
    proc = subprocess.Popen([sys.executable, "-c", WORKER, server.as_role(ana.db_role), "ana", str(n)],
                            stdout=subprocess.PIPE, text=True)
    admin = sa.create_engine(PG_URL, pool_pre_ping=True)
    before = start_time(admin)
    lines: list[str] = []
    try:
        while len([x for x in lines if x.startswith("ack")]) < 15:  # screening is well under way
            lines.append(proc.stdout.readline().strip())
        assert proc.poll() is None
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],
                       check=True, capture_output=True, timeout=120)
        out, _ = proc.communicate(timeout=120)
        after_restart = [x.strip() for x in out.splitlines()]
        lines += after_restart
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        wait_for_server(admin)
    assert start_time(admin) != before  # the server really restarted while the reviewer worked
    acked = [int(x.split()[1]) for x in lines if x.startswith("ack")]
    assert sorted(acked) == list(range(1, n + 1))
    # The reviewer went on deciding after the restart (a lost connection is retried inside the
    # unit of work, or reported and tried again by the worker).
    assert len([x for x in after_restart if x.startswith("ack")]) >= 10
    owner.engine.dispose()  # its pooled connections died with the server
    with owner.read() as s:
        decisions = s.execute(select(Decision.record_id, Decision.label)).all()
        events = s.execute(select(DecisionEvent.record_id, DecisionEvent.after)).all()
    assert sorted(r for r, _ in decisions) == list(range(1, n + 1))  # each exactly once
    assert {label for _, label in decisions} == {"include"}
    assert {r for r, after in events if after and after.get("label") == "include"} == set(range(1, n + 1))
    owner.close()
    admin.dispose()
