"""Each lead carries its latest outcome, kept by the database itself, so that ``check`` finds
closed leads without a (complete) outcome from a small index instead of matching every
closed lead against its events.

``lead.outcome`` is the ``to_status`` of the lead's latest event (by id) that reached an
outcome (verified / unfounded / referred), or NULL.  Triggers on ``lead_event`` keep it
current whatever writes the events (the program, an import, a hand edit); the partial index
``ix_lead_closed_unsettled`` holds only the closed leads that contradict their outcome.

Trap for later migrations on SQLite: the triggers name ``lead``, so a batch rebuild of
``lead`` (a column altered or dropped) fails with "error in trigger …: no such table"
unless the triggers are dropped before it and created again after; a batch rebuild of
``lead_event`` drops them silently (tests/test_consistency.py notices).

Revision ID: 0011_lead_outcome
Revises: 0010_review_speed
"""

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0011_lead_outcome"
down_revision = "0010_review_speed"
branch_labels = None
depends_on = None

OUTCOMES = "('verified', 'unfounded', 'referred')"
UNSETTLED = sa.text(
    "status = 'closed' AND (closed_on IS NULL OR outcome IS NULL"
    " OR (outcome = 'verified' AND verified_amount IS NULL)"
    " OR (outcome = 'referred' AND referral_target IS NULL))")


def _latest(lead_id: str) -> str:
    return (f"(SELECT e.to_status FROM lead_event AS e WHERE e.lead_id = {lead_id}"
            f" AND e.to_status IN {OUTCOMES} ORDER BY e.id DESC LIMIT 1)")


def _refresh(lead_id: str) -> str:
    return f"UPDATE lead SET outcome = {_latest(lead_id)} WHERE id = {lead_id}"


SQLITE_TRIGGERS = {
    "tr_lead_event_outcome_insert":
        f"AFTER INSERT ON lead_event WHEN NEW.to_status IN {OUTCOMES}"
        f" BEGIN {_refresh('NEW.lead_id')}; END",
    "tr_lead_event_outcome_update":
        "AFTER UPDATE OF id, lead_id, to_status ON lead_event"
        f" WHEN OLD.to_status IN {OUTCOMES} OR NEW.to_status IN {OUTCOMES}"
        f" BEGIN {_refresh('OLD.lead_id')}; {_refresh('NEW.lead_id')}; END",
    "tr_lead_event_outcome_delete":
        f"AFTER DELETE ON lead_event WHEN OLD.to_status IN {OUTCOMES}"
        f" BEGIN {_refresh('OLD.lead_id')}; END",
}

# PostgreSQL: the lead row is locked before its events are read, so that of two
# transactions adding events to one lead the later one sees the earlier one's event.
PG_FUNCTION = f"""
CREATE FUNCTION lead_outcome_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM 1 FROM lead WHERE id = OLD.lead_id FOR UPDATE;
        {_refresh('OLD.lead_id')};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM lead WHERE id = NEW.lead_id FOR UPDATE;
        {_refresh('NEW.lead_id')};
    END IF;
    RETURN NULL;
END $$
"""
PG_TRIGGERS = {
    "tr_lead_event_outcome_insert":
        f"AFTER INSERT ON lead_event FOR EACH ROW WHEN (NEW.to_status IN {OUTCOMES})",
    "tr_lead_event_outcome_update":
        "AFTER UPDATE OF id, lead_id, to_status ON lead_event FOR EACH ROW"
        f" WHEN (OLD.to_status IN {OUTCOMES} OR NEW.to_status IN {OUTCOMES})",
    "tr_lead_event_outcome_delete":
        f"AFTER DELETE ON lead_event FOR EACH ROW WHEN (OLD.to_status IN {OUTCOMES})",
}


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (no rebuild of the lead table).
    op.add_column("lead", sa.Column("outcome", sa.String(length=20), nullable=True))
    op.execute(f"UPDATE lead SET outcome = {_latest('lead.id')}"
               f" WHERE id IN (SELECT lead_id FROM lead_event WHERE to_status IN {OUTCOMES})")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for name, when in PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION lead_outcome_refresh()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index("ix_lead_closed_unsettled", ["status", "department_code"],
                              unique=False, sqlite_where=UNSETTLED, postgresql_where=UNSETTLED)


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_closed_unsettled", sqlite_where=UNSETTLED,
                            postgresql_where=UNSETTLED)
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON lead_event" if postgres else f"DROP TRIGGER {name}")
    if postgres:
        op.execute("DROP FUNCTION lead_outcome_refresh()")
    if postgres or sqlite3.sqlite_version_info >= (3, 35):
        op.drop_column("lead", "outcome")  # no rebuild of the whole lead table
    else:
        with op.batch_alter_table("lead", schema=None) as batch_op:
            batch_op.drop_column("outcome")
