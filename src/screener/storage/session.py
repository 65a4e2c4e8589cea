"""A project store: one engine and short sessions, one per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from screener.storage.engine import create_database, is_url, open_database


class Store:
    """Holds the engine of one open project and hands out short-lived sessions.

    Sessions are never shared between threads: each unit of work opens its own with
    :meth:`unit`, which commits on success and rolls back on any exception (including a cancel).
    """

    def __init__(self, project: str | Path, engine: Engine):
        self.project = str(project)
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def create(cls, project: str | Path) -> "Store":
        return cls(project, create_database(project))

    @classmethod
    def open(cls, project: str | Path) -> "Store":
        return cls(project, open_database(project))

    @property
    def is_file(self) -> bool:
        return not is_url(self.project)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was loaded, so plain values
            # read inside the block stay usable after it.
            session.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
