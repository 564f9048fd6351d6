"""Supervisors: people, applications, terms, terminations, discipline, certificates.

Revision ID: 0002_supervisors
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_supervisors'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('ethnicity', sa.String(length=20), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('email', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('work_unit', sa.String(length=200), nullable=True),
    sa.Column('background', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('id_number', name=op.f('uq_person_id_number'))
    )
    op.create_table('person_category',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_category_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', 'code', name=op.f('pk_person_category'))
    )
    op.create_table('interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('institution_name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_interest_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest'))
    )
    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_person_id'), ['person_id'], unique=False)

    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=6), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('recommending_body', sa.String(length=100), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_application_department_code_department')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_application_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_person_id'), ['person_id'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.String(length=40), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_finding_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_application_id'), ['application_id'], unique=False)

    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=6), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('consent_on', sa.Date(), nullable=True),
    sa.Column('renewed', sa.Boolean(), nullable=False),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_term_application_id_application')),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_term_department_code_department')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_term_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term'))
    )
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_term_person_id'), ['person_id'], unique=False)

    op.create_table('termination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('ground', sa.String(length=40), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('referral', sa.String(length=200), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_termination_person_id_person')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_termination_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_termination'))
    )
    with op.batch_alter_table('termination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_termination_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_termination_term_id'), ['term_id'], unique=False)

    op.create_table('discipline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_discipline_person_id_person')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_discipline_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discipline'))
    )
    with op.batch_alter_table('discipline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discipline_person_id'), ['person_id'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=6), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('reissue_of', sa.Integer(), nullable=True),
    sa.Column('verify_code', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['department.code'], name=op.f('fk_certificate_department_code_department')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_certificate_person_id_person')),
    sa.ForeignKeyConstraint(['reissue_of'], ['certificate.id'], name=op.f('fk_certificate_reissue_of_certificate')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_certificate_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('number', name=op.f('uq_certificate_number'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_term_id'), ['term_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_term_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_person_id'))

    op.drop_table('certificate')
    with op.batch_alter_table('discipline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discipline_person_id'))

    op.drop_table('discipline')
    with op.batch_alter_table('termination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_termination_term_id'))
        batch_op.drop_index(batch_op.f('ix_termination_person_id'))

    op.drop_table('termination')
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_person_id'))
        batch_op.drop_index(batch_op.f('ix_term_department_code'))

    op.drop_table('term')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_application_id'))

    op.drop_table('finding')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_person_id'))
        batch_op.drop_index(batch_op.f('ix_application_department_code'))

    op.drop_table('application')
    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_person_id'))
        batch_op.drop_index(batch_op.f('ix_interest_credit_code'))

    op.drop_table('interest')
    op.drop_table('person_category')
    op.drop_table('person')
