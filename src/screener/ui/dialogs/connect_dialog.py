"""Open a team project on a PostgreSQL server: where it is, who you are, and your password.

The password goes to the system keyring (the ``keyring`` package: Secret Service, macOS
Keychain, Windows Credential Locker) when one is available and the user asks for it, and
nowhere else: never into QSettings, the recent list or a log. Recent server projects are kept
as URLs without a password; reopening one looks the password up in the keyring (off the GUI
thread: a locked keyring may ask the user to unlock it) and asks again when the server wants a
password that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox,
                               QVBoxLayout, QWidget)

from screener.core.errors import UserError
from screener.services.live import client_options

SCHEME = "postgresql+psycopg"
DEFAULT_PORT = 5432
KEYRING_SERVICE = "screener"


class PasswordNeeded(UserError):
    """The server asked for a password that was not given (or refused the one given)."""


def is_server_url(project: str) -> bool:
    return str(project).startswith(("postgresql://", "postgres://", "postgresql+"))


@dataclass(frozen=True)
class ServerAddress:
    """Where a team project lives, without the password (safe to keep in settings and lists)."""

    host: str
    port: int
    database: str
    user: str
    query: str = ""  # extra connection options of the URL (e.g. a search_path), kept as given

    @classmethod
    def parse(cls, url: str) -> tuple["ServerAddress", str | None]:
        """The address of ``url`` and the password it carries (None when it has none)."""
        parts = urlsplit(url)
        if not parts.scheme.startswith("postgres"):
            raise UserError(f"not a PostgreSQL URL: {url.split('@')[-1]}")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise UserError(f"not a valid port in {parts.netloc.split('@')[-1]}") from None
        password = unquote(parts.password) if parts.password is not None else None
        address = cls(host=parts.hostname or "localhost", port=port, database=unquote(parts.path.lstrip("/")),
                      user=unquote(parts.username or ""), query=parts.query)
        return address, password

    def url(self, password: str | None = None) -> str:
        """A SQLAlchemy URL; with ``password`` only for opening the project, never for keeping."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        auth = quote(self.user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        url = f"{SCHEME}://{auth}@{host}:{self.port}/{quote(self.database, safe='')}"
        return f"{url}?{self.query}" if self.query else url

    def open_url(self, password: str | None) -> str:
        """The URL the app connects with: the password, and timeouts that make a server that went
        away fail a unit of work within seconds (the decision then shows as not saved) instead of
        holding up the queue of writes (``services.live.client_options``)."""
        params = dict(parse_qsl(self.query, keep_blank_values=True))
        for key, value in client_options().items():
            params.setdefault(key, str(value))
        return replace(self, query=urlencode(params, quote_via=quote)).url(password)

    @property
    def key(self) -> str:
        """The name of this login in the keyring."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def display(self) -> str:
        return f"{self.database} on {self.host}:{self.port} as {self.user}" if self.user else \
            f"{self.database} on {self.host}:{self.port}"


# -- the keyring (plain functions: they run on worker threads too) ---------------------------------

def keyring_problem() -> str:
    """Why no password can be remembered on this system, or "" when a keyring is available."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return "the keyring package is not installed"
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration must not stop the dialog
        return str(exc) or type(exc).__name__
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return "no system keyring was found"
    return ""


