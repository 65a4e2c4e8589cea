"""Creating and opening projects, and the settings the whole team shares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from screener import __version__
from screener.core.enums import Role, Stage
from screener.core.errors import ConflictError, UserError
from screener.core.resources import resource
from screener.services.dto import Settings, StageConfig
from screener.services.prisma import check_previous_counts
from screener.services.versions import RELOAD, STAGE_NAMES
from screener.storage.models import ProjectInfo, Reason, Reviewer, StageSettings, Tag
from screener.storage.session import Store

TEMPLATES = ("blank", "medical-imaging-fm")


def load_template(name: str) -> dict[str, Any]:
    """The reasons, taxonomy and highlight terms a template seeds a new project with."""
    if name not in TEMPLATES:
        raise UserError(f"unknown template {name!r}: use one of {', '.join(TEMPLATES)}")
    return json.loads(resource("templates", f"{name}.json").read_text(encoding="utf-8"))


def open_project(project: str | Path, read_only: bool = False, lock: bool = False) -> Store:
    """Open an existing project (upgrading an older schema after a backup).

    It opens read-only when asked or when it cannot be written; ``lock`` takes the lock beside a
    project file (the desktop app) and fails while another instance holds it.
    """
    return Store.open(project, read_only=read_only, lock=lock)


def init_project(project: str | Path, title: str = "", reviewers: list[str] | tuple[str, ...] = (),
                 template: str = "blank", question: str = "", auto_dedup: bool = False) -> Store:
    """Create a project with its schema, settings, template and first reviewers.

    The first reviewer named is the owner; the others are reviewers. ``auto_dedup`` merges the
    sure duplicates after every import (the project setting of that name).
    """
    tpl = load_template(template)
    store = Store.create(project)
    try:
        with store.unit() as s:
            s.add(ProjectInfo(id=1, title=title or Path(str(project)).stem, question=question, template=template,
                              include_terms=list(tpl.get("include_terms", [])),
                              exclude_terms=list(tpl.get("exclude_terms", [])), auto_dedup=bool(auto_dedup),
                              app_version=__version__))
            s.add(StageSettings(stage=Stage.TITLE_ABSTRACT.value, reviewers_required=2, blind=True,
                                reason_required=False))
            s.add(StageSettings(stage=Stage.FULL_TEXT.value, reviewers_required=2, blind=True,
                                reason_required=True))
            for stage, names in tpl.get("reasons", {}).items():
                for pos, name in enumerate(names):
                    s.add(Reason(stage=Stage.parse(stage).value, name=name, position=pos))
            _add_tags(s, None, tpl.get("taxonomy", []))
            seen: set[str] = set()
            for i, name in enumerate(reviewers):
                name = name.strip()
                if not name or name in seen:
                    continue
                seen.add(name)
                s.add(Reviewer(name=name, role=(Role.OWNER if i == 0 else Role.REVIEWER).value))
    except BaseException:
        store.close()
        raise
    return store


def _add_tags(session, parent_id: int | None, nodes: list[dict[str, Any]]) -> None:
    for pos, node in enumerate(nodes):
        tag = Tag(parent_id=parent_id, name=node["name"], position=pos, shortcut=node.get("shortcut", ""))
        session.add(tag)
        session.flush()
        _add_tags(session, tag.id, node.get("children", []))


def get_settings(store: Store) -> Settings:
    with store.read() as s:
        info = s.get(ProjectInfo, 1)
        if info is None:
            raise UserError(f"{store.project}: the project has no settings row")
        stages = {row.stage: StageConfig(row.stage, row.reviewers_required, row.blind, row.reason_required,
                                         row.unblinded_at is not None, row.version)
                  for row in s.scalars(select(StageSettings))}
        return Settings(info.title, info.question, info.inclusion_criteria, info.exclusion_criteria,
                        tuple(info.include_terms or ()), tuple(info.exclude_terms or ()), info.template,
                        info.auto_dedup, info.maybe_as_include, stages, info.maybe_needs_resolution,
                        info.reason_conflicts, info.previous_studies, info.previous_reports, info.version)


_PROJECT_FIELDS = {"title", "question", "inclusion_criteria", "exclusion_criteria", "include_terms",
                   "exclude_terms", "auto_dedup", "maybe_as_include", "maybe_needs_resolution", "reason_conflicts"}
_STAGE_FIELDS = {"reviewers_required", "blind", "reason_required"}


def update_settings(store: Store, stage_changes: dict[str, dict[str, Any]] | None = None, *,
                    version: int | None = None, stage_versions: dict[str, int] | None = None,
                    previous: tuple[int | None, int | None] | None = None, **changes: Any) -> Settings:
    """Change project-wide settings and, per stage, reviewers required / blind / reason required.

    ``previous`` sets the previous version's counts of an updated review in the same unit of
    work (``(None, None)`` clears them; None leaves them). ``version`` and ``stage_versions``
    are the versions of :class:`Settings` / :class:`StageConfig` the caller showed: when someone
    else saved those rows since, nothing is saved and a ConflictError says which (None: no check).
    """
    unknown = set(changes) - _PROJECT_FIELDS
    if unknown:
        raise UserError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    for values in (stage_changes or {}).values():
        bad = set(values) - _STAGE_FIELDS
        if bad:
            raise UserError(f"unknown stage setting(s): {', '.join(sorted(bad))}")
        if "reviewers_required" in values and int(values["reviewers_required"]) < 1:
            raise UserError("reviewers required per record must be at least 1")
    if previous is not None:
        previous = check_previous_counts(*previous)
    stage_versions = {Stage.parse(k).value: v for k, v in (stage_versions or {}).items()}

    def work(s) -> None:
        info = s.get(ProjectInfo, 1)
        if info is None:
            raise UserError(f"{store.project}: the project has no settings row")
        rows = {row.stage: row for row in s.scalars(select(StageSettings))}
        _refuse_stale(info, version, rows, stage_versions)
        for key, value in changes.items():
            if key in ("include_terms", "exclude_terms"):
                value = [str(v).strip() for v in value if str(v).strip()]
            setattr(info, key, value)
        if previous is not None:
            info.previous_studies, info.previous_reports = previous
        for stage, values in (stage_changes or {}).items():
            row = rows[Stage.parse(stage).value]
            for key, value in values.items():
                setattr(row, key, value)

    # run(): a serialization failure or deadlock on a team server is retried; the rerun checks
    # the versions again, so a change that won the race is reported, never overwritten.
    store.run(work)
    return get_settings(store)


def _refuse_stale(info: ProjectInfo, version: int | None, rows: dict[str, StageSettings],
                  stage_versions: dict[str, int]) -> None:
    """A ConflictError naming every settings row saved by someone else since the caller read it."""
    stale = ["the project settings"] if version is not None and info.version != version else []
    for stage, seen in stage_versions.items():
        if seen is not None and rows[stage].version != seen:
            stale.append(f"the {STAGE_NAMES.get(stage, stage)} stage settings")
    if stale:
        raise ConflictError(f"{' and '.join(stale)} were changed by someone else since you opened them; {RELOAD}")
