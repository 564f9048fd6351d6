"""The annual review at a province's scale: each lead item says whether it opens its subject
on the lead (so leads by subject are counted without a look at the lead's other items, from
an index that covers the count), and the index of open leads carries the status (overdue
counts read the index alone).

Revision ID: 0010_review_speed
Revises: 0009_consent_recruitment
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_review_speed"
down_revision = "0009_consent_recruitment"
branch_labels = None
depends_on = None

OPEN = sa.text("status != 'closed'")
# An item opens its subject unless the lead has an earlier code of the same subject (a
# subject's codes share their first letter and sort together).
BACKFILL = sa.text(
    "UPDATE lead_item SET opens_subject = :no WHERE EXISTS (SELECT 1 FROM lead_item AS b"
    " WHERE b.lead_id = lead_item.lead_id AND b.code < lead_item.code"
    " AND substr(b.code, 1, 1) = substr(lead_item.code, 1, 1))")


def upgrade() -> None:
    with op.batch_alter_table("lead_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opens_subject", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    op.get_bind().execute(BACKFILL, {"no": False})
    with op.batch_alter_table("lead_item", schema=None) as batch_op:
        batch_op.create_index("ix_lead_item_lead_subject", ["lead_id", "code", "opens_subject"],
                              unique=False)
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_open_deadlines", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index(
            "ix_lead_open_deadlines", ["department_code", "handle_by", "accept_by", "status"],
            unique=False, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_open_deadlines", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index(
            "ix_lead_open_deadlines", ["department_code", "handle_by", "accept_by"],
            unique=False, sqlite_where=OPEN, postgresql_where=OPEN)
    with op.batch_alter_table("lead_item", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_item_lead_subject")
        batch_op.drop_column("opens_subject")
