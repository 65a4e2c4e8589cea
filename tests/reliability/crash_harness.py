"""Kill -9 trials: a client of the fork server in crash_worker.py and the checks run after a kill.

Used by tests/reliability/test_crash.py (about a hundred short trials) and by
benchmarks/crash_trials.py (as many as you like, with numbers printed).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

WORKER = Path(__file__).with_name("crash_worker.py")
REVIEWERS = ["ana", "ben", "cy"]


class CrashServer:
    """The fork server, run as a subprocess of the caller."""

    def __init__(self):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        self._lock = threading.Lock()

    def _ask(self, job: dict) -> dict:
        with self._lock:  # trials run in threads; one question and answer at a time
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the crash worker stopped (exit code {self.proc.poll()})")
        return json.loads(line)

    def start(self, op: str, **job) -> int:
        return self._ask({"op": op, **job})["pid"]

    def reap(self, pid: int) -> int:
        return self._ask({"op": "reap", "pid": pid})["status"]

    def run(self, op: str, kill_after: float | None, after_acks: int = 0, **job) -> bool:
        """Start a job and kill it ``kill_after`` seconds later (None: let it finish).

        With ``after_acks`` the delay counts from the moment the job wrote that many ack lines
        (1: it opened the project; 1 + k: k writes committed), so the kill lands in the work
        rather than in the start-up, whatever the machine's load.
        Returns True when the SIGKILL arrived while the job was still running.
        """
        pid = self.start(op, **job)
        if kill_after is not None:
            if after_acks:
                _wait_for_lines(Path(job["ack"]), after_acks, pid)
            time.sleep(kill_after)
            os.kill(pid, signal.SIGKILL)
        status = self.reap(pid)
        return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        self.proc.stdout.close()

    def __enter__(self) -> "CrashServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _wait_for_lines(path: Path, n: int, pid: int, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b""
        if data.count(b"\n") >= n or b"error " in data:
            return
        time.sleep(0.002)
    raise AssertionError(f"process {pid} did not write {n} lines to {path} in {timeout} s")


def read_acks(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    errors = [x for x in lines if x.startswith("error ")]
    if errors:
        raise AssertionError(f"the worker failed: {errors[0]}")
    return lines


def integrity(path: Path) -> list:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchall() + con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()


# -- decisions -------------------------------------------------------------------------------------

def make_decision_project(path: Path, n_records: int = 60) -> Path:
    from screener.core.records import ParsedFile, RecordData
    from screener.services.importing import import_parsed
    from screener.services.project import init_project

    store = init_project(path, title="crash", reviewers=REVIEWERS, template="medical-imaging-fm")
    recs = tuple(RecordData(title=f"Record {i}", abstract="a" * 200, authors=("A, B",), year=2020)
                 for i in range(n_records))
    import_parsed(store, ParsedFile(path="made.ris", format="ris", encoding="utf-8", records=recs), source="made")
    store.close()
    return path


@dataclass
class DecisionStats:
    trials: int = 0
    killed_running: int = 0
    acked: int = 0
    committed: int = 0
    in_flight_committed: int = 0
    lost: int = 0
    partial: int = 0
    integrity_failures: int = 0
    reopen_failures: int = 0
    killed_before_open: int = 0
    #: Acknowledged writes the trials waited for before their random delay began.
    awaited: int = 0


def check_decisions(project: Path, acks: list[str] | dict[str, list[str]], stats: DecisionStats) -> None:
    """Every acknowledged write is in the project, each committed write is whole, the file is sound.

    ``acks`` are the ack lines of one writer, or of several by their origin tag (``{"a": [...]}``).
    """
    from sqlalchemy import select

    from screener.services.screening import decide
    from screener.storage.models import DecisionEvent
    from screener.storage.session import Store

    writers = acks if isinstance(acks, dict) else {"s": acks}
    acked = {tag: [int(x.split()[0]) for x in lines if x[:1].isdigit()] for tag, lines in writers.items()}
    stats.killed_before_open += sum("open" not in lines for lines in writers.values())
    stats.acked += sum(len(v) for v in acked.values())
    problems = integrity(project)
    if problems != [("ok",)]:
        stats.integrity_failures += 1
        raise AssertionError(f"{project}: integrity check: {problems[:5]}")
    try:
        store = Store.open(project)
    except Exception:
        stats.reopen_failures += 1
        raise
    try:
        with store.read() as s:
            events = list(s.scalars(select(DecisionEvent).order_by(DecisionEvent.id)))
            for tag, seqs in acked.items():
                committed = [int(e.origin[len(tag):]) for e in events if e.origin[:len(tag)] == tag]
                # A writer's writes are sequential: the committed ones are exactly 1..k, and k is
                # the number acknowledged, or one more when the kill came between commit and ack.
                if committed != list(range(1, len(committed) + 1)) or not 0 <= len(committed) - len(seqs) <= 1:
                    stats.lost += max(0, len(seqs) - len(committed))
                    raise AssertionError(f"{tag}: acknowledged {len(seqs)} writes, committed {committed[-5:]}")
                stats.committed += len(committed)
                stats.in_flight_committed += len(committed) - len(seqs)
            try:
                check_replay(s, events)
            except AssertionError:
                stats.partial += 1
                raise
        # The project reopened without help; it must also take new work.
        decide(store, 1, REVIEWERS[0], "include", note="after the crash", origin="after")
    finally:
        store.close()


def check_replay(session, events=None) -> None:
    """The decision rows are exactly what replaying the event log gives: no partial transaction.

    Event ids follow commit order (SQLite serialises writers), so the last event of each
    (record, reviewer, stage) is its current decision, or its absence.
    """
    from sqlalchemy import select

    from screener.services.screening import snapshot
    from screener.storage.models import Decision, DecisionEvent

    if events is None:
        events = list(session.scalars(select(DecisionEvent).order_by(DecisionEvent.id)))
    expected: dict[tuple, dict | None] = {}
    for e in events:
        expected[(e.record_id, e.reviewer_id, e.stage)] = _plain(e.after)
    actual = {(d.record_id, d.reviewer_id, d.stage): _plain(snapshot(session, d))
              for d in session.scalars(select(Decision))}
    wanted = {k: v for k, v in expected.items() if v is not None}
    if actual != wanted:
        diff = {k: (wanted.get(k), actual.get(k)) for k in set(actual) | set(wanted) if wanted.get(k) != actual.get(k)}
        raise AssertionError(f"decision rows and their events disagree: {str(list(diff.items())[:2])[:600]}")


def _plain(snap: dict | None) -> dict | None:
    # SQLite gives datetimes back without their UTC offset; the instant is the same.
    if snap is None:
        return None
    return {**snap, "decided_at": (snap.get("decided_at") or "").replace("+00:00", "")}


def decision_trials(workdir: Path, n: int, seed: int = 1, max_delay: float = 0.25,
                    server: CrashServer | None = None, parallel: int = 3) -> DecisionStats:
    """``n`` kill trials, ``parallel`` at a time (each on its own copy of one project)."""
    rng = random.Random(seed)
    template = make_decision_project(workdir / "template.screener")
    # One kill in five counts from the fork (so it may hit the start-up and the open); the others
    # wait for 0-4 acknowledged writes first, then land at a random moment of the writes after.
    plans = [(i, rng.uniform(0, max_delay), 0 if rng.random() < 0.2 else 1 + rng.randrange(5),
              rng.randrange(1 << 30)) for i in range(n)]
    own = server is None
    server = server or CrashServer()

    def trial(plan) -> DecisionStats:
        i, delay, after, job_seed = plan
        one = DecisionStats(trials=1, awaited=max(after - 1, 0))
        project, ack = workdir / f"d{i}.screener", workdir / f"d{i}.ack"
        shutil.copyfile(template, project)
        one.killed_running += server.run("decide", delay, after_acks=after, project=str(project), ack=str(ack),
                                         seed=job_seed, reviewers=REVIEWERS)
        check_decisions(project, read_acks(ack), one)
        for p in workdir.glob(f"d{i}.*"):
            p.unlink()
        return one

    try:
        with ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(trial, plans))
    finally:
        if own:
            server.close()
    stats = DecisionStats()
    for one in results:
        for f in fields(DecisionStats):
            setattr(stats, f.name, getattr(stats, f.name) + getattr(one, f.name))
    return stats


# -- a bulk import ---------------------------------------------------------------------------------

@dataclass
class ImportStats:
    trials: int = 0
    killed_running: int = 0
    none_imported: int = 0
    all_imported: int = 0
    partial: int = 0
    seconds_full: float = 0.0


def check_import(project: Path, expected: int, stats: ImportStats) -> None:
    from screener.storage.session import Store

    problems = integrity(project)
    if problems != [("ok",)]:
        raise AssertionError(f"{project}: integrity check: {problems[:5]}")
    con = sqlite3.connect(project)
    try:
        sources = con.execute("SELECT COUNT(*), COALESCE(SUM(imported), 0), COALESCE(SUM(found), 0),"
                              " COALESCE(SUM(rejected), 0) FROM sources").fetchone()
        records = con.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        links = con.execute("SELECT COUNT(*) FROM record_sources").fetchone()[0]
    finally:
        con.close()
    if sources[0] == 0 and records == 0 and links == 0:
        stats.none_imported += 1
    elif sources[0] == 1 and records == links == sources[1] == expected and sources[2] == sources[1] + sources[3]:
        stats.all_imported += 1
    else:
        stats.partial += 1
        raise AssertionError(f"a partial import: sources {sources}, records {records}, links {links}")
    Store.open(project).close()


def import_trials(workdir: Path, source_file: Path, n: int, seed: int = 2,
                  server: CrashServer | None = None) -> ImportStats:
    from screener.services.project import init_project

    rng = random.Random(seed)
    template = workdir / "empty.screener"
    init_project(template, reviewers=["ana"]).close()
    stats = ImportStats()
    own = server is None
    server = server or CrashServer()
    try:
        # One import to the end: how many records and how long it takes, to aim the kills.
        project, ack = workdir / "full.screener", workdir / "full.ack"
        shutil.copyfile(template, project)
        server.run("import", None, project=str(project), ack=str(ack), file=str(source_file))
        lines = read_acks(ack)
        expected = int(next(x for x in lines if x.startswith("done")).split()[1])
        stats.seconds_full = float(next(x for x in lines if x.startswith("seconds")).split()[1])
        for i in range(n):
            project, ack = workdir / f"i{i}.screener", workdir / f"i{i}.ack"
            shutil.copyfile(template, project)
            killed = server.run("import", rng.uniform(0, stats.seconds_full * 1.3), project=str(project),
                                ack=str(ack), file=str(source_file))
            read_acks(ack)
            stats.trials += 1
            stats.killed_running += killed
            check_import(project, expected, stats)
            for p in workdir.glob(f"i{i}.*"):
                p.unlink()
    finally:
        if own:
            server.close()
    return stats


# -- a schema migration ----------------------------------------------------------------------------

def make_0001_project(path: Path, n_records: int = 400) -> Path:
    """A project at schema 0001 with records, sources, reviewers, decisions with reasons and events."""
    from alembic import command
    from sqlalchemy import create_engine

    from screener.storage.engine import alembic_config

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    now = "2026-01-01 00:00:00"
    con.execute("INSERT INTO project (id, title, question, inclusion_criteria, exclusion_criteria, include_terms,"
                " exclude_terms, template, auto_dedup, maybe_as_include, maybe_needs_resolution, reason_conflicts,"
                " created_at, app_version) VALUES (1, 'old', '', '', '', '[]', '[]', 'blank', 0, 0, 1, 1, ?, '0.0')",
                (now,))
    con.execute("INSERT INTO stage_settings (stage, reviewers_required, blind, reason_required) VALUES"
                " ('title_abstract', 2, 1, 0), ('full_text', 2, 1, 1)")
    con.executemany("INSERT INTO reviewers (id, name, role, active, created_at) VALUES (?, ?, 'reviewer', 1, ?)",
                    [(1, "ana", now), (2, "ben", now)])
    con.execute("INSERT INTO reasons (id, stage, name, position, retired) VALUES (1, 'title_abstract', 'Off topic', 0, 0)")
    con.execute("INSERT INTO sources (id, file_name, sha256, format, encoding, name, source_type, search_date, query,"
                " found, imported, rejected, errors, imported_by, imported_at) VALUES (1, 'x.ris', '', 'ris', 'utf-8',"
                " 'x', 'database', '', '', ?, ?, 0, '[]', '', ?)", (n_records, n_records, now))
    con.executemany("INSERT INTO records (id, title, abstract, authors, journal, volume, issue, pages, doi, pmid,"
                    " arxiv_id, url, keywords, pub_type, language, extra, created_at) VALUES (?, ?, ?, '[\"A, B\"]',"
                    " '', '', '', '', '', '', '', '', '[]', '', '', '{}', ?)",
                    [(i, f"Record {i}", "abstract " * 40, now) for i in range(1, n_records + 1)])
    con.executemany("INSERT INTO record_sources (record_id, source_id, position, line) VALUES (?, 1, ?, ?)",
                    [(i, i - 1, i) for i in range(1, n_records + 1)])
    con.executemany("INSERT INTO decisions (id, record_id, reviewer_id, stage, label, note, decided_at) VALUES"
                    " (?, ?, ?, 'title_abstract', ?, '', ?)",
                    [(i, i, 1, "exclude" if i % 3 else "include", now) for i in range(1, n_records + 1)])
    con.executemany("INSERT INTO decision_reasons (decision_id, reason_id, position) VALUES (?, 1, 0)",
                    [(i,) for i in range(1, n_records + 1) if i % 3])
    con.executemany("INSERT INTO decision_events (record_id, reviewer_id, stage, kind, at, origin) VALUES"
                    " (?, 1, 'title_abstract', 'decision', ?, 'cli')", [(i, now) for i in range(1, n_records + 1)])
    con.commit()
    con.close()
    return path


DATA_TABLES = ("records", "record_sources", "decisions", "decision_reasons", "decision_events", "reviewers",
               "reasons", "sources", "project", "stage_settings")


def schema_of(path: Path) -> set[tuple]:
    """Every table with its columns, foreign keys and indexes (in an order-free form: batch mode
    writes a table's constraints in no fixed order)."""
    con = sqlite3.connect(path)
    try:
        out = set()
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                            " AND name NOT LIKE 'sqlite_%'")]
        for t in tables:
            cols = tuple(con.execute(f'PRAGMA table_info("{t}")'))
            fks = tuple(sorted(r[2:5] for r in con.execute(f'PRAGMA foreign_key_list("{t}")')))
            idx = tuple(sorted((r[1], r[2], tuple(c[2] for c in con.execute(f'PRAGMA index_info("{r[1]}")')))
                               for r in con.execute(f'PRAGMA index_list("{t}")')))
            out.add((t, cols, fks, idx))
        return out
    finally:
        con.close()


