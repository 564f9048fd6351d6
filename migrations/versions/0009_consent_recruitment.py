"""Consent to renewal recorded during a term (gx Art. 8), the health status and recruitment
record of an application (nm Art. 6; gx Art. 3(四)), and the recorded breach a termination on
a discipline-linked ground rests on (nm Art. 12).

Revision ID: 0009_consent_recruitment
Revises: 0008_review_list_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_consent_recruitment"
down_revision = "0008_review_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("term", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewal_consent_on", sa.Date(), nullable=True))
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("health_status", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("recruitment_ref", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("form_on", sa.Date(), nullable=True))
    with op.batch_alter_table("termination", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discipline_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_termination_discipline_id_discipline"),
                                    "discipline", ["discipline_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("termination", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_termination_discipline_id_discipline"),
                                 type_="foreignkey")
        batch_op.drop_column("discipline_id")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("form_on")
        batch_op.drop_column("recruitment_ref")
        batch_op.drop_column("health_status")
    with op.batch_alter_table("term", schema=None) as batch_op:
        batch_op.drop_column("renewal_consent_on")
