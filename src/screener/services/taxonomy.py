"""Exclusion reasons per stage and the hierarchical tag taxonomy.

Tags are named by their path, the names from the facet down joined by ``>``
(``Task > Segmentation``). Reasons and tags that have been used are retired, never deleted,
so past decisions keep their meaning.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select

from screener.core.enums import Stage
from screener.core.errors import NotFoundError, UserError
from screener.services.dto import ReasonInfo, TagInfo
from screener.services.versions import check_version
from screener.storage.models import DecisionReason, DecisionTag, Reason, Tag
from screener.storage.session import Store

SEP = ">"


def split_path(path: str) -> list[str]:
    parts = [p.strip() for p in str(path).split(SEP)]
    if not parts or any(not p for p in parts):
        raise UserError(f"invalid tag path {path!r}: give names from the facet down, separated by '{SEP}'")
    return parts


def join_path(parts: list[str]) -> str:
    return f" {SEP} ".join(parts)


# -- reasons -------------------------------------------------------------------------------

def list_reasons(store: Store, stage: str | None = None, include_retired: bool = False) -> list[ReasonInfo]:
    with store.read() as s:
        q = select(Reason).order_by(Reason.stage, Reason.position, Reason.id)
        if stage:
            q = q.where(Reason.stage == Stage.parse(stage).value)
        if not include_retired:
            q = q.where(Reason.retired.is_(False))
        return [_reason_info(r) for r in s.scalars(q)]


def _reason_info(r: Reason) -> ReasonInfo:
    return ReasonInfo(r.id, r.stage, r.name, r.position, r.retired, r.version)


def add_reason(store: Store, stage: str, name: str) -> ReasonInfo:
    """Add an exclusion reason at the end of the stage's list (an existing one is returned as is)."""
    # run(): two people adding the same name at once meet at the unique key; the rerun finds the row
    return store.run(lambda s: _reason_info(ensure_reason(s, Stage.parse(stage).value, name)))


def ensure_reason(session, stage: str, name: str, created: list[str] | None = None) -> Reason:
    """The reason ``name`` of ``stage``, added at the end of the list when new."""
    name = " ".join(str(name).split())
    if not name:
        raise UserError("an exclusion reason needs a name")
    r = session.scalar(select(Reason).where(Reason.stage == stage, Reason.name == name))
    if r is None:
        pos = session.scalar(select(func.coalesce(func.max(Reason.position), -1)).where(Reason.stage == stage)) + 1
        r = Reason(stage=stage, name=name, position=pos)
        session.add(r)
        session.flush()
        if created is not None:
            created.append(f"{stage}: {name}")
    return r


def find_reason(session, stage: str, name: str) -> Reason:
    r = session.scalar(select(Reason).where(Reason.stage == stage, Reason.name == " ".join(str(name).split())))
    if r is None:
        known = "; ".join(session.scalars(select(Reason.name).where(Reason.stage == stage, Reason.retired.is_(False))
                                          .order_by(Reason.position)))
        raise NotFoundError(f"unknown {stage} exclusion reason {name!r} (reasons: {known or 'none'})")
    return r


def _editable(session, model, row_id: int, version: int | None, kind: str, label, since: str):
    """The ``model`` row to edit, refused (ConflictError) when it is not the ``version`` the caller showed.

    ``kind`` names the row in messages ("tag"); ``label(row)`` gives its name as a person knows it.
    """
    row = session.get(model, row_id)
    if row is None and version is None:
        raise NotFoundError(f"no {kind} with id {row_id}")
    if version is not None:  # the label may cost a query (a tag's path): only for the message
        what = f"the {kind} {label(row)!r}" if row is not None else f"the {kind} {row_id}"
        check_version(row, version, what, since=since)
    return row


def _editable_reason(session, reason_id: int, version: int | None) -> Reason:
    """The reason to edit, refused (ConflictError) when it is not the ``version`` the caller showed."""
    return _editable(session, Reason, reason_id, version, "exclusion reason", lambda r: r.name,
                     "since the list was shown")


def rename_reason(store: Store, reason_id: int, name: str, version: int | None = None) -> None:
    """Rename an exclusion reason; ``version`` is the one the caller showed (None: no check)."""
    with store.unit() as s:
        r = _editable_reason(s, reason_id, version)
        r.name = " ".join(name.split())


def move_reason(store: Store, reason_id: int, position: int, version: int | None = None) -> None:
    """Move a reason to ``position`` in its stage's list; ``version`` as for :func:`rename_reason`."""
    with store.unit() as s:
        r = _editable_reason(s, reason_id, version)
        rows = list(s.scalars(select(Reason).where(Reason.stage == r.stage).order_by(Reason.position, Reason.id)))
        rows.remove(r)
        rows.insert(max(0, min(position, len(rows))), r)
        for i, row in enumerate(rows):
            row.position = i


def remove_reason(store: Store, reason_id: int, version: int | None = None) -> str:
    """Delete an unused reason; a used one is retired instead. Returns 'deleted' or 'retired'.

    ``version`` is the one the caller showed (None: no check).
    """
    with store.unit() as s:
        r = _editable_reason(s, reason_id, version)
        if s.scalar(select(exists().where(DecisionReason.reason_id == reason_id))):
            r.retired = True
            return "retired"
        s.delete(r)
        return "deleted"


# -- tags ----------------------------------------------------------------------------------

