"""The project schema, as SQLAlchemy 2.x typed mappings on one declarative base.

Modelled for several reviewers from the start: a decision belongs to a record, a reviewer and a
stage; the final outcome of a conflicted record is a resolution; every change is appended to an
event log. Types are portable (JSON, not JSONB; no SQLite-only SQL) so the same schema runs on a
SQLite file and on a PostgreSQL server. The schema is created only by the Alembic migrations in
``storage/migrations`` (never ``create_all`` outside tests that compare the two).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
        str: Text,
    }


STAGES = ("title_abstract", "full_text")
LABELS = ("include", "exclude", "maybe")


class ProjectInfo(Base):
    """One row: what the whole team shares about the review."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(default="")
    question: Mapped[str] = mapped_column(default="")
    inclusion_criteria: Mapped[str] = mapped_column(default="")
    exclusion_criteria: Mapped[str] = mapped_column(default="")
    include_terms: Mapped[list[Any]] = mapped_column(default=list)
    exclude_terms: Mapped[list[Any]] = mapped_column(default=list)
    template: Mapped[str] = mapped_column(default="blank")
    auto_dedup: Mapped[bool] = mapped_column(Boolean, default=False)
    maybe_as_include: Mapped[bool] = mapped_column(Boolean, default=False)
    # A "maybe" from anyone sends the record to adjudication rather than counting as agreement.
    maybe_needs_resolution: Mapped[bool] = mapped_column(Boolean, default=True)
    # At full text two excludes with different primary reasons are a conflict too (PRISMA
    # reports excluded reports by reason, so the reason must be agreed).
    reason_conflicts: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    app_version: Mapped[str] = mapped_column(default="")
    # For an updated review: the previous version's counts, entered by the user (PRISMA boxes).
    previous_studies: Mapped[int | None] = mapped_column(Integer, default=None)
    previous_reports: Mapped[int | None] = mapped_column(Integer, default=None)
    # Optimistic concurrency for rows the whole team shares: an edit names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class StageSettings(Base):
    __tablename__ = "stage_settings"
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    reviewers_required: Mapped[int] = mapped_column(Integer, default=2)
    blind: Mapped[bool] = mapped_column(Boolean, default=True)
    reason_required: Mapped[bool] = mapped_column(Boolean, default=False)
    unblinded_at: Mapped[datetime | None] = mapped_column(default=None)
    # Optimistic concurrency for rows the whole team shares: an edit names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("reviewers_required >= 1", name="reviewers_required_positive"),)


