"""Leads: leads, items, events, extensions, rewards.

Revision ID: 0003_leads
Revises: 0002_supervisors
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_leads'
down_revision = '0002_supervisors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('department_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('target_kind', sa.String(length=30), nullable=False),
    sa.Column('target_name', sa.String(length=200), nullable=False),
    sa.Column('target_credit_code', sa.String(length=18), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('amount_involved', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('handling_unit', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('accept_by', sa.Date(), nullable=True),
    sa.Column('handle_by', sa.Date(), nullable=True),
    sa.Column('conflict', sa.Boolean(), nullable=False),
    sa.Column('verified_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('recovered_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('referral_target', sa.String(length=200), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_lead_department_code_department')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['person.id'], name=op.f('fk_lead_supervisor_id_person')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_lead_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead')),
    sa.UniqueConstraint('department_code', 'year', 'seq', name='uq_lead_dept_year_seq'),
    sa.UniqueConstraint('number', name=op.f('uq_lead_number'))
    )
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.create_index('ix_lead_dept_received_status', ['department_code', 'received_on', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_target_credit_code'), ['target_credit_code'], unique=False)

    op.create_table('lead_item',
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_lead_item_lead_id_lead')),
    sa.PrimaryKeyConstraint('lead_id', 'code', name=op.f('pk_lead_item'))
    )
    with op.batch_alter_table('lead_item', schema=None) as batch_op:
        batch_op.create_index('ix_lead_item_code', ['code'], unique=False)

    op.create_table('lead_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('handling_unit', sa.String(length=100), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_lead_event_lead_id_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_event'))
    )
    with op.batch_alter_table('lead_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_event_lead_id'), ['lead_id'], unique=False)

    op.create_table('lead_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_lead_extension_lead_id_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_extension'))
    )
    with op.batch_alter_table('lead_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_extension_lead_id'), ['lead_id'], unique=False)

    op.create_table('reward',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('computed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('insider', sa.Boolean(), nullable=False),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('notice_on', sa.Date(), nullable=True),
    sa.Column('claim_by', sa.Date(), nullable=True),
    sa.Column('claimed_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_reward_lead_id_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward'))
    )
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_lead_id'), ['lead_id'], unique=False)





def downgrade() -> None:
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_lead_id'))

    op.drop_table('reward')
    with op.batch_alter_table('lead_extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_extension_lead_id'))

    op.drop_table('lead_extension')
    with op.batch_alter_table('lead_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_event_lead_id'))

    op.drop_table('lead_event')
    with op.batch_alter_table('lead_item', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_item_code')

    op.drop_table('lead_item')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_target_credit_code'))
        batch_op.drop_index(batch_op.f('ix_lead_supervisor_id'))
        batch_op.drop_index('ix_lead_dept_received_status')

    op.drop_table('lead')
