"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decision_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('origin', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_events'))
    )
    with op.batch_alter_table('decision_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_events_record_id'), ['record_id'], unique=False)

    op.create_table('duplicate_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kept_record_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('kept_original', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_groups'))
    )
    with op.batch_alter_table('duplicate_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_groups_kept_record_id'), ['kept_record_id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('inclusion_criteria', sa.Text(), nullable=False),
    sa.Column('exclusion_criteria', sa.Text(), nullable=False),
    sa.Column('include_terms', sa.JSON(), nullable=False),
    sa.Column('exclude_terms', sa.JSON(), nullable=False),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('auto_dedup', sa.Boolean(), nullable=False),
    sa.Column('maybe_as_include', sa.Boolean(), nullable=False),
    sa.Column('maybe_needs_resolution', sa.Boolean(), nullable=False),
    sa.Column('reason_conflicts', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('app_version', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project'))
    )
    op.create_table('reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reasons')),
    sa.UniqueConstraint('stage', 'name', name='uq_reasons_stage_name')
    )
    op.create_table('reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('db_role', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('reviewer', 'adjudicator', 'owner')", name=op.f('ck_reviewers_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewers')),
    sa.UniqueConstraint('name', name=op.f('uq_reviewers_name'))
    )
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('encoding', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('source_type', sa.String(length=32), nullable=False),
    sa.Column('search_date', sa.Text(), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('imported_by', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source_type IN ('database', 'register', 'website', 'organisation', 'citation', 'other')", name=op.f('ck_sources_source_type')),
    sa.CheckConstraint('found = imported + rejected', name=op.f('ck_sources_counts_add_up')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources'))
    )
    op.create_table('stage_settings',
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('reviewers_required', sa.Integer(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('reason_required', sa.Boolean(), nullable=False),
    sa.Column('unblinded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('reviewers_required >= 1', name=op.f('ck_stage_settings_reviewers_required_positive')),
    sa.PrimaryKeyConstraint('stage', name=op.f('pk_stage_settings'))
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('shortcut', sa.String(length=32), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['tags.id'], name=op.f('fk_tags_parent_id_tags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('parent_id', 'name', name='uq_tags_parent_name')
    )
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tags_parent_id'), ['parent_id'], unique=False)

    op.create_table('records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('journal', sa.Text(), nullable=False),
    sa.Column('volume', sa.Text(), nullable=False),
    sa.Column('issue', sa.Text(), nullable=False),
    sa.Column('pages', sa.Text(), nullable=False),
    sa.Column('doi', sa.Text(), nullable=False),
    sa.Column('pmid', sa.String(length=20), nullable=False),
    sa.Column('arxiv_id', sa.String(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('pub_type', sa.Text(), nullable=False),
    sa.Column('language', sa.Text(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('dup_group_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dup_group_id'], ['duplicate_groups.id'], name=op.f('fk_records_dup_group_id_duplicate_groups')),
    sa.ForeignKeyConstraint(['duplicate_of'], ['records.id'], name=op.f('fk_records_duplicate_of_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records'))
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_records_arxiv_id'), ['arxiv_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_doi'), ['doi'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_dup_group_id'), ['dup_group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_duplicate_of'), ['duplicate_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_pmid'), ['pmid'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_year'), ['year'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('original_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('attached', 'not_retrieved')", name=op.f('ck_attachments_status')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_attachments_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('record_id', name=op.f('uq_attachments_record_id'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("label IN ('include', 'exclude', 'maybe')", name=op.f('ck_decisions_label')),
    sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name=op.f('ck_decisions_stage')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_decisions_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name=op.f('fk_decisions_reviewer_id_reviewers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('record_id', 'reviewer_id', 'stage', name='uq_decisions_record_reviewer_stage')
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index('ix_decisions_stage_record', ['stage', 'record_id'], unique=False)

    op.create_table('duplicate_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['a_id'], ['records.id'], name=op.f('fk_duplicate_pairs_a_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['b_id'], ['records.id'], name=op.f('fk_duplicate_pairs_b_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_pairs')),
    sa.UniqueConstraint('a_id', 'b_id', name='uq_duplicate_pairs_a_b')
    )
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_pairs_a_id'), ['a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_pairs_b_id'), ['b_id'], unique=False)

    op.create_table('record_sources',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_record_sources_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_record_sources_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'source_id', 'position', name=op.f('pk_record_sources'))
    )
    with op.batch_alter_table('record_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_sources_source_id'), ['source_id'], unique=False)

    op.create_table('resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reason_ids', sa.JSON(), nullable=False),
    sa.Column('tag_ids', sa.JSON(), nullable=True),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("label IN ('include', 'exclude', 'maybe')", name=op.f('ck_resolutions_label')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_resolutions_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name=op.f('fk_resolutions_reviewer_id_reviewers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resolutions')),
    sa.UniqueConstraint('record_id', 'stage', name='uq_resolutions_record_stage')
    )
    op.create_table('decision_reasons',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('reason_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_reasons_decision_id_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reason_id'], ['reasons.id'], name=op.f('fk_decision_reasons_reason_id_reasons')),
    sa.PrimaryKeyConstraint('decision_id', 'reason_id', name=op.f('pk_decision_reasons'))
    )
    with op.batch_alter_table('decision_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_reasons_reason_id'), ['reason_id'], unique=False)

    op.create_table('decision_tags',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_tags_decision_id_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_decision_tags_tag_id_tags')),
    sa.PrimaryKeyConstraint('decision_id', 'tag_id', name=op.f('pk_decision_tags'))
    )
    with op.batch_alter_table('decision_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_tags_tag_id'), ['tag_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('decision_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_tags_tag_id'))

    op.drop_table('decision_tags')
    with op.batch_alter_table('decision_reasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_reasons_reason_id'))

    op.drop_table('decision_reasons')
    op.drop_table('resolutions')
    with op.batch_alter_table('record_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_sources_source_id'))

    op.drop_table('record_sources')
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_pairs_b_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_pairs_a_id'))

    op.drop_table('duplicate_pairs')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_stage_record')
        batch_op.drop_index(batch_op.f('ix_decisions_reviewer_id'))

    op.drop_table('decisions')
    op.drop_table('attachments')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_records_year'))
        batch_op.drop_index(batch_op.f('ix_records_pmid'))
        batch_op.drop_index(batch_op.f('ix_records_duplicate_of'))
        batch_op.drop_index(batch_op.f('ix_records_dup_group_id'))
        batch_op.drop_index(batch_op.f('ix_records_doi'))
        batch_op.drop_index(batch_op.f('ix_records_arxiv_id'))

    op.drop_table('records')
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tags_parent_id'))

    op.drop_table('tags')
    op.drop_table('stage_settings')
    op.drop_table('sources')
    op.drop_table('reviewers')
    op.drop_table('reasons')
    op.drop_table('project')
    with op.batch_alter_table('duplicate_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_groups_kept_record_id'))

    op.drop_table('duplicate_groups')
    with op.batch_alter_table('decision_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_events_record_id'))

    op.drop_table('decision_events')
