"""Backups through SQLite's backup API while screening goes on; the daily automatic backup."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from screener.core.errors import UserError
from screener.services.backup import auto_backup, backup_dir, backup_project, list_backups
from screener.storage.models import DecisionEvent
from screener.storage.session import Store
from tests.reliability.crash_harness import (REVIEWERS, CrashServer, check_replay, integrity,
                                             make_decision_project, read_acks)


def _acked(path: Path) -> int:
    return sum(1 for x in read_acks(path) if x[:1].isdigit())


def test_backups_while_decisions_are_being_written_are_whole_and_consistent(tmp_path):
    project = make_decision_project(tmp_path / "live.screener", n_records=40)
    ack = tmp_path / "writer.ack"
    store = Store.open(project)
    with CrashServer() as server:
        pid = server.start("decide", project=str(project), ack=str(ack), seed=5, reviewers=REVIEWERS, limit=120)
        while _acked(ack) < 10:
            time.sleep(0.005)
        seen = []
        for i in range(4):
            before = _acked(ack)
            info = backup_project(store, tmp_path / "copies" / f"b{i}.screener")
            after = _acked(ack)
            backup = Path(info.path)
            assert integrity(backup) == [("ok",)]
            copy = Store.open(backup)
            try:
                with copy.read() as s:
                    events = list(s.scalars(select(DecisionEvent).order_by(DecisionEvent.id)))
                    seqs = [int(e.origin[1:]) for e in events]
                    # a snapshot: the writes committed when it was taken, in order, each whole
                    assert seqs == list(range(1, len(seqs) + 1))
                    assert before <= len(seqs) <= after + 1
                    check_replay(s, events)
            finally:
                copy.close()
            seen.append(len(seqs))
        status = server.reap(pid)
    store.close()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0  # the writer never failed or waited out
    assert "done" in read_acks(ack)
    assert seen == sorted(seen) and seen[-1] > seen[0]  # screening went on between the backups


def test_default_backup_goes_to_the_backup_folder(tmp_path):
    store = Store.open(make_decision_project(tmp_path / "p.screener", n_records=5))
    try:
        info = backup_project(store)
        assert Path(info.path).parent == backup_dir(store) == tmp_path / "p_backups"
        assert not info.automatic and list_backups(store) == []  # a manual backup is never pruned
        second = backup_project(store)
        assert second.path != info.path
        with pytest.raises(UserError, match="cannot replace the project"):
            backup_project(store, tmp_path / "p.screener")
        assert not list(tmp_path.rglob(".*.tmp"))
    finally:
        store.close()


def test_backup_to_a_place_that_cannot_be_written_is_a_clear_error(tmp_path):
    store = Store.open(make_decision_project(tmp_path / "p.screener", n_records=5))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    try:
        with pytest.raises(UserError, match="cannot write the backup"):
            backup_project(store, blocker / "b.screener")
    finally:
        store.close()


def test_daily_backup_once_a_day_keeps_the_newest(tmp_path):
    store = Store.open(make_decision_project(tmp_path / "p.screener", n_records=5))
    try:
        first = auto_backup(store)
        assert first is not None and first.automatic and integrity(Path(first.path)) == [("ok",)]
        assert auto_backup(store) is None  # not due again the same day
        later = auto_backup(store, now=datetime.now() + timedelta(days=1, minutes=1))
        assert later is not None and later.path != first.path
        folder = backup_dir(store)
        for days in range(2, 12):  # older automatic backups, as if made on earlier days
            stamp = (datetime.now() - timedelta(days=days)).strftime("%Y%m%d-%H%M%S")
            shutil.copyfile(first.path, folder / f"p-auto-{stamp}.screener")
        (folder / "p-20200101-000000.screener").write_bytes(b"a manual backup")
        made = auto_backup(store, keep=3, now=datetime.now() + timedelta(days=3))
        kept = list_backups(store)
        assert len(kept) == 3 and kept[0].path == made.path
        assert kept == sorted(kept, key=lambda b: b.created, reverse=True)
        assert (folder / "p-20200101-000000.screener").exists()  # only automatic ones are pruned
    finally:
        store.close()


def test_no_automatic_backup_of_read_only_or_server_projects(tmp_path, pg_project):
    project = make_decision_project(tmp_path / "p.screener", n_records=5)
    ro = Store.open(project, read_only=True)
    try:
        assert auto_backup(ro) is None and not backup_dir(ro).exists()
        assert Path(backup_project(ro, tmp_path / "manual.screener").path).exists()  # reading is enough
    finally:
        ro.close()
    server = Store.create(pg_project)
    try:
        assert auto_backup(server) is None
        with pytest.raises(UserError, match="backed up by the server"):
            backup_project(server, tmp_path / "x.screener")
    finally:
        server.close()
