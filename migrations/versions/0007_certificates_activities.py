"""Certificates, activities, opinions, complaints: revocation and reissue reasons, the
per-database secret of verification codes, activity status and confidentiality, opinions
and suggestions, complaints about supervisors, and an index for the lead status filter.

Revision ID: 0007_certificates_activities
Revises: 0006_lead_open_index
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_certificates_activities'
down_revision = '0006_lead_open_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('database_secret',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_database_secret'))
    )
    op.create_table('opinion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=6), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('response', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_opinion_activity_id_activity')),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_opinion_department_code_department')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_opinion_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion'))
    )
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_opinion_person_id'), ['person_id'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=6), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('allegation', sa.Text(), nullable=False),
    sa.Column('finding', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('discipline_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_complaint_department_code_department')),
    sa.ForeignKeyConstraint(['discipline_id'], ['discipline.id'], name=op.f('fk_complaint_discipline_id_discipline')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_complaint_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='held'))
        batch_op.add_column(sa.Column('cancelled_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=True))

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reissue_reason', sa.String(length=40), nullable=True))

    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.create_index('ix_lead_status_received', ['status', 'received_on', 'number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_status_received')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('reissue_reason')
        batch_op.drop_column('revoked_reason')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_on')
        batch_op.drop_column('status')
        batch_op.drop_column('confidential')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_person_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_department_code'))

    op.drop_table('complaint')
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_person_id'))
        batch_op.drop_index(batch_op.f('ix_opinion_department_code'))

    op.drop_table('opinion')
    op.drop_table('database_secret')
