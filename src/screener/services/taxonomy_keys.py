"""Keyboard shortcuts of taxonomy tags (shared by the team, so they live in the project)."""

from __future__ import annotations

from sqlalchemy import select

from screener.core.errors import UserError
from screener.services.dto import TagInfo
from screener.services.taxonomy import editable_tag, list_tags
from screener.storage.models import Tag
from screener.storage.session import Store

MAX_LENGTH = 32


def set_tag_shortcut(store: Store, tag_id: int, shortcut: str, version: int | None = None) -> TagInfo:
    """Give a tag a key (e.g. ``Alt+S``), or take it away with an empty string.

    Two tags cannot share a key: pressing it must toggle one tag. ``version`` is the tag's, as
    the caller showed it (None: no check).
    """
    shortcut = " ".join((shortcut or "").split())
    if len(shortcut) > MAX_LENGTH:
        raise UserError(f"a tag shortcut is at most {MAX_LENGTH} characters")
    with store.unit() as s:
        tag = editable_tag(s, int(tag_id), version)
        if shortcut:
            other = s.scalar(select(Tag).where(Tag.shortcut == shortcut, Tag.id != tag.id, Tag.retired.is_(False)))
            if other is not None:
                raise UserError(f"the key {shortcut} already toggles the tag {other.name!r}")
        tag.shortcut = shortcut
    return next(t for t in list_tags(store, include_retired=True) if t.id == int(tag_id))
