"""Team mode in the window: the connection dialog, the keyring, live updates, and a server that goes away.

Projects live in a fresh schema of the real PostgreSQL test server. A small TCP relay on the
loopback interface stands between the window and the server where a test needs to cut the
line (the relay closes every connection and refuses new ones, as a crashed server would) and
restore it. The system keyring is replaced by keyring backends made for the test: a real one
would be the developer's own.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import quote

import keyring
import pytest
import sqlalchemy as sa
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError, PasswordSetError
from PySide6.QtWidgets import QApplication, QMessageBox

from screener.core.records import ParsedFile, RecordData
from screener.services import live, screening
from screener.services.conflicts import unblind
from screener.services.importing import import_parsed
from screener.services.project import init_project, open_project
from screener.ui import config
from screener.ui.dialogs.connect_dialog import KEYRING_SERVICE, ConnectDialog, ServerAddress
from screener.ui.errors import BugReportDialog
from screener.ui.live import LiveUpdates
from screener.ui.start_page import PATH_ROLE
from tests.ui.helpers import open_as, settle, wait_idle

SECRET = "s3cret-Pa55:@/%"


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in memory (a real backend, minus the desktop service)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class LockedKeyring(MemoryKeyring):
    """A keyring that is there but refuses to store (a locked or read-only collection)."""

    def set_password(self, service, username, password):
        raise PasswordSetError("the collection is locked")


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every test here gets an empty keyring of its own: never the developer's real one."""
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


