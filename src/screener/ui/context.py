"""What the GUI knows about the open project: read once off the GUI thread, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from screener.core.enums import Stage
from screener.services import queries
from screener.services.dto import ReasonInfo, ReviewerInfo, Settings, TagInfo
from screener.services.project import get_settings, open_project
from screener.services.reviewers import get_reviewer, list_reviewers
from screener.services.taxonomy import list_reasons, list_tags
from screener.storage.session import Store


@dataclass(frozen=True)
class ProjectContext:
    """The open project as one reviewer sees it. ``reviewer`` is empty until someone is chosen."""

    store: Store
    project: str
    reviewer: str
    role: str
    settings: Settings
    reviewers: tuple[ReviewerInfo, ...]
    reasons: dict[str, tuple[ReasonInfo, ...]]
    tags: tuple[TagInfo, ...]
    blinded: dict[str, bool]

    @property
    def title(self) -> str:
        return self.settings.title or Path(self.project).stem

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    def reason_required(self, stage: str) -> bool:
        cfg = self.settings.stages.get(stage)
        return bool(cfg and cfg.reason_required)

    def with_reviewer(self, name: str, role: str) -> "ProjectContext":
        return replace(self, reviewer=name, role=role)


def read_context(store: Store, project: str, reviewer: str = "") -> ProjectContext:
    """Everything the windows need about a project, in a few short reads (run on a worker)."""
    role = get_reviewer(store, reviewer).role if reviewer else ""
    reasons = {st.value: tuple(list_reasons(store, st.value)) for st in Stage}
    return ProjectContext(store, project, reviewer, role, get_settings(store), tuple(list_reviewers(store)),
                          reasons, tuple(list_tags(store)), queries.blinded_stages(store))


def open_context(project: str, reviewer: str = "", read_only: bool = False) -> ProjectContext:
    """Open a project (upgrading it if needed) and read its context; closes it again on error.

    The app takes the lock beside a project file, so a second instance is told, and can open
    it ``read_only``.
    """
    store = open_project(project, read_only=read_only, lock=True)
    try:
        return read_context(store, project, reviewer)
    except BaseException:
        store.close()
        raise
