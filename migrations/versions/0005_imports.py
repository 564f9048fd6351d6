"""Imports: batches.

Revision ID: 0005_imports
Revises: 0004_activities
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_imports'
down_revision = '0004_activities'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('sheet', sa.String(length=100), nullable=True),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('dept', sa.String(length=6), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )


def downgrade() -> None:
    op.drop_table('import_batch')