def stored_password(address: ServerAddress) -> str | None:
    """The remembered password of ``address``, or None (none stored, or no usable keyring)."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, address.key)
    except Exception:  # NoKeyringError, a locked or broken backend: as if nothing were stored
        return None


def remember_password(address: ServerAddress, password: str) -> str:
    """Keep ``password`` in the system keyring; returns "" or why it could not be kept."""
    problem = keyring_problem()
    if problem:
        return problem
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, address.key, password)
    except Exception as exc:  # keyring.errors.KeyringError and backend-specific failures
        return str(exc) or type(exc).__name__
    return ""


def forget_password(address: ServerAddress) -> None:
    try:
        import keyring

        keyring.delete_password(KEYRING_SERVICE, address.key)
    except Exception:  # nothing stored, or no keyring: nothing to forget
        pass


def redact(text: str, password: str | None) -> str:
    if not password:
        return text
    for form in (quote(password, safe=""), password):
        text = text.replace(form, "***")
    return text


def open_server(address: ServerAddress, password: str | None, reviewer: str = "", remember: bool | None = None):
    """Open the team project at ``address`` (on a worker): returns (context, note for the user).

    Without a password the keyring is asked for one. The context names the project by its URL
    without the password. A password is remembered only after the server accepted it, and
    ``remember=False`` forgets one remembered before.
    """
    from screener.ui.context import open_context

    if password is None:
        password = stored_password(address)
    url = address.open_url(password)
    try:
        ctx = open_context(url, reviewer)
    except UserError as exc:
        # Storage names the project by the URL it was given: show the short one, and never the password.
        message = redact(str(exc).replace(url, address.url()), password)
        if "password" in message.lower():
            raise PasswordNeeded(message) from None
        try:
            clean = type(exc)(message)
        except TypeError:  # an error class with a constructor of its own
            clean = UserError(message)
        raise clean from None
    except Exception as exc:
        text = str(exc)
        if password and redact(text, password) != text:
            # Whatever went wrong, the password must not reach a bug report or the log.
            raise RuntimeError(f"{type(exc).__name__}: {redact(text.replace(url, address.url()), password)}") from None
        raise
    # The engine keeps the password; the name that messages and file paths are made from does not.
    ctx.store.project = address.url()
    note = ""
    if remember and password:
        problem = remember_password(address, password)
        if problem:
            note = problem
    elif remember is False:
        forget_password(address)
    return replace(ctx, project=address.url()), note


# -- the dialog ------------------------------------------------------------------------------------

class ConnectDialog(QDialog):
    """Host, port, database, user and password of a team project; builds the URL to open."""

    def __init__(self, address: ServerAddress | None = None, message: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._query = address.query if address else ""
        self.setWindowTitle(self.tr("Open a team project on a server"))
        self.setAccessibleName(self.tr("Connect to a server"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("A team project lives in a PostgreSQL database. Enter the server and the "
                               "login the project owner gave you (<code>screener reviewer add</code>)."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.host = QLineEdit(address.host if address else "")
        self.host.setPlaceholderText("db.example.org")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(address.port if address else DEFAULT_PORT)
        self.database = QLineEdit(address.database if address else "")
        self.database.setPlaceholderText(self.tr("screening"))
        self.user = QLineEdit(address.user if address else "")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox(self.tr("&Remember the password in the system keyring"))
        for label, widget, name in ((self.tr("&Host:"), self.host, self.tr("Host")),
                                    (self.tr("P&ort:"), self.port, self.tr("Port")),
                                    (self.tr("&Database:"), self.database, self.tr("Database")),
                                    (self.tr("&User:"), self.user, self.tr("User")),
                                    (self.tr("&Password:"), self.password, self.tr("Password"))):
            widget.setAccessibleName(name)
            form.addRow(label, widget)
        form.addRow("", self.remember)
        layout.addLayout(form)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setEnabled(False)
        layout.addWidget(self.keyring_note)
        problem = keyring_problem()
        if problem:
            self.remember.setChecked(False)
            self.remember.setEnabled(False)
            self.keyring_note.setText(self.tr("The password cannot be remembered here (%1); you will be asked "
                                              "for it each time.").replace("%1", problem))
        else:
            self.remember.setChecked(True)
            self.password.setPlaceholderText(self.tr("empty: the remembered one, if any"))
            self.keyring_note.setText(self.tr("The password is kept only in the system keyring, never in "
                                              "screener's settings."))
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.setVisible(bool(message))
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(self.tr("&Connect"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for edit in (self.host, self.database, self.user):
            edit.textChanged.connect(self._update)
        self._update()
        self.setMinimumWidth(460)
        first_empty = next((w for w in (self.host, self.database, self.user, self.password) if not w.text()),
                           self.password)
        first_empty.setFocus()

    def _update(self) -> None:
        self.connect_button.setEnabled(all(w.text().strip() for w in (self.host, self.database, self.user)))

    def address(self) -> ServerAddress:
        return ServerAddress(self.host.text().strip(), self.port.value(), self.database.text().strip(),
                             self.user.text().strip(), self._query)

    def url(self) -> str:
        """The URL of the project, without the password (what the recent list keeps)."""
        return self.address().url()

    def secret(self) -> str | None:
        return self.password.text() or None

    def wants_remember(self) -> bool:
        return self.remember.isEnabled() and self.remember.isChecked()