class Reviewer(Base):
    __tablename__ = "reviewers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(32), default="reviewer")
    db_role: Mapped[str | None] = mapped_column(String(200), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (CheckConstraint("role IN ('reviewer', 'adjudicator', 'owner')", name="role"),)


class Source(Base):
    """One imported file: an import batch, the unit of PRISMA's identification counts."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str]
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(32))
    encoding: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(default="")
    source_type: Mapped[str] = mapped_column(String(32), default="database")
    search_date: Mapped[str] = mapped_column(default="")
    query: Mapped[str] = mapped_column(default="")
    found: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    imported_by: Mapped[str] = mapped_column(default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        CheckConstraint("found = imported + rejected", name="counts_add_up"),
        CheckConstraint(
            "source_type IN ('database', 'register', 'website', 'organisation', 'citation', 'other')",
            name="source_type",
        ),
    )


#: Columns of a record that point to another record or group (set for few records).
LINKS = ("duplicate_of", "dup_group_id", "study_id")


class Record(Base):
    __tablename__ = "records"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(default="")
    abstract: Mapped[str] = mapped_column(default="")
    authors: Mapped[list[Any]] = mapped_column(default=list)
    year: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    journal: Mapped[str] = mapped_column(default="")
    volume: Mapped[str] = mapped_column(default="")
    issue: Mapped[str] = mapped_column(default="")
    pages: Mapped[str] = mapped_column(default="")
    # No index on the identifiers: nothing looks a record up by one (deduplication and
    # decision import read them all), and each index would cost every imported record.
    doi: Mapped[str] = mapped_column(default="")
    pmid: Mapped[str] = mapped_column(String(20), default="")
    arxiv_id: Mapped[str] = mapped_column(String(40), default="")
    url: Mapped[str] = mapped_column(default="")
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    pub_type: Mapped[str] = mapped_column(default="")
    language: Mapped[str] = mapped_column(default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set when this record was merged into another as a duplicate; it keeps its own data and
    # provenance so the merge can be undone.
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("records.id"), default=None)
    dup_group_id: Mapped[int | None] = mapped_column(ForeignKey("duplicate_groups.id"), default=None)
    # Several reports can describe one study: a report points to the study's main record.
    study_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic concurrency for rows the whole team shares: an edit names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    origins: Mapped[list["RecordSource"]] = relationship(back_populates="record", cascade="all, delete-orphan")
    # The links above are empty for nearly every record: indexed only where set, so that an
    # import of 100k records does not write three indexes of nothing.
    __table_args__ = tuple(Index(f"ix_records_{column}", column, sqlite_where=text(f"{column} IS NOT NULL"),
                                 postgresql_where=text(f"{column} IS NOT NULL")) for column in LINKS)


class RecordSource(Base):
    """Where a record came from: a source file and its position (line, row or element) there."""

    __tablename__ = "record_sources"
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    line: Mapped[int | None] = mapped_column(Integer, default=None)
    record: Mapped[Record] = relationship(back_populates="origins")


class Reason(Base):
    """An exclusion reason of one stage. Once used it is retired, never deleted."""

    __tablename__ = "reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optimistic concurrency for rows the whole team shares: an edit names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("stage", "name", name="uq_reasons_stage_name"),)


class Tag(Base):
    """A node of the hierarchical taxonomy (facet → value → sub-value, any depth)."""

    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id"), default=None, index=True)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    shortcut: Mapped[str] = mapped_column(String(32), default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optimistic concurrency for rows the whole team shares: an edit names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_tags_parent_name"),)


class Decision(Base):
    """One reviewer's current decision on one record at one stage."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    reasons: Mapped[list["DecisionReason"]] = relationship(cascade="all, delete-orphan", order_by="DecisionReason.position")
    tags: Mapped[list["DecisionTag"]] = relationship(cascade="all, delete-orphan")
    __table_args__ = (
        UniqueConstraint("record_id", "reviewer_id", "stage", name="uq_decisions_record_reviewer_stage"),
        CheckConstraint("label IN ('include', 'exclude', 'maybe')", name="label"),
        CheckConstraint("stage IN ('title_abstract', 'full_text')", name="stage"),
        Index("ix_decisions_stage_record", "stage", "record_id"),
    )


class DecisionReason(Base):
    __tablename__ = "decision_reasons"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    reason_id: Mapped[int] = mapped_column(ForeignKey("reasons.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class DecisionTag(Base):
    __tablename__ = "decision_tags"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)


class DecisionEvent(Base):
    """Append-only log of every change to a decision or resolution: who, when, before, after."""

    __tablename__ = "decision_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    reviewer_id: Mapped[int | None] = mapped_column(Integer, default=None)
    stage: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), default="decision")  # decision | resolution
    at: Mapped[datetime] = mapped_column(default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    origin: Mapped[str] = mapped_column(String(32), default="")  # gui, cli, import, merge, undo


class Resolution(Base):
    """The final decision on a conflicted record at one stage."""

    __tablename__ = "resolutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(16))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"))
    note: Mapped[str] = mapped_column(default="")
    reason_ids: Mapped[list[Any]] = mapped_column(default=list)
    # The record's final tags when an adjudicator settled the reviewers' tag disagreement;
    # None means "not settled": the union of the reviewers' tags stands.
    tag_ids: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    # Set for records left unscreened when the team stopped on the ranking's stopping rule:
    # PRISMA reports them as marked ineligible by an automation tool.
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic concurrency for rows the whole team shares: an edit names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("record_id", "stage", name="uq_resolutions_record_stage"),
        CheckConstraint("label IN ('include', 'exclude', 'maybe')", name="label"),
    )


class DuplicateGroup(Base):
    """Records merged as one paper; the kept record is the one the others point to."""

    __tablename__ = "duplicate_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    kept_record_id: Mapped[int] = mapped_column(Integer, index=True)
    method: Mapped[str] = mapped_column(String(32), default="auto")  # auto | manual | import
    # The kept record's own fields before it took the group's most complete metadata, so that a
    # split puts it back exactly as imported.
    kept_original: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DuplicatePair(Base):
    """A candidate pair from deduplication, and what a person said about it."""

    __tablename__ = "duplicate_pairs"
    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(default=0.0)
    status: Mapped[str] = mapped_column(String(32), default="uncertain")  # sure|uncertain|link|merged|not_duplicate|skipped
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    decided_by: Mapped[str] = mapped_column(default="")
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    __table_args__ = (UniqueConstraint("a_id", "b_id", name="uq_duplicate_pairs_a_b"),)


class Attachment(Base):
    """The full text of a record: a file in the attachment folder, or 'not retrieved'."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="attached")  # attached | not_retrieved
    file_name: Mapped[str] = mapped_column(default="")
    original_name: Mapped[str] = mapped_column(default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    added_by: Mapped[str] = mapped_column(default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (CheckConstraint("status IN ('attached', 'not_retrieved')", name="status"),)
