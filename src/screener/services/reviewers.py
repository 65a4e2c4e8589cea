"""The people of a review: reviewers, adjudicators and owners."""

from __future__ import annotations

from sqlalchemy import select

from screener.core.enums import Role
from screener.core.errors import NotFoundError, UserError
from screener.services.dto import ReviewerInfo
from screener.storage.models import Reviewer
from screener.storage.session import Store


def _info(r: Reviewer) -> ReviewerInfo:
    return ReviewerInfo(r.id, r.name, r.role, r.db_role)


def add_reviewer(store: Store, name: str, role: str = "reviewer") -> ReviewerInfo:
    """Add a reviewer; the name must be new to the project."""
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
        return _info(r)


def list_reviewers(store: Store) -> list[ReviewerInfo]:
    with store.read() as s:
        return [_info(r) for r in s.scalars(select(Reviewer).order_by(Reviewer.id))]


def reviewer_id(session, name: str) -> int:
    """The id of reviewer ``name`` inside an open session; a clear error when unknown."""
    rid = session.scalar(select(Reviewer.id).where(Reviewer.name == name))
    if rid is None:
        known = ", ".join(session.scalars(select(Reviewer.name).order_by(Reviewer.id))) or "none yet"
        raise NotFoundError(f"unknown reviewer {name!r} (reviewers: {known}); add one with `screener reviewer add`")
    return rid


def get_reviewer(store: Store, name: str) -> ReviewerInfo:
    with store.read() as s:
        return _info(s.get(Reviewer, reviewer_id(s, name)))
