"""lighter record indexes: links indexed only where set, identifiers not indexed

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

Every index of ``records`` takes an entry per imported record; together they were a third of
the database's work in an import of 100k records.

- Nearly every record has none of the links (duplicate_of, dup_group_id, study_id). Queries
  look a link up by value (``duplicate_of = ?``), which a partial index ``WHERE ... IS NOT
  NULL`` serves on SQLite and PostgreSQL alike, at the cost of the records that have one.
- Nothing looks a record up by DOI, PMID or arXiv id: deduplication and the import of
  decisions read them all, and search matches parts of them (LIKE), which no index serves.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

LINKS = ("duplicate_of", "dup_group_id", "study_id")
IDENTIFIERS = ("doi", "pmid", "arxiv_id")


def upgrade() -> None:
    for column in LINKS:
        name = f"ix_records_{column}"
        op.drop_index(name, table_name="records")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "records", [column], unique=False, sqlite_where=where, postgresql_where=where)
    for column in IDENTIFIERS:
        op.drop_index(f"ix_records_{column}", table_name="records")


def downgrade() -> None:
    for column in IDENTIFIERS:
        op.create_index(f"ix_records_{column}", "records", [column], unique=False)
    for column in LINKS:
        name = f"ix_records_{column}"
        op.drop_index(name, table_name="records")
        op.create_index(name, "records", [column], unique=False)
