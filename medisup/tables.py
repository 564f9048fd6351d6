"""The product's tables as SQLAlchemy Core, for reads that need no ORM.

The tables after ``metadata = MetaData()`` are generated from ``medisup/models.py`` by
``python scripts/tables.py``; do not edit them (``tests/test_tables.py`` fails when the two
differ).  This head is written by hand and kept.  Building the SQLModel classes costs
about as much CPU as the rest of a read command's start-up, so lists and other reads that
only select rows use these ``Table`` objects instead: the same names, columns and types.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored in UTC and read back in UTC (as the models store them)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


metadata = MetaData()


activity = Table(
    "activity", metadata,
    Column("id", Integer(), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("department_code", String(6), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("held_on", Date(), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("note", String(500)),
    Column("confidential", Boolean(), nullable=False),
    Column("status", String(12), nullable=False),
    Column("cancelled_on", Date()),
    Column("cancel_reason", String(500)),
    Column("batch_id", Integer()),
    Column("created_at", UTCDateTime(), nullable=False),
)


activity_institution = Table(
    "activity_institution", metadata,
    Column("id", Integer(), primary_key=True),
    Column("activity_id", Integer(), nullable=False),
    Column("name", String(200), nullable=False),
    Column("credit_code", String(18)),
)


application = Table(
    "application", metadata,
    Column("id", Integer(), primary_key=True),
    Column("person_id", Integer(), nullable=False),
    Column("department_code", String(6), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("recommending_body", String(100)),
    Column("applied_on", Date(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_on", Date()),
    Column("decision_note", String(500)),
    Column("override_reason", String(500)),
    Column("health_status", String(40)),
    Column("recruitment_ref", String(100)),
    Column("form_on", Date()),
    Column("batch_id", Integer()),
    Column("created_at", UTCDateTime(), nullable=False),
)


audit_entry = Table(
    "audit_entry", metadata,
    Column("id", Integer(), primary_key=True),
    Column("at", String(32), nullable=False),
    Column("operator", String(100), nullable=False),
    Column("dept", String(6)),
    Column("command", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(80), nullable=False),
    Column("before", Text()),
    Column("after", Text()),
    Column("batch_id", Integer()),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


certificate = Table(
    "certificate", metadata,
    Column("id", Integer(), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("term_id", Integer(), nullable=False),
    Column("person_id", Integer(), nullable=False),
    Column("department_code", String(6), nullable=False),
    Column("issued_on", Date(), nullable=False),
    Column("status", String(12), nullable=False),
    Column("revoked_on", Date()),
    Column("revoked_reason", String(500)),
    Column("reissue_of", Integer()),
    Column("reissue_reason", String(40)),
    Column("verify_code", String(12), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


complaint = Table(
    "complaint", metadata,
    Column("id", Integer(), primary_key=True),
    Column("person_id", Integer(), nullable=False),
    Column("department_code", String(6), nullable=False),
    Column("source", String(200), nullable=False),
    Column("received_on", Date(), nullable=False),
    Column("allegation", Text(), nullable=False),
    Column("finding", Text()),
    Column("outcome", String(20)),
    Column("discipline_id", Integer()),
    Column("closed_on", Date()),
    Column("created_at", UTCDateTime(), nullable=False),
)


counter = Table(
    "counter", metadata,
    Column("name", String(80), primary_key=True),
    Column("value", Integer(), nullable=False),
    Column("head", String(64)),
)


database_secret = Table(
    "database_secret", metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


department = Table(
    "department", metadata,
    Column("code", String(6), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("parent_code", String(6)),
    Column("pack", String(40), nullable=False),
    Column("quota", Integer()),
    Column("created_at", UTCDateTime(), nullable=False),
)


discipline = Table(
    "discipline", metadata,
    Column("id", Integer(), primary_key=True),
    Column("person_id", Integer(), nullable=False),
    Column("term_id", Integer()),
    Column("rule", String(40), nullable=False),
    Column("occurred_on", Date(), nullable=False),
    Column("note", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
)


finding = Table(
    "finding", metadata,
    Column("id", Integer(), primary_key=True),
    Column("application_id", Integer(), nullable=False),
    Column("criterion", String(40), nullable=False),
    Column("result", String(12), nullable=False),
    Column("note", String(500)),
    Column("automatic", Boolean(), nullable=False),
)


import_batch = Table(
    "import_batch", metadata,
    Column("id", Integer(), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("sheet", String(100)),
    Column("operator", String(100), nullable=False),
    Column("dept", String(6)),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("rows", Integer(), nullable=False),
    Column("created", Integer(), nullable=False),
    Column("updated", Integer(), nullable=False),
    Column("unchanged", Integer(), nullable=False),
    Column("undone_at", UTCDateTime()),
)


interest = Table(
    "interest", metadata,
    Column("id", Integer(), primary_key=True),
    Column("person_id", Integer(), nullable=False),
    Column("institution_name", String(200), nullable=False),
    Column("credit_code", String(18)),
    Column("declared_on", Date(), nullable=False),
    Column("withdrawn_on", Date()),
    Column("note", String(500)),
)


lead = Table(
    "lead", metadata,
    Column("id", Integer(), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("department_code", String(6), nullable=False),
    Column("year", Integer(), nullable=False),
    Column("seq", Integer(), nullable=False),
    Column("supervisor_id", Integer(), nullable=False),
    Column("term_id", Integer()),
    Column("received_on", Date(), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("target_kind", String(30), nullable=False),
    Column("target_name", String(200), nullable=False),
    Column("target_credit_code", String(18)),
    Column("description", Text()),
    Column("amount_involved", Numeric(14, 2)),
    Column("handling_unit", String(100)),
    Column("status", String(20), nullable=False),
    Column("accept_by", Date()),
    Column("handle_by", Date()),
    Column("conflict", Boolean(), nullable=False),
    Column("verified_amount", Numeric(14, 2)),
    Column("recovered_amount", Numeric(14, 2)),
    Column("referral_target", String(200)),
    Column("closed_on", Date()),
    Column("outcome", String(20)),
    Column("batch_id", Integer()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


lead_event = Table(
    "lead_event", metadata,
    Column("id", Integer(), primary_key=True),
    Column("lead_id", Integer(), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("on_date", Date(), nullable=False),
    Column("operator", String(100), nullable=False),
    Column("handling_unit", String(100)),
    Column("note", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
)


lead_extension = Table(
    "lead_extension", metadata,
    Column("id", Integer(), primary_key=True),
    Column("lead_id", Integer(), nullable=False),
    Column("working_days", Integer(), nullable=False),
    Column("approved_by", String(100), nullable=False),
    Column("approved_on", Date(), nullable=False),
    Column("reason", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
)


lead_item = Table(
    "lead_item", metadata,
    Column("lead_id", Integer(), primary_key=True),
    Column("code", String(10), primary_key=True),
    Column("opens_subject", Boolean(), nullable=False),
)


opinion = Table(
    "opinion", metadata,
    Column("id", Integer(), primary_key=True),
    Column("person_id", Integer(), nullable=False),
    Column("department_code", String(6), nullable=False),
    Column("activity_id", Integer()),
    Column("received_on", Date(), nullable=False),
    Column("channel", String(40)),
    Column("summary", Text(), nullable=False),
    Column("response", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
)


participation = Table(
    "participation", metadata,
    Column("activity_id", Integer(), primary_key=True),
    Column("person_id", Integer(), primary_key=True),
    Column("attended", Boolean()),
    Column("override_reason", String(500)),
)


person = Table(
    "person", metadata,
    Column("id", Integer(), primary_key=True),
    Column("id_number", String(18), nullable=False),
    Column("name", String(50), nullable=False),
    Column("gender", String(1), nullable=False),
    Column("ethnicity", String(20)),
    Column("birth_date", Date(), nullable=False),
    Column("phone", String(30)),
    Column("email", String(100)),
    Column("address", String(200)),
    Column("work_unit", String(200)),
    Column("background", String(40)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


person_category = Table(
    "person_category", metadata,
    Column("person_id", Integer(), primary_key=True),
    Column("code", String(40), primary_key=True),
)


reward = Table(
    "reward", metadata,
    Column("id", Integer(), primary_key=True),
    Column("lead_id", Integer(), nullable=False),
    Column("computed", Numeric(14, 2), nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("basis", Text(), nullable=False),
    Column("level", String(20)),
    Column("insider", Boolean(), nullable=False),
    Column("override_reason", String(500)),
    Column("notice_on", Date()),
    Column("claim_by", Date()),
    Column("claimed_on", Date()),
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


term = Table(
    "term", metadata,
    Column("id", Integer(), primary_key=True),
    Column("person_id", Integer(), nullable=False),
    Column("department_code", String(6), nullable=False),
    Column("application_id", Integer()),
    Column("number", Integer(), nullable=False),
    Column("start_date", Date(), nullable=False),
    Column("end_date", Date(), nullable=False),
    Column("consent_on", Date()),
    Column("renewal_consent_on", Date()),
    Column("renewed", Boolean(), nullable=False),
    Column("terminated_on", Date()),
    Column("created_at", UTCDateTime(), nullable=False),
)


termination = Table(
    "termination", metadata,
    Column("id", Integer(), primary_key=True),
    Column("term_id", Integer(), nullable=False),
    Column("person_id", Integer(), nullable=False),
    Column("ground", String(40), nullable=False),
    Column("effective_on", Date(), nullable=False),
    Column("note", String(500)),
    Column("referral", String(200)),
    Column("discipline_id", Integer()),
    Column("automatic", Boolean(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