def list_tags(store: Store, include_retired: bool = False) -> list[TagInfo]:
    """The taxonomy in tree order (depth first, by position), each tag with its full path."""
    with store.read() as s:
        rows = list(s.scalars(select(Tag).order_by(Tag.position, Tag.id)))
    children: dict[int | None, list[Tag]] = {}
    for t in rows:
        children.setdefault(t.parent_id, []).append(t)
    out: list[TagInfo] = []

    def walk(parent: int | None, prefix: list[str], depth: int) -> None:
        for t in children.get(parent, []):
            if t.retired and not include_retired:
                continue
            path = prefix + [t.name]
            out.append(TagInfo(t.id, t.parent_id, t.name, join_path(path), depth, t.position, t.shortcut, t.retired,
                               t.version))
            walk(t.id, path, depth + 1)

    walk(None, [], 0)
    return out


def tag_paths(session) -> dict[int, str]:
    """Map tag id -> path, for every tag (retired ones too: old decisions still name them)."""
    rows = session.execute(select(Tag.id, Tag.parent_id, Tag.name)).all()
    by_id = {r.id: r for r in rows}
    cache: dict[int, str] = {}

    def path(tid: int) -> str:
        if tid not in cache:
            r = by_id[tid]
            cache[tid] = r.name if r.parent_id is None else f"{path(r.parent_id)} {SEP} {r.name}"
        return cache[tid]

    return {tid: path(tid) for tid in by_id}


def resolve_tag(session, path: str, create: bool = False, created: list[str] | None = None) -> Tag:
    """The tag at ``path``; with ``create`` the missing part of the path is added."""
    parent: int | None = None
    tag: Tag | None = None
    for i, name in enumerate(split_path(path)):
        q = select(Tag).where(Tag.name == name)
        q = q.where(Tag.parent_id.is_(None)) if parent is None else q.where(Tag.parent_id == parent)
        tag = session.scalar(q)
        if tag is None:
            if not create:
                raise NotFoundError(f"unknown tag {path!r} (no {join_path(split_path(path)[: i + 1])!r} in the taxonomy)")
            sib = select(func.coalesce(func.max(Tag.position), -1))
            sib = sib.where(Tag.parent_id.is_(None)) if parent is None else sib.where(Tag.parent_id == parent)
            tag = Tag(parent_id=parent, name=name, position=session.scalar(sib) + 1)
            session.add(tag)
            session.flush()
            if created is not None:
                created.append(join_path(split_path(path)[: i + 1]))
        parent = tag.id
    assert tag is not None
    return tag


def add_tag(store: Store, path: str, shortcut: str = "") -> TagInfo:
    """Add the tag at ``path`` (and any missing tag above it)."""
    def work(s) -> TagInfo:
        t = resolve_tag(s, path, create=True)
        if shortcut:
            t.shortcut = shortcut
        s.flush()
        depth = len(split_path(path)) - 1
        return TagInfo(t.id, t.parent_id, t.name, join_path(split_path(path)), depth, t.position, t.shortcut,
                       t.retired, t.version)

    # run(): two people adding the same tag at once meet at the unique key; the rerun finds the row
    return store.run(work)


def editable_tag(session, tag_id: int, version: int | None) -> Tag:
    """The tag to edit, refused (ConflictError) when it is not the ``version`` the caller showed."""
    return _editable(session, Tag, tag_id, version, "tag", lambda t: tag_paths(session)[t.id],
                     "since the taxonomy was shown")


def rename_tag(store: Store, tag_id: int, name: str, version: int | None = None) -> None:
    """Rename a tag; ``version`` is the one the caller showed (None: no check)."""
    name = " ".join(str(name).split())
    if not name or SEP in name:
        raise UserError(f"a tag name must be non-empty and must not contain '{SEP}'")
    with store.unit() as s:
        editable_tag(s, tag_id, version).name = name


def move_tag(store: Store, tag_id: int, new_parent_id: int | None, position: int | None = None,
             version: int | None = None) -> None:
    """Move a tag (with its subtree) under another parent; refuses to make a cycle.

    ``version`` is the moved tag's, as the caller showed it (None: no check).
    """
    with store.unit() as s:
        t = editable_tag(s, tag_id, version)
        if new_parent_id is not None and s.get(Tag, new_parent_id) is None:
            raise NotFoundError(f"no tag with id {new_parent_id} to move the tag under")
        p = new_parent_id
        while p is not None:
            if p == tag_id:
                raise UserError("a tag cannot be moved under itself or one of its children")
            p = s.get(Tag, p).parent_id
        t.parent_id = new_parent_id
        sib = select(Tag).where(Tag.id != tag_id).order_by(Tag.position, Tag.id)
        sib = sib.where(Tag.parent_id.is_(None)) if new_parent_id is None else sib.where(Tag.parent_id == new_parent_id)
        rows = list(s.scalars(sib))
        rows.insert(len(rows) if position is None else max(0, min(position, len(rows))), t)
        for i, row in enumerate(rows):
            row.position = i


def retire_tag(store: Store, tag_id: int, retired: bool = True, version: int | None = None) -> None:
    """Retire a tag (or restore it); ``version`` is the one the caller showed (None: no check)."""
    with store.unit() as s:
        editable_tag(s, tag_id, version).retired = retired


def tag_in_use(store: Store, tag_id: int) -> bool:
    with store.read() as s:
        return bool(s.scalar(select(exists().where(DecisionTag.tag_id == tag_id))))
