"""Many reviewers at once on the real server: nothing lost, shared rows never silently overwritten."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from screener.core.errors import ConflictError
from screener.services.importing import import_files
from screener.services.project import init_project
from screener.services.reviewers import add_reviewer
from screener.storage.models import Decision, DecisionEvent, ProjectInfo, Record, Reviewer
from screener.storage.session import expect_version
from tests.team.conftest import RIS
from tests.team.workers import decide_many, label_for

WRITERS = 10
#: Decisions per writer, as the issue asks (about 15 s here); SCREENER_TEAM_DECISIONS lowers it for
#: a quick local run. benchmarks/team_load.py measures the same load.
PER_WRITER = int(os.environ.get("SCREENER_TEAM_DECISIONS", "500"))


def _writer(url, name, index, ids, barrier, results):
    barrier.wait()
    results.put((name, decide_many(url, name, index, ids, 0.0)))


def test_ten_reviewers_deciding_the_same_records_at_once_lose_nothing(server, shared_data):
    store = init_project(server.url, reviewers=["olga"])
    try:
        import_files(store, [shared_data / RIS])
        people = [add_reviewer(store, f"r{i}") for i in range(WRITERS)]
        with store.read() as s:
            ids = list(s.scalars(select(Record.id).order_by(Record.id)))
        ids = (ids * (PER_WRITER // len(ids) + 1))[:PER_WRITER]
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["screener.services.screening", "screener.services.project", "tests.team.workers"])
        barrier, results = ctx.Barrier(WRITERS), ctx.Queue()
        # Each reviewer goes through the same records from a different starting point, as a team does.
        procs = [ctx.Process(target=_writer, args=(server.as_role(p.db_role), p.name, i,
                                                   ids[i:] + ids[:i], barrier, results))
                 for i, p in enumerate(people)]
        for p in procs:
            p.start()
        done = dict(results.get(timeout=600) for _ in procs)
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        assert sorted(done) == sorted(p.name for p in people)
        assert all(len(lat) == len(ids) for lat in done.values())

        unique = sorted(set(ids))
        with store.read() as s:
            names = dict(s.execute(select(Reviewer.id, Reviewer.name)).all())
            stored = {(names[d.reviewer_id], d.record_id): (d.label, d.note) for d in s.scalars(select(Decision))}
            events = s.execute(select(DecisionEvent.reviewer_id, DecisionEvent.record_id, DecisionEvent.before,
                                      DecisionEvent.after)).all()
        expected = {}
        for i, p in enumerate(people):
            for rid in ids:  # a record decided twice by one reviewer keeps its last (same) label
                expected[(p.name, rid)] = (label_for(i, rid), f"{p.name} on {rid}")
        assert stored == expected
        # The log has one event per decide() call, and each reviewer's last event is the decision.
        assert len(events) == WRITERS * len(ids)
        last = {}
        for rev, rid, before, after in events:
            last[(names[rev], rid)] = after
        assert {k: (v["label"], v["note"]) for k, v in last.items()} == expected
        assert sum(1 for _, _, before, _ in events if before is None) == WRITERS * len(unique)
    finally:
        store.close()


# -- one shared row edited by several people ---------------------------------------------------

def versioned_append(store, term: str, between=lambda: None) -> None:
    """Read the include terms, wait, write them back with one more (the ORM checks the version)."""
    with store.unit() as s:
        info = s.get(ProjectInfo, 1)
        terms = list(info.include_terms)
        between()
        info.include_terms = terms + [term]


def naive_append(store, term: str, between=lambda: None) -> None:
    """The same edit without the version check: a plain UPDATE of what was read."""
    with store.unit() as s:
        terms = list(s.execute(select(ProjectInfo.include_terms).where(ProjectInfo.id == 1)).scalar_one())
        between()
        s.execute(sa.update(ProjectInfo.__table__).where(ProjectInfo.__table__.c.id == 1)
                  .values(include_terms=terms + [term]))


def lost_updates(store, written: list[str]) -> list[str]:
    with store.read() as s:
        final = s.get(ProjectInfo, 1).include_terms
    return [t for t in written if t not in final]


def _race(store, append, terms_per_writer: int, writers: int) -> tuple[list[str], int]:
    """``writers`` threads append terms; in the first round all read before any writes."""
    barrier = threading.Barrier(writers)
    written, conflicts, lock = [], [0], threading.Lock()

    def run(w: int) -> None:
        for k in range(terms_per_writer):
            term = f"w{w}-{k}"
            first = [k == 0]
            while True:
                try:
                    append(store, term, (lambda: barrier.wait(30)) if first[0] else (lambda: time.sleep(0.002)))
                    break
                except ConflictError:
                    with lock:
                        conflicts[0] += 1
                    first[0] = False  # read again and retry: the user reloads and edits again
            with lock:
                written.append(term)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return written, conflicts[0]


@pytest.mark.parametrize("append, loses", [(versioned_append, False), (naive_append, True)],
                         ids=["versioned", "naive"])
def test_concurrent_edits_of_a_shared_row(server, append, loses):
    store = init_project(server.url, reviewers=["olga"])
    try:
        written, conflicts = _race(store, append, terms_per_writer=3, writers=6)
        assert len(written) == 18
        lost = lost_updates(store, written)
        if loses:
            # The naive edit overwrote others' terms without a word: the check above catches it.
            assert lost and conflicts == 0
        else:
            assert lost == [] and conflicts >= 5  # every writer but one had to reload in round one
            with store.read() as s:
                assert s.get(ProjectInfo, 1).version == 1 + len(written)
    finally:
        store.close()


def test_a_conflicting_edit_is_reported_not_written(server):
    """Two sessions read the same version; the second to write gets a clear ConflictError."""
    store = init_project(server.url, reviewers=["olga"])
    try:
        other_done = threading.Event()

        def other() -> None:
            versioned_append(store, "theirs")
            other_done.set()

        def between() -> None:
            t = threading.Thread(target=other)
            t.start()
            t.join(30)

        with pytest.raises(ConflictError, match="someone else changed the project row"):
            versioned_append(store, "mine", between)
        assert other_done.is_set()
        with store.read() as s:
            assert s.get(ProjectInfo, 1).include_terms == ["theirs"]
        # An edit made on a copy read long before (a dialog left open) names the version it saw.
        with pytest.raises(ConflictError, match="version 1, now 2"):
            with store.unit() as s:
                info = s.get(ProjectInfo, 1)
                expect_version(info, 1, "the project settings")
                info.title = "stale edit"
        with store.read() as s:
            assert s.get(ProjectInfo, 1).title != "stale edit"
    finally:
        store.close()
