"""Indexes for lists, check and the reviews at a province's scale: the year's leads covered for
the annual review, leads by reporter and date, item codes with their lead, each lead's latest
outcome, and participation by person.

Revision ID: 0008_review_list_indexes
Revises: 0007_certificates_activities
"""

from alembic import op

revision = "0008_review_list_indexes"
down_revision = "0007_certificates_activities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_dept_received_status")
        batch_op.create_index(
            "ix_lead_dept_received_status",
            ["department_code", "received_on", "status", "channel", "verified_amount",
             "recovered_amount"], unique=False)
        batch_op.create_index("ix_lead_supervisor_received", ["supervisor_id", "received_on"],
                              unique=False)
    with op.batch_alter_table("lead_item", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_item_code")
        batch_op.create_index("ix_lead_item_code", ["code", "lead_id"], unique=False)
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.create_index("ix_lead_event_status_lead", ["to_status", "lead_id", "id"],
                              unique=False)
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.create_index("ix_participation_person", ["person_id", "activity_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_index("ix_participation_person")
    with op.batch_alter_table("lead_event", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_event_status_lead")
    with op.batch_alter_table("lead_item", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_item_code")
        batch_op.create_index("ix_lead_item_code", ["code"], unique=False)
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_supervisor_received")
        batch_op.drop_index("ix_lead_dept_received_status")
        batch_op.create_index("ix_lead_dept_received_status",
                              ["department_code", "received_on", "status"], unique=False)
