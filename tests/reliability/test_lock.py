"""The lock beside a project file: a second instance is told and offered read-only; a stale lock
after a crash is taken over; two writers at once never corrupt the project."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from screener.services.screening import decide
from screener.services.status import project_status
from screener.storage.engine import ProjectReadOnlyError
from screener.storage.lock import ProjectLock, ProjectLockedError, lock_path, read_holder
from screener.storage.session import Store
from tests.reliability.crash_harness import (REVIEWERS, CrashServer, DecisionStats, check_decisions,
                                             make_decision_project, read_acks)

HOLDER = textwrap.dedent("""
    import sys
    from screener.storage.session import Store
    store = Store.open(sys.argv[1], lock=True)
    print("ready", flush=True)
    sys.stdin.read()  # hold the project until the test closes our stdin (or kills us)
    store.close()
""")


@pytest.fixture
def project(tmp_path):
    return make_decision_project(tmp_path / "review.screener", n_records=10)


@pytest.fixture
def holder(project):
    """Another app instance: a process that has the project open with its lock."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(project)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    yield proc
    if proc.poll() is None:
        proc.stdin.close()
        proc.wait(timeout=30)
    proc.stdout.close()
    if proc.stdin and not proc.stdin.closed:
        proc.stdin.close()


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_second_instance_is_told_who_has_it_and_can_read_only(project, holder):
    info = read_holder(lock_path(project))
    assert info.pid == holder.pid and info.host == socket.gethostname()
    with pytest.raises(ProjectLockedError) as exc:
        Store.open(project, lock=True)
    assert exc.value.holder.pid == holder.pid
    assert "open in another screener" in str(exc.value) and "read-only" in str(exc.value)
    decide(Store.open(project), 1, "ana", "include")  # the command line does not take the lock
    store = Store.open(project, read_only=True)
    try:
        assert store.read_only and store.lock is None
        assert project_status(store)["records"] == 10
        with pytest.raises(ProjectReadOnlyError, match="read-only"):
            decide(store, 2, "ana", "include")
    finally:
        store.close()
    assert read_holder(lock_path(project)).pid == holder.pid  # a reader leaves the lock alone


