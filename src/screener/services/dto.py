"""Plain, frozen results that services hand to the CLI and the GUI (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ReviewerInfo:
    id: int
    name: str
    role: str
    db_role: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "db_role": self.db_role}


@dataclass(frozen=True)
class StageConfig:
    stage: str
    reviewers_required: int
    blind: bool
    reason_required: bool
    unblinded: bool
    #: The stage row's version, passed back with an edit (optimistic concurrency, services.versions).
    version: int = 0


@dataclass(frozen=True)
class Settings:
    title: str
    question: str
    inclusion_criteria: str
    exclusion_criteria: str
    include_terms: tuple[str, ...]
    exclude_terms: tuple[str, ...]
    template: str
    auto_dedup: bool
    maybe_as_include: bool
    stages: dict[str, StageConfig]
    maybe_needs_resolution: bool = True
    reason_conflicts: bool = True
    #: The previous version's counts of an updated review (None: not an update).
    previous_studies: int | None = None
    previous_reports: int | None = None
    #: The project row's version, passed back with an edit (optimistic concurrency, services.versions).
    version: int = 0


@dataclass(frozen=True)
class ReasonInfo:
    id: int
    stage: str
    name: str
    position: int
    retired: bool
    #: Passed back with an edit so a stale one is refused (services.versions).
    version: int = 0


@dataclass(frozen=True)
class TagInfo:
    id: int
    parent_id: int | None
    name: str
    path: str
    depth: int
    position: int
    shortcut: str
    retired: bool
    #: Passed back with an edit so a stale one is refused (services.versions).
    version: int = 0


@dataclass(frozen=True)
class FileImport:
    path: str
    format: str
    encoding: str
    source: str
    source_type: str
    found: int
    imported: int
    rejected: int
    errors: tuple[dict[str, Any], ...]
    source_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "encoding": self.encoding, "source": self.source,
                "source_type": self.source_type, "found": self.found, "imported": self.imported,
                "rejected": self.rejected, "errors": list(self.errors)}


@dataclass(frozen=True)
class ImportSummary:
    files: tuple[FileImport, ...]

    @property
    def imported(self) -> int:
        return sum(f.imported for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "rejected": self.rejected, "files": [f.as_dict() for f in self.files]}


@dataclass(frozen=True)
class DecisionInfo:
    record_id: int
    reviewer: str
    stage: str
    label: str
    reasons: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    note: str = ""
    decided_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "reviewer": self.reviewer, "stage": self.stage, "label": self.label,
                "reasons": list(self.reasons), "tags": list(self.tags), "note": self.note,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None}


@dataclass(frozen=True)
class RecordView:
    """Everything the record pane shows about one record."""

    id: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    year: int | None
    journal: str
    volume: str
    issue: str
    pages: str
    doi: str
    pmid: str
    arxiv_id: str
    url: str
    keywords: tuple[str, ...]
    pub_type: str
    language: str
    extra: dict[str, Any]
    sources: tuple[str, ...]
    duplicate_of: int | None
    decisions: tuple[DecisionInfo, ...] = field(default=())
    attachment: dict[str, Any] | None = None
