"""Team projects on the real PostgreSQL server: a fresh schema per test, and the login roles a test
creates dropped afterwards (roles are cluster-wide: they outlive the schema)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from screener.storage import team
from tests.conftest import PG_URL, need, pg_available

RIS = "refs/ris/asreview___baseline.ris"  # 100 records


def schema_url(schema: str, user: str | None = None, password: str | None = None) -> str:
    """The test server's URL with ``schema`` as search path, as ``user`` (the admin when None)."""
    url = sa.engine.make_url(PG_URL)
    if user is not None:
        url = url.set(username=user, password=password)
    return f"{url.render_as_string(hide_password=False)}?options=-csearch_path%3D{quote(schema)}"


@dataclass
class TeamServer:
    """Schemas made for one test; ``url`` is the first one's, as the owner (the admin role)."""

    schemas: list[str] = field(default_factory=list)

    def new_schema(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_URL)
        with admin.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        admin.dispose()
        self.schemas.append(schema)
        return schema

    @property
    def url(self) -> str:
        return schema_url(self.schemas[0])

    def as_role(self, role: str, schema: str | None = None) -> str:
        return schema_url(schema or self.schemas[0], role)

    def drop(self) -> None:
        admin = sa.create_engine(PG_URL)
        try:
            for schema in self.schemas:
                with admin.begin() as c:
                    c.exec_driver_sql(f'SET LOCAL search_path = "{schema}"')
                    team.drop_roles(c)
                    c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            admin.dispose()


@pytest.fixture
def server():
    need(pg_available(), f"no PostgreSQL server answers at {PG_URL}")
    srv = TeamServer()
    srv.new_schema()
    yield srv
    srv.drop()
