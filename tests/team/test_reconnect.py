"""A server connection that drops in the middle of screening: nothing committed is lost, nothing is
saved twice, and the next unit of work reconnects. The drop is real: ``pg_terminate_backend`` of
the session's own backend (the server itself is never restarted by the tests)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from screener.core.errors import ServerConnectionError
from screener.services import screening
from screener.services.importing import import_files
from screener.services.project import init_project, open_project
from screener.services.reviewers import add_reviewer
from screener.storage.models import Decision, DecisionEvent, Record
from tests.team.conftest import RIS


@pytest.fixture
def team(server, shared_data):
    owner = init_project(server.url, reviewers=["olga"])
    import_files(owner, [shared_data / RIS])
    ana = add_reviewer(owner, "ana")
    as_ana = open_project(server.as_role(ana.db_role))
    admin = sa.create_engine(server.url)
    yield owner, as_ana, admin
    as_ana.close()
    admin.dispose()
    owner.close()


def kill(admin, pid: int) -> None:
    with admin.begin() as c:
        assert c.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()


def counts(owner, record_id: int) -> tuple[int, int]:
    with owner.read() as s:
        d = s.scalar(select(sa.func.count()).select_from(Decision).where(Decision.record_id == record_id))
        e = s.scalar(select(sa.func.count()).select_from(DecisionEvent).where(DecisionEvent.record_id == record_id))
    return d, e


def test_killed_idle_connections_lose_nothing_and_are_replaced(team, server):
    owner, as_ana, admin = team
    for rid in range(1, 6):
        screening.decide(as_ana, rid, "ana", "include")
    with admin.begin() as c:
        killed = c.execute(sa.text("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                                   "WHERE usename = :u"), {"u": as_ana.engine.url.username}).scalar()
    assert killed >= 1  # the pooled connection of ana's store
    for rid in range(6, 11):
        screening.decide(as_ana, rid, "ana", "exclude")
    with as_ana.unit() as s:  # a plain unit of work gets a fresh connection too (pre-ping)
        assert s.get(Record, 1) is not None
    with owner.read() as s:
        labels = dict(s.execute(select(Decision.record_id, Decision.label)).all())
    assert labels == {**{r: "include" for r in range(1, 6)}, **{r: "exclude" for r in range(6, 11)}}


@pytest.mark.parametrize("when", ["statement", "commit"])
def test_a_connection_lost_during_a_decision_saves_it_exactly_once(team, when):
    owner, as_ana, admin = team
    fired = []

    def drop(conn, *args) -> None:
        statement = args[1] if len(args) > 1 else ""
        if fired or (when == "statement" and not str(statement).startswith("INSERT INTO decision_events")):
            return
        fired.append(True)
        dbapi = conn.connection.dbapi_connection
        kill(admin, dbapi.info.backend_pid)

    name = "before_cursor_execute" if when == "statement" else "commit"
    event.listen(as_ana.engine, name, drop)
    try:
        info = screening.decide(as_ana, 42, "ana", "maybe", note="after a drop")
    finally:
        event.remove(as_ana.engine, name, drop)
    assert fired and info.label == "maybe"
    assert counts(owner, 42) == (1, 1)  # one decision, one event: saved once
    assert screening.get_decision(as_ana, 42, "ana", "title_abstract").note == "after a drop"


def test_a_commit_lost_without_a_way_to_check_says_so(team):
    owner, as_ana, admin = team

    def drop(conn) -> None:
        kill(admin, conn.connection.dbapi_connection.info.backend_pid)

    def work(s):
        screening.set_decision(s, 43, "ana", "title_abstract", "include")

    event.listen(as_ana.engine, "commit", drop)
    try:
        with pytest.raises(ServerConnectionError, match="may or may not be saved") as err:
            as_ana.run(work)  # no verify: the outcome cannot be known
    finally:
        event.remove(as_ana.engine, "commit", drop)
    assert err.value.saved is None
    assert counts(owner, 43) == (0, 0)  # (here it was not: the backend died before the commit arrived)


def test_a_deadlock_is_retried(team):
    owner, _, _ = team
    barrier = threading.Barrier(2)
    attempts = {0: 0, 1: 0}
    errors = []

    def lock_both(i: int):
        first, second = (1, 2) if i == 0 else (2, 1)

        def work(s):
            attempts[i] += 1
            s.execute(select(Record.id).where(Record.id == first).with_for_update())
            if attempts[i] == 1:
                barrier.wait(30)  # both hold their first row: each now waits for the other's
            s.execute(select(Record.id).where(Record.id == second).with_for_update())
            return i

        try:
            assert owner.run(work) == i
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=lock_both, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # the server broke the deadlock; the loser ran again
