"""Shared fixtures: real SQLite files, a real PostgreSQL server, the real shared data.

Tests that need ../shared/data or the PostgreSQL server skip locally when it is missing, and
fail when CI=true, so CI can never go green without having run them.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
PG_URL = os.environ.get("SCREENER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, why: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"{why} (CI=true: this must not be skipped)")
        pytest.skip(why)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    need(SHARED_DATA.is_dir(), f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


_pg_checked: dict[str, bool] = {}


def pg_available() -> bool:
    if "ok" not in _pg_checked:
        try:
            import sqlalchemy as sa

            eng = sa.create_engine(PG_URL)
            with eng.connect() as c:
                c.execute(sa.text("SELECT 1"))
            eng.dispose()
            _pg_checked["ok"] = True
        except Exception:
            _pg_checked["ok"] = False
    return _pg_checked["ok"]


@pytest.fixture
def pg_project():
    """A URL of an empty PostgreSQL project: a fresh schema on the test server, dropped afterwards."""
    need(pg_available(), f"no PostgreSQL server answers at {PG_URL}")
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as c:
        c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_project(tmp_path) -> str:
    return str(tmp_path / "review.screener")


@pytest.fixture(params=["sqlite", "postgresql"])
def project_location(request, tmp_path):
    """Each storage/service test runs on a SQLite file and on the PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "review.screener")
    return request.getfixturevalue("pg_project")


@pytest.fixture(autouse=True)
def _drop_team_roles(request):
    """Drop the login and group roles a test's PostgreSQL project created (team mode).

    Roles are cluster-wide and outlive the schema pg_project drops; they are named with a tag
    derived from the database and schema, so only this test's roles are touched.
    """
    yield
    urls = [v for v in request.node.funcargs.values() if isinstance(v, str) and v.startswith(PG_URL)
            and "search_path%3D" in v]
    if not urls:
        return
    import sqlalchemy as sa

    from screener.storage import team

    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as c:
            for url in urls:
                schema = url.rsplit("search_path%3D", 1)[1].split("&")[0]
                team.drop_roles(c, team.tag_for(sa.engine.make_url(PG_URL).database, schema))
    finally:
        admin.dispose()