class Relay:
    """A TCP relay 127.0.0.1:port → the PostgreSQL server, that can be cut and restored."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None

    def start(self) -> None:
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", self.port))
        lst.listen(16)
        with self.lock:
            self.listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def _accept(self, lst: socket.socket) -> None:
        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                if lst is not self.listener:  # cut while this one was being connected
                    client.close()
                    upstream.close()
                    continue
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        """Refuse new connections and break every open one."""
        with self.lock:
            lst, self.listener = self.listener, None
            socks, self.sockets = self.sockets, []
        if lst is None:
            return
        try:  # shutdown() wakes the accept() blocked on it; close() alone would leave it listening
            lst.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        lst.close()
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def url(self, pg_url: str) -> str:
        return pg_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{self.port}/")


@pytest.fixture
def relay():
    r = Relay()
    r.start()
    yield r
    r.cut()


def make_team_project(url: str, n: int = 12, blind: bool = False) -> None:
    """ana (owner, logged in as the server's ``postgres`` role) and ben; ``n`` records."""
    store = init_project(url, title="Team review", reviewers=["ana", "ben"])
    try:
        recs = tuple(RecordData(title=f"Paper {i + 1} on CT segmentation", abstract=f"Abstract {i + 1}.",
                                authors=(f"Author{i + 1}, A.",), year=2021) for i in range(n))
        import_parsed(store, ParsedFile(path="team.ris", format="ris", encoding="utf-8", records=recs), source="Made")
        with store.unit() as s:
            s.execute(sa.text("UPDATE reviewers SET db_role = 'postgres' WHERE name = 'ana'"))
        if not blind:
            unblind(store, "title_abstract")
    finally:
        store.close()


def settings_text(tmp_path) -> str:
    """Everything the per-user settings folder holds, as text."""
    files = [p for p in (tmp_path / "settings").rglob("*") if p.is_file()]
    assert files, "no settings file was written"
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


def decide_elsewhere(url: str, record_id: int, reviewer: str, label: str) -> None:
    """Another reviewer's client records a decision (the server's trigger announces it)."""
    with open_project(url) as store:
        screening.decide(store, record_id, reviewer, label, origin="gui")


def no_error_dialogs() -> bool:
    return not any(isinstance(x, (QMessageBox, BugReportDialog)) and x.isVisible()
                   for x in QApplication.topLevelWidgets())


def db_label(url: str, record_id: int, reviewer: str) -> str | None:
    with open_project(url) as store:
        info = screening.get_decision(store, record_id, reviewer, "title_abstract")
    return info.label if info else None


# -- the dialog ----------------------------------------------------------------------------------------

def test_connect_dialog_builds_the_url(qtbot, memory_keyring):
    d = ConnectDialog()
    qtbot.addWidget(d)
    assert not d.connect_button.isEnabled()
    d.host.setText("db.example.org")
    d.port.setValue(6543)
    d.database.setText("fm review")
    d.user.setText("ana maria")
    d.password.setText(SECRET)
    assert d.connect_button.isEnabled() and d.remember.isEnabled() and d.wants_remember()
    assert d.url() == "postgresql+psycopg://ana%20maria@db.example.org:6543/fm%20review"
    full = sa.engine.make_url(d.address().open_url(d.secret()))
    assert (full.drivername, full.username, full.password, full.host, full.port, full.database) == \
        ("postgresql+psycopg", "ana maria", SECRET, "db.example.org", 6543, "fm review")
    assert full.query["connect_timeout"] == "5" and full.query["keepalives"] == "1"
    assert full.query["tcp_user_timeout"] == "15000"
    back, password = ServerAddress.parse(d.address().open_url(d.secret()))
    assert password == SECRET and (back.host, back.port, back.database, back.user) == \
        ("db.example.org", 6543, "fm review", "ana maria")
    # a URL's own options (here a search_path) survive the round trip through the dialog
    given = "postgresql+psycopg://bo@[::1]:5433/test?options=-csearch_path%3Dt_abc"
    d2 = ConnectDialog(ServerAddress.parse(given)[0])
    qtbot.addWidget(d2)
    assert (d2.host.text(), d2.port.value(), d2.database.text(), d2.user.text()) == ("::1", 5433, "test", "bo")
    assert d2.url() == given
    assert sa.engine.make_url(d2.address().open_url(None)).query["options"] == "-csearch_path=t_abc"
    assert config.without_password("postgresql://a:b@h:1/d?x=1") == "postgresql://a@h:1/d?x=1"


def test_without_a_keyring_the_password_is_not_offered_to_be_remembered(qtbot):
    keyring.set_keyring(fail.Keyring())
    d = ConnectDialog()
    qtbot.addWidget(d)
    assert not d.remember.isEnabled() and not d.wants_remember()
    assert "cannot be remembered" in d.keyring_note.text()


# -- opening a server project ---------------------------------------------------------------------------

def test_open_from_the_start_page_keeps_the_password_in_the_keyring_only(qtbot, main_window, pg_project,
                                                                            memory_keyring, tmp_path):
    make_team_project(pg_project)
    given = ServerAddress.parse(pg_project)[0]
    # The last server used (its options carry the test's schema) prefills the dialog.
    config.set_value(config.Key.LAST_SERVER, given.url())
    w = main_window
    next(b for b in w.start_page.buttons if "server" in b.text()).click()
    dialog = w.dialogs["connect"]
    assert dialog.isVisible() and dialog.url() == given.url()
    dialog.host.setText(given.host)
    dialog.port.setValue(given.port)
    dialog.database.setText(given.database)
    dialog.user.setText(given.user)
    dialog.password.setText(SECRET)  # the test server trusts loopback logins and ignores it
    dialog.connect_button.click()
    wait_idle(qtbot, w, lambda: w.session is not None and w.session.model.rowCount() == 12)
    settle(qtbot, w)
    assert w.ctx.reviewer == "ana"  # picked by the login's role: no question asked
    public = given.url()
    assert w.ctx.project == public and SECRET not in w.windowTitle()
    assert w.ctx.store.engine.url.password == SECRET  # it was used to connect...
    assert w.ctx.store.project == public
    assert memory_keyring.passwords == {(KEYRING_SERVICE, given.key): SECRET}  # ...and remembered there
    assert config.recent_projects()[0] == public
    text = settings_text(tmp_path)
    assert "projects" in text and given.database in text  # the right file: it has the recent list
    for form in (SECRET, "s3cret", "Pa55"):
        assert form not in text
    assert w.start_page.recent.item(0).text().startswith(f"{given.database} — 127.0.0.1:5432")

    # Reopened from the recent list, the password comes from the keyring.
    w.close_project()
    w.start_page.recent_chosen.emit(w.start_page.recent.item(0).data(PATH_ROLE))
    wait_idle(qtbot, w, lambda: w.session is not None and w.session.model.rowCount() == 12)
    settle(qtbot, w)
    assert w.ctx.store.engine.url.password == SECRET and w.ctx.project == public
    assert SECRET not in settings_text(tmp_path)


def test_a_keyring_that_refuses_is_reported_and_the_project_still_opens(qtbot, main_window, pg_project, tmp_path):
    make_team_project(pg_project, n=3)
    keyring.set_keyring(LockedKeyring())
    w = main_window
    dialog = w.choose_server_project(ServerAddress.parse(pg_project)[0])
    dialog.password.setText(SECRET)
    assert dialog.wants_remember()
    dialog.connect_button.click()
    wait_idle(qtbot, w, lambda: w.session is not None and w.session.model.rowCount() == 3)
    box = next(x for x in QApplication.topLevelWidgets() if isinstance(x, QMessageBox) and x.isVisible())
    assert "could not be kept" in box.text() and "locked" in box.text() and SECRET not in box.text()
    box.close()
    assert SECRET not in settings_text(tmp_path)


def test_a_refused_login_is_reported_without_the_password(qtbot, main_window, pg_project, memory_keyring):
    w = main_window
    address = ServerAddress.parse(pg_project)[0]
    w.open_project(address.url().replace(f"//{address.user}@", "//nobody_here@"), password=SECRET, remember=True)
    qtbot.waitUntil(lambda: not no_error_dialogs(), timeout=10000)
    box = next(x for x in QApplication.topLevelWidgets() if isinstance(x, QMessageBox) and x.isVisible())
    assert "nobody_here" in box.text()
    assert SECRET not in box.text() and quote(SECRET, safe="") not in box.text() and "connect_timeout" not in box.text()
    assert memory_keyring.passwords == {} and w.session is None
    box.close()


# -- live updates ------------------------------------------------------------------------------------------

def test_a_colleagues_decision_shows_up_within_two_seconds(qtbot, main_window, pg_project):
    make_team_project(pg_project)
    w = main_window
    open_as(qtbot, w, pg_project, "ana")
    qtbot.waitUntil(lambda: w.live.updates.listening, timeout=5000)
    assert w.live.server_label.isVisible() and w.live.server_label.text() == "Live"
    w.screen.request_decision("include")  # ana includes record 1
    settle(qtbot, w)
    qtbot.waitUntil(lambda: w.session.progress is not None and w.session.progress.mine == 1, timeout=5000)
    assert w.session.progress.conflicts == 0

    t0 = time.monotonic()
    with qtbot.waitSignal(w.live.refreshed, timeout=2500, check_params_cb=lambda changes: any(
            c.table == "decisions" and c.record_id == 1 for c in changes)):
        decide_elsewhere(pg_project, 1, "ben", "exclude")
    latency = time.monotonic() - t0
    qtbot.waitUntil(lambda: w.session.progress.conflicts == 1 and "1 conflicts" in w.screen.team_bar.format(),
                    timeout=2500)
    print(f"colleague's decision on screen after {time.monotonic() - t0:.2f} s (signal after {latency:.2f} s)")


def test_while_blind_a_colleagues_decision_still_moves_the_team_count(qtbot, main_window, pg_project):
    # The blind stage's notice names neither the record nor the reviewer; the count still moves.
    make_team_project(pg_project, blind=True)
    w = main_window
    open_as(qtbot, w, pg_project, "ana")
    qtbot.waitUntil(lambda: w.live.updates.listening, timeout=5000)
    w.screen.request_decision("include")
    settle(qtbot, w)
    qtbot.waitUntil(lambda: w.session.progress is not None and w.session.progress.mine == 1, timeout=5000)
    assert w.session.progress.blinded and w.session.progress.complete == 0
    with qtbot.waitSignal(w.live.refreshed, timeout=2500, check_params_cb=lambda changes: any(
            c.table == "decisions" and c.record_id is None for c in changes)):
        decide_elsewhere(pg_project, 1, "ben", "exclude")
    qtbot.waitUntil(lambda: w.session.progress.complete == 1 and "1 / 12 screened" in w.screen.team_bar.format(),
                    timeout=2500)
    assert w.session.progress.conflicts is None  # still blind: no conflict is revealed


def test_own_decisions_are_not_refreshed_twice(qtbot):
    from screener.ui.tasks import TaskRunner

    updates = LiveUpdates(TaskRunner())
    updates.own_reviewer_id = 1
    mine, theirs = live.Change("decisions", "INSERT", 4, "title_abstract", 1), live.Change("decisions", "INSERT", 4,
                                                                                           "title_abstract", 2)
    with qtbot.waitSignal(updates.changed, timeout=2000) as got:
        updates._on_event(live.LiveEvent("changes", (mine, theirs, live.Change("records", "UPDATE", 4))))
    assert got.args[0] == (theirs, live.Change("records", "UPDATE", 4))
    with qtbot.assertNotEmitted(updates.changed, wait=500):
        updates._on_event(live.LiveEvent("changes", (mine,)))


def test_a_file_project_runs_no_listener(qtbot, main_window, project):
    w = main_window
    open_as(qtbot, w, project, "ana")
    assert w.live.updates.thread is None and not w.live.server_label.isVisible()


# -- a server that goes away ------------------------------------------------------------------------------

def test_a_decision_while_the_server_is_gone_is_shown_as_not_saved_then_retried(qtbot, main_window, pg_project,
                                                                                  relay):
    make_team_project(pg_project)
    url = relay.url(pg_project)
    w = main_window
    open_as(qtbot, w, url, "ana")
    qtbot.waitUntil(lambda: w.live.updates.listening, timeout=5000)
    rid = w.session.current
    assert rid is not None and w.session.progress.mine == 0

    relay.cut()  # the server is gone: open connections break, new ones are refused
    qtbot.waitUntil(lambda: not w.live.updates.online, timeout=5000)
    assert "unreachable" in w.live.server_label.text()
    w.screen.request_decision("include")
    w.session.flush()
    qtbot.waitUntil(lambda: (rid, "title_abstract") in w.live.unsaved, timeout=15000)
    settle(qtbot, w)
    # Clearly not saved: the row is not marked decided, the count did not move, the status says so.
    assert rid not in w.session.model.mine and w.session.state(rid) is None
    assert w.session.progress.mine == 0
    assert w.live.unsaved_label.isVisible() and w.live.retry_link.isVisible()
    assert str(rid) in w.live.unsaved_label.text()
    assert no_error_dialogs()  # a lost server is not a bug report
    assert db_label(pg_project, rid, "ana") is None  # and truly not in the database

    relay.start()  # the server is back
    qtbot.waitUntil(lambda: w.live.updates.online and w.live.updates.listening, timeout=20000)
    settle(qtbot, w)
    assert w.live.server_label.text() == "Live"
    w.live.retry_link.linkActivated.emit("retry")  # the "Retry saving" link of the status bar
    settle(qtbot, w)
    qtbot.waitUntil(lambda: w.session.progress.mine == 1, timeout=5000)
    assert w.session.model.mine.get(rid) == "include" and not w.live.unsaved
    assert not w.live.retry_link.isVisible()
    assert db_label(pg_project, rid, "ana") == "include"
    assert no_error_dialogs()


def test_decisions_after_a_dropped_connection_are_saved(qtbot, main_window, pg_project, relay):
    # The line drops and comes back at once (a server restart): the next unit of work gets a
    # fresh connection, so the decision is saved and nothing is reported as lost.
    make_team_project(pg_project)
    url = relay.url(pg_project)
    w = main_window
    open_as(qtbot, w, url, "ana")
    qtbot.waitUntil(lambda: w.live.updates.listening, timeout=5000)
    relay.cut()
    relay.start()
    rid = w.session.current
    w.screen.request_decision("maybe")
    w.session.flush()
    settle(qtbot, w)
    qtbot.waitUntil(lambda: db_label(pg_project, rid, "ana") == "maybe", timeout=5000)
    assert not w.live.unsaved and w.session.model.mine.get(rid) == "maybe"
    qtbot.waitUntil(lambda: w.live.updates.listening and w.live.updates.online, timeout=20000)
    assert no_error_dialogs()
