"""Activities: activities, inspected institutions, participation.

Revision ID: 0004_activities
Revises: 0003_leads
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_activities'
down_revision = '0003_leads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('department_code', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_activity_department_code_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity')),
    sa.UniqueConstraint('number', name=op.f('uq_activity_number'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_department_code'), ['department_code'], unique=False)

    op.create_table('activity_institution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_institution_activity_id_activity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_institution'))
    )
    with op.batch_alter_table('activity_institution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_institution_activity_id'), ['activity_id'], unique=False)

    op.create_table('participation',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_participation_activity_id_activity')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_participation_person_id_person')),
    sa.PrimaryKeyConstraint('activity_id', 'person_id', name=op.f('pk_participation'))
    )


def downgrade() -> None:
    op.drop_table('participation')
    with op.batch_alter_table('activity_institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_institution_activity_id'))

    op.drop_table('activity_institution')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_department_code'))

    op.drop_table('activity')
