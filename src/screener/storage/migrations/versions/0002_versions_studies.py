"""version columns for shared rows, reports linked to studies, previous review counts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

VERSIONED = ("project", "stage_settings", "records", "reasons", "tags", "resolutions")


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_studies', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_reports', sa.Integer(), nullable=True))
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('study_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_records_study_id'), ['study_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_records_study_id_records'), 'records', ['study_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_records_study_id_records'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_records_study_id'))
        batch_op.drop_column('study_id')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('previous_reports')
        batch_op.drop_column('previous_studies')
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