def test_a_stale_lock_after_a_crash_is_recovered(project, holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert lock_path(project).exists()  # the crash left the lock file behind...
    store = Store.open(project, lock=True)  # ...but its OS lock died with the process
    try:
        assert store.lock.recovered is not None and store.lock.recovered.pid == holder.pid
        assert read_holder(lock_path(project)).pid == os.getpid()
        decide(store, 1, "ana", "include")
    finally:
        store.close()
    assert not lock_path(project).exists()


def test_one_lock_per_project_even_in_one_process(project):
    first = Store.open(project, lock=True)
    try:
        with pytest.raises(ProjectLockedError):
            Store.open(project, lock=True)
    finally:
        first.close()
    second = Store.open(project, lock=True)
    second.close()
    assert not lock_path(project).exists()


def test_a_lock_file_replaced_under_a_waiting_opener_is_not_shared(project, monkeypatch):
    """The holder releases (and deletes the file) between another opener's open and its lock:
    that opener must not keep a lock on the deleted file while a third takes the new one."""
    from screener.storage import lock as lock_module

    a = ProjectLock(project).acquire()
    real_try_lock = lock_module._try_lock
    calls = []

    def release_in_between(fd):
        calls.append(fd)
        if len(calls) == 1:
            a.release()  # the file b opened is now deleted, its lock free
        return real_try_lock(fd)

    monkeypatch.setattr(lock_module, "_try_lock", release_in_between)
    b = ProjectLock(project).acquire()
    monkeypatch.setattr(lock_module, "_try_lock", real_try_lock)
    try:
        assert len(calls) == 2  # the first lock was on the deleted file: it started again
        assert os.path.samestat(os.fstat(b._fd), os.stat(lock_path(project)))
        with pytest.raises(ProjectLockedError):
            ProjectLock(project).acquire()
    finally:
        b.release()


def test_two_writers_at_once_never_corrupt_the_project(tmp_path):
    """Two processes record decisions on one file at the same time (the GUI and a script, say);
    one is killed half-way. Every acknowledged write of both is there, and nothing else."""
    project = make_decision_project(tmp_path / "shared.screener", n_records=20)
    with CrashServer() as server:
        acks = {tag: tmp_path / f"{tag}.ack" for tag in ("a", "b", "c")}
        pids = {tag: server.start("decide", project=str(project), ack=str(path), seed=i, reviewers=REVIEWERS,
                                  tag=tag, limit=40) for i, (tag, path) in enumerate(acks.items())}
        # Let them interleave, then kill one in the middle of its work.
        _wait_lines(acks["c"], 10)
        os.kill(pids["c"], signal.SIGKILL)
        statuses = {tag: server.reap(pid) for tag, pid in pids.items()}
    assert os.WIFEXITED(statuses["a"]) and os.WEXITSTATUS(statuses["a"]) == 0
    assert os.WIFEXITED(statuses["b"]) and os.WEXITSTATUS(statuses["b"]) == 0
    lines = {tag: read_acks(path) for tag, path in acks.items()}
    assert "done" in lines["a"] and "done" in lines["b"]
    stats = DecisionStats()
    check_decisions(project, lines, stats)
    assert stats.acked >= 80 + 9 and stats.lost == stats.partial == 0


def _wait_lines(path, n: int) -> None:
    import time

    end = time.monotonic() + 60
    while time.monotonic() < end:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        time.sleep(0.005)
    raise AssertionError(f"{path}: fewer than {n} lines after 60 s")


# -- a read-only place, as a user who may not write there ----------------------------------------------

NOBODY = 65534

AS_NOBODY = textwrap.dedent("""
    import io, json, os, sys, contextlib
    from screener.cli.main import main
    from screener.services.screening import decide
    from screener.services.status import project_status
    from screener.storage.session import Store

    writable, readonly = sys.argv[1], sys.argv[2]
    # Everything the run below needs is imported now, while this process may still read the
    # interpreter's own files (they are not readable by the unprivileged user on this machine).
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["status", writable, "--json"])
        main(["decide", writable, "1", "include", "--reviewer", "ana"])
        store = Store.open(writable, lock=True)
        project_status(store)
        store.close()
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(%(uid)d)
        os.setuid(%(uid)d)
    out = {"uid": os.geteuid()}
    store = Store.open(readonly, lock=True)
    out["read_only"] = store.read_only
    out["reason"] = store.read_only_reason
    out["records"] = project_status(store)["records"]
    try:
        decide(store, 2, "ana", "include")
        out["decide"] = "written"
    except Exception as exc:
        out["decide"] = f"{type(exc).__name__}: {exc}"
    store.close()
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()) as o, contextlib.redirect_stderr(err):
        out["cli_status"] = main(["status", readonly, "--json"])
        out["cli_status_json"] = json.loads(o.getvalue())["records"]
        out["cli_decide"] = main(["decide", readonly, "2", "include", "--reviewer", "ana"])
    out["cli_stderr"] = err.getvalue()
    print(json.dumps(out))
""") % {"uid": NOBODY}


@pytest.fixture
def read_only_place(tmp_path_factory):
    """A project in a folder the test user may read but not write (root's folder, as `nobody`)."""
    import shutil
    import tempfile

    base = tempfile.mkdtemp(prefix="screener-ro-")
    os.chmod(base, 0o755)
    folder = os.path.join(base, "shared")
    os.mkdir(folder)
    project = make_decision_project(tmp_path_factory.mktemp("src") / "review.screener", n_records=10)
    target = os.path.join(folder, "review.screener")
    shutil.copyfile(project, target)
    writable = os.path.join(base, "writable")
    os.mkdir(writable)
    shutil.copyfile(project, os.path.join(writable, "copy.screener"))
    os.chmod(target, 0o644)
    os.chmod(folder, 0o555)
    yield os.path.join(writable, "copy.screener"), target
    os.chmod(folder, 0o755)
    shutil.rmtree(base)


def test_a_project_in_a_read_only_place_opens_read_only_as_a_normal_user(read_only_place):
    writable, target = read_only_place
    before = {name: _digest_path(os.path.join(os.path.dirname(target), name))
              for name in os.listdir(os.path.dirname(target))}
    run = subprocess.run([sys.executable, "-c", AS_NOBODY, writable, target], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["uid"] != 0  # really tested as a user without root's powers
    assert out["read_only"] and "cannot be written" in out["reason"]
    assert out["records"] == 10 and out["cli_status"] == 0 and out["cli_status_json"] == 10
    assert out["decide"].startswith("ProjectReadOnlyError") and "read-only" in out["decide"]
    assert out["cli_decide"] == 1
    assert "read-only" in out["cli_stderr"] and "Traceback" not in out["cli_stderr"]
    assert len(out["cli_stderr"].strip().splitlines()) == 1
    after = {name: _digest_path(os.path.join(os.path.dirname(target), name))
             for name in os.listdir(os.path.dirname(target))}
    assert after == before  # nothing written, no -wal, -shm or lock file created


def _digest_path(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_read_only_on_a_server_and_no_password_in_messages(pg_project):
    import sqlite3

    from screener.services.project import init_project
    from screener.storage.engine import write_failure

    init_project(pg_project, reviewers=["ana"]).close()
    store = Store.open(pg_project, read_only=True)
    try:
        assert store.read_only and store.lock is None
        with pytest.raises(ProjectReadOnlyError, match="read-only"):
            from screener.services.reviewers import add_reviewer

            add_reviewer(store, "ben")
    finally:
        store.close()
    err = write_failure(sqlite3.OperationalError("database or disk is full"), "postgresql://ana:s3cret@db.example/x")
    assert "s3cret" not in str(err) and "disk is full" in str(err)