def counts_of(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}
    finally:
        con.close()


def revision_of(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        con.close()


@dataclass
class MigrationStats:
    trials: int = 0
    killed_running: int = 0
    old_schema: int = 0
    new_schema: int = 0
    mixed: int = 0
    backup_missing: int = 0
    seconds_full: float = 0.0


class MigrationReference:
    """The schemas before and after a complete upgrade, and the data that must survive it."""

    def __init__(self, workdir: Path):
        from screener.storage.engine import open_database

        self.template = make_0001_project(workdir / "old.screener")
        self.old = schema_of(self.template)
        self.counts = counts_of(self.template)
        done = workdir / "upgraded.screener"
        shutil.copyfile(self.template, done)
        open_database(done).dispose()
        self.new = schema_of(done)
        self.head = revision_of(done)
        for p in workdir.glob("upgraded.backup-*"):
            p.unlink()

    def check(self, project: Path, stats: MigrationStats, reopen: bool = True) -> str:
        """Old schema or new one, never a mix; a backup whenever the new one is there; data kept."""
        from screener.storage.engine import current_revision, open_database

        problems = integrity(project)
        if problems != [("ok",)]:
            raise AssertionError(f"{project}: integrity check: {problems[:5]}")
        rev, schema = revision_of(project), schema_of(project)
        backups = sorted(project.parent.glob(f"{project.stem}.backup-0001-*{project.suffix}"))
        if rev == "0001" and schema == self.old:
            stats.old_schema += 1
        elif rev == self.head and schema == self.new:
            stats.new_schema += 1
            if not backups:
                stats.backup_missing += 1
                raise AssertionError("upgraded without a backup")
        else:
            stats.mixed += 1
            raise AssertionError(f"revision {rev} with a schema that is neither: {sorted(schema ^ self.old)[:2]}")
        if counts_of(project) != self.counts:
            raise AssertionError(f"data changed: {counts_of(project)} != {self.counts}")
        for b in backups:  # every backup under its real name is a whole, sound copy of the old project
            if integrity(b) != [("ok",)] or revision_of(b) != "0001" or counts_of(b) != self.counts:
                raise AssertionError(f"a broken backup {b.name}")
        if reopen:
            engine = open_database(project)  # reopens (and finishes the upgrade) without help
            try:
                assert current_revision(engine) == self.head
            finally:
                engine.dispose()
            if counts_of(project) != self.counts or schema_of(project) != self.new:
                raise AssertionError("the upgrade after the crash lost data or left another schema")
        return rev


def migration_trials(workdir: Path, n: int, seed: int = 3, server: CrashServer | None = None) -> MigrationStats:
    rng = random.Random(seed)
    ref = MigrationReference(workdir)
    stats = MigrationStats()
    own = server is None
    server = server or CrashServer()
    try:
        folder = workdir / "full"
        folder.mkdir()
        project, ack = folder / "m.screener", workdir / "full.ack"
        shutil.copyfile(ref.template, project)
        server.run("migrate", None, project=str(project), ack=str(ack))
        stats.seconds_full = float(next(x for x in read_acks(ack) if x.startswith("seconds")).split()[1])
        shutil.rmtree(folder)
        for i in range(n):
            folder = workdir / f"m{i}"
            folder.mkdir()
            project, ack = folder / "m.screener", folder / "ack"
            shutil.copyfile(ref.template, project)
            killed = server.run("migrate", rng.uniform(0, stats.seconds_full * 1.2), project=str(project),
                                ack=str(ack))
            read_acks(ack)
            stats.trials += 1
            stats.killed_running += killed
            ref.check(project, stats)
            shutil.rmtree(folder)
    finally:
        if own:
            server.close()
    return stats
