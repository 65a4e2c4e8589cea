"""A full disk: a clear error, nothing half-written, and the project (and app) stay usable.

The disk is real: a small tmpfs mounted in a private mount namespace (``unshare``), filled to
the last byte, so SQLite, the backup and the exports meet a genuine ENOSPC.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

from tests.conftest import need

SCRIPT = textwrap.dedent(r"""
    import errno, json, os, sqlite3, sys
    from screener.core.records import ParsedFile, RecordData
    from screener.services.backup import backup_project
    from screener.services.export import export_table
    from screener.services.importing import import_files, import_parsed
    from screener.services.project import init_project
    from screener.services.screening import decide
    from screener.services.status import project_status
    from screener.storage.engine import DiskFullError

    folder, ris = sys.argv[1], sys.argv[2]
    out = {}
    project = os.path.join(folder, "p.screener")
    store = init_project(project, reviewers=["ana"])
    recs = tuple(RecordData(title=f"Record {i}", abstract="text " * 50) for i in range(20))
    import_parsed(store, ParsedFile(path="made.ris", format="ris", encoding="utf-8", records=recs), source="made")
    decide(store, 1, "ana", "include")

    def counts():
        con = sqlite3.connect(project)
        try:
            return [con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("sources", "records", "record_sources", "decisions", "decision_events")]
        finally:
            con.close()

    def attempt(name, fn):
        try:
            fn()
            out[name] = "ok"
        except DiskFullError as exc:
            out[name] = f"DiskFullError: {exc}"
        except Exception as exc:
            out[name] = f"{type(exc).__name__}: {exc}"

    # Fill the disk to the last byte.
    filler = os.path.join(folder, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    for size in (1 << 20, 1 << 16, 4096, 1):
        while True:
            try:
                if os.write(fd, b"\0" * size) < size:
                    break
            except OSError as exc:
                out["fill_errno"] = exc.errno
                break
    os.close(fd)
    out["free_bytes"] = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    before = counts()
    attempt("import", lambda: import_files(store, [ris]))
    attempt("big_decision", lambda: decide(store, 2, "ana", "exclude", note="x" * 3_000_000))
    attempt("backup", lambda: backup_project(store, os.path.join(folder, "b.screener")))
    attempt("export", lambda: export_table(store, "records", os.path.join(folder, "records.csv")))
    import contextlib, io
    from screener.cli.main import main
    for name, argv in (("cli_export", ["export", project, "--table", "records", "--out", os.path.join(folder, "r.csv")]),
                       ("cli_decide", ["decide", project, "3", "exclude", "--reviewer", "ana", "--note", "x" * 3_000_000])):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            out[name] = main(argv)
        out[name + "_stderr"] = err.getvalue()
    out["unchanged"] = counts() == before
    out["status_while_full"] = project_status(store)["records"]
    out["leftovers"] = sorted(n for n in os.listdir(folder) if n not in ("p.screener", "p.screener-wal",
                                                                       "p.screener-shm", "filler"))
    con = sqlite3.connect(project)
    out["integrity_full"] = con.execute("PRAGMA integrity_check").fetchall()
    con.close()
    # Free the space: the same open project takes the same work again.
    os.remove(filler)
    attempt("import_after", lambda: import_files(store, [ris]))
    attempt("big_decision_after", lambda: decide(store, 2, "ana", "exclude", note="x" * 3_000_000))
    attempt("backup_after", lambda: backup_project(store, os.path.join(folder, "b.screener")))
    after = counts()
    out["grew"] = [a - b for a, b in zip(after, before)]
    con = sqlite3.connect(project)
    out["integrity_after"] = con.execute("PRAGMA integrity_check").fetchall()
    con.close()
    store.close()
    print(json.dumps(out))
""")


def _namespace_command() -> list[str] | None:
    """``unshare`` with a private mount namespace: as root, or as a user with user namespaces."""
    if shutil.which("unshare") is None:
        return None
    for flags in (["-m"], ["-r", "-m"]):
        probe = subprocess.run(["unshare", *flags, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                               capture_output=True)
        if probe.returncode == 0:
            return ["unshare", *flags]
    return None


def test_a_full_disk_is_a_clear_error_and_nothing_is_half_written(tmp_path, shared_data):
    unshare = _namespace_command()
    need(unshare is not None, "cannot mount a small tmpfs here (unshare -m / -rm not permitted)")
    folder = tmp_path / "disk"
    folder.mkdir()
    ris = shared_data / "refs" / "ris" / "asreview___baseline.ris"
    run = subprocess.run([*unshare, "sh", "-c", 'mount -t tmpfs -o size=32m tmpfs "$1" && exec "$2" -c "$3" "$1" "$4"',
                          "sh", str(folder), sys.executable, SCRIPT, str(ris)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["fill_errno"] == 28 and out["free_bytes"] == 0  # ENOSPC: really full
    for step in ("import", "big_decision", "backup"):
        assert out[step].startswith("DiskFullError") and "disk is full" in out[step], (step, out[step])
    assert "No space left" in out["export"] or out["export"].startswith("DiskFullError")
    for name in ("cli_export", "cli_decide"):  # the command line: one clear line, exit code 1
        assert out[name] == 1 and len(out[name + "_stderr"].strip().splitlines()) == 1, out[name + "_stderr"]
        assert "No space left" in out[name + "_stderr"] or "disk is full" in out[name + "_stderr"]
    assert out["unchanged"] and out["status_while_full"] == 20
    assert out["leftovers"] == []  # no half-written backup, export or temporary file
    assert out["integrity_full"] == [["ok"]] == out["integrity_after"]
    assert (out["import_after"], out["big_decision_after"], out["backup_after"]) == ("ok", "ok", "ok"), out
    # one whole import (a source with all its records) and one decision went in once space was free
    assert out["grew"][0] == 1 and out["grew"][1] == out["grew"][2] > 50 and out["grew"][4] == 1
