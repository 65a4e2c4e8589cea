"""kill -9 at random moments: nothing acknowledged is lost, nothing is half-written, the project reopens.

A fork server (crash_worker.py) runs the real services in child processes; each child is killed
with SIGKILL after a random delay, and the project is checked afterwards (crash_harness.py).
benchmarks/crash_trials.py runs the same trials in larger numbers.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.reliability.crash_harness import (CrashServer, MigrationReference, MigrationStats, counts_of,
                                             decision_trials, import_trials, migration_trials, schema_of)


@pytest.fixture(scope="module")
def server():
    with CrashServer() as s:
        yield s


def test_killed_while_recording_decisions(tmp_path, server):
    stats = decision_trials(tmp_path, n=100, seed=10, max_delay=0.1, server=server)
    # The checks raise on the first lost or partial write; these say the trials did what they should.
    assert stats.trials == 100 and stats.killed_running == 100
    assert stats.lost == stats.partial == stats.integrity_failures == stats.reopen_failures == 0
    assert stats.acked >= stats.awaited > 100  # kills landed among acknowledged writes, not just at start-up
    assert stats.committed - stats.acked == stats.in_flight_committed <= stats.trials


def test_killed_during_a_bulk_import_leaves_all_or_nothing(tmp_path, server, shared_data):
    source = shared_data / "refs" / "ris" / "asreview___baseline.ris"
    stats = import_trials(tmp_path, source, n=25, seed=11, server=server)
    assert stats.partial == 0
    assert stats.none_imported + stats.all_imported == stats.trials == 25
    assert stats.killed_running >= 10 and stats.none_imported >= 5, stats


def test_killed_during_a_schema_migration_leaves_old_or_new_schema(tmp_path, server):
    stats = migration_trials(tmp_path, n=25, seed=12, server=server)
    assert stats.mixed == stats.backup_missing == 0
    assert stats.old_schema + stats.new_schema == stats.trials == 25
    assert stats.killed_running >= 10 and stats.old_schema >= 5, stats


def test_a_failure_at_any_step_of_a_migration_rolls_it_back(tmp_path):
    """Make the n-th SQL statement of the upgrade fail, for every n: the old schema stays, whole."""
    from screener.storage.engine import open_database

    ref = MigrationReference(tmp_path)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    probe = tmp_path / "probe.screener"
    shutil.copyfile(ref.template, probe)
    event.listen(Engine, "before_cursor_execute", count)
    try:
        open_database(probe).dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    ddl = [i for i, s in enumerate(statements) if s.lstrip().upper().startswith(("CREATE", "ALTER", "DROP", "INSERT",
                                                                                   "UPDATE"))]
    assert len(ddl) >= 15  # 0002 rebuilds tables: a real, many-step migration
    stats = MigrationStats()
    steps = sorted(set(ddl[::2] + ddl[-3:]))
    for n in steps:
        project = tmp_path / f"f{n}" / "p.screener"
        project.parent.mkdir()
        shutil.copyfile(ref.template, project)
        seen = []

        def fail_at(_conn, _cursor, statement, *_args, n=n):
            seen.append(statement)
            if len(seen) == n + 1:
                raise RuntimeError(f"injected failure at step {n}")

        event.listen(Engine, "before_cursor_execute", fail_at)
        try:
            with pytest.raises(RuntimeError, match="injected"):
                open_database(project)
        finally:
            event.remove(Engine, "before_cursor_execute", fail_at)
        assert ref.check(project, stats) == "0001"
    assert stats.old_schema == len(steps) and stats.mixed == 0


def test_upgrade_keeps_decisions_and_their_reasons(tmp_path):
    """Migration 0002 rebuilds tables; with foreign keys on, SQLite would cascade-delete their children."""
    from screener.storage.engine import open_database

    ref = MigrationReference(tmp_path)
    project = tmp_path / "p.screener"
    shutil.copyfile(ref.template, project)
    open_database(project).dispose()
    assert counts_of(project) == ref.counts and ref.counts["decisions"] == 400
    assert schema_of(project) == ref.new
    con = sqlite3.connect(project)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
