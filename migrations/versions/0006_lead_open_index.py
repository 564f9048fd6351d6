"""Index open leads by department and deadlines (overdue lists, reviews, checks).

Revision ID: 0006_lead_open_index
Revises: 0005_imports
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_lead_open_index"
down_revision = "0005_imports"
branch_labels = None
depends_on = None

OPEN = sa.text("status != 'closed'")


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lead_open_deadlines", ["department_code", "handle_by", "accept_by"],
            unique=False, sqlite_where=OPEN, postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_open_deadlines", sqlite_where=OPEN, postgresql_where=OPEN)
