"""The people of a review: reviewers, adjudicators and owners."""

from __future__ import annotations

from sqlalchemy import func, select

from screener.core.enums import Role
from screener.core.errors import NotFoundError, PermissionDeniedError, UserError
from screener.services.dto import ReviewerInfo
from screener.storage.models import Reviewer
from screener.storage.session import Store


def _info(r: Reviewer) -> ReviewerInfo:
    return ReviewerInfo(r.id, r.name, r.role, r.db_role)


def add_reviewer(store: Store, name: str, role: str = "reviewer", password: str | None = None) -> ReviewerInfo:
    """Add a reviewer; the name must be new to the project.

    On a PostgreSQL (team) project this is the owner's action and also creates the reviewer's
    login role (``db_role``), with ``password`` when given, in the same transaction.
    """
    name = (name or "").strip()
    if not name:
        raise UserError("a reviewer needs a name")
    if len(name) > 200:
        raise UserError("a reviewer name is at most 200 characters")
    role_value = Role.parse(role).value
    with store.unit() as s:
        if s.scalar(select(Reviewer).where(Reviewer.name == name)) is not None:
            raise UserError(f"reviewer {name!r} already exists in this project")
        r = Reviewer(name=name, role=role_value)
        s.add(r)
        s.flush()
        if s.get_bind().dialect.name == "postgresql":
            from screener.services.team import give_login

            give_login(s, r, password)
        return _info(r)


def list_reviewers(store: Store) -> list[ReviewerInfo]:
    with store.read() as s:
        return [_info(r) for r in s.scalars(select(Reviewer).order_by(Reviewer.id))]


def reviewer_id(session, name: str) -> int:
    """The id of reviewer ``name`` inside an open session; a clear error when unknown.

    On a team server the connection's login role says who is working: a reviewer's or an
    adjudicator's login may act only as that reviewer (the row-level security policies refuse
    the rest anyway; this says so plainly). Owners, and the role that owns the tables, may act
    for anyone (imports of others' decisions, merges).
    """
    rid = session.scalar(select(Reviewer.id).where(Reviewer.name == name))
    if rid is None:
        known = ", ".join(session.scalars(select(Reviewer.name).order_by(Reviewer.id))) or "none yet"
        raise NotFoundError(f"unknown reviewer {name!r} (reviewers: {known}); add one with `screener reviewer add`")
    me = connected_reviewer(session)
    if me is not None and me.role != Role.OWNER.value and me.id != rid:
        raise PermissionDeniedError(f"you are connected to the team server as {me.db_role} (reviewer {me.name}); "
                                    f"you cannot act as {name}")
    return rid


def connected_reviewer(session) -> ReviewerInfo | None:
    """The reviewer whose login role this session's connection uses (PostgreSQL only), or None."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if "screener_me" not in session.info:
        r = session.scalar(select(Reviewer).where(Reviewer.db_role == func.current_user()).order_by(Reviewer.id))
        session.info["screener_me"] = _info(r) if r is not None else None
    return session.info["screener_me"]


def current_reviewer(store: Store) -> ReviewerInfo | None:
    """Who is working, as the server knows it: None on a project file (the user says who).

    On a team server: the reviewer of the connection's login role; for the role that owns the
    project's tables (the one that created it), its first owner.
    """
    if store.dialect != "postgresql":
        return None
    with store.read() as s:
        me = connected_reviewer(s)
        if me is not None:
            return me
        from screener.services.team import connection_owns_project

        if connection_owns_project(s):
            r = s.scalar(select(Reviewer).where(Reviewer.role == Role.OWNER.value).order_by(Reviewer.id))
            return _info(r) if r is not None else None
        return None


def get_reviewer(store: Store, name: str) -> ReviewerInfo:
    with store.read() as s:
        return _info(s.get(Reviewer, reviewer_id(s, name)))
