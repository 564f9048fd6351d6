"""Database tables (SQLModel) for the whole product: departments, people, terms, leads,
certificates, activities, imports and the audit chain.

Codes from the regulation packs are stored as short ASCII strings; labels are looked
up in the pack when shown.  Dates that matter to the regulation are ``date`` columns;
money is ``Numeric(14, 2)``.

Over 400 lines: every table of the product in one module, as Alembic's autogenerate and the
migrations test read them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, MetaData, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Named constraints from the very first migration: SQLite cannot drop unnamed ones.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

MONEY = {"max_digits": 14, "decimal_places": 2}


# ---------------------------------------------------------------- foundation


class Department(SQLModel, table=True):
    """A bureau, identified by its 6-digit administrative-division code (GB/T 2260)."""

    code: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=100)
    parent_code: str | None = Field(
        default=None, foreign_key="department.code", max_length=6, index=True
    )
    pack: str = Field(max_length=40)
    quota: int | None = None
    created_at: datetime


class Counter(SQLModel, table=True):
    """Monotonic counters: lead and certificate sequences that never repeat, the audit head."""

    name: str = Field(primary_key=True, max_length=80)
    value: int = 0
    head: str | None = Field(default=None, max_length=64)


class AuditEntry(SQLModel, table=True):
    """One change or disclosure, chained to the previous entry by its hash."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: str = Field(max_length=32)  # ISO-8601 UTC text: hashes must not depend on the driver
    operator: str = Field(max_length=100)
    dept: str | None = Field(default=None, max_length=6)
    command: str = Field(max_length=200)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=80)
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    batch_id: int | None = Field(default=None, index=True)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


# ---------------------------------------------------------------- supervisors


class Person(SQLModel, table=True):
    """One person across the whole database, keyed by resident ID number."""

    id: int | None = Field(default=None, primary_key=True)
    id_number: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=50)
    gender: str = Field(max_length=1)  # "M" / "F", agreeing with the ID number
    ethnicity: str | None = Field(default=None, max_length=20)
    birth_date: date
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=200)
    work_unit: str | None = Field(default=None, max_length=200)
    background: str | None = Field(default=None, max_length=40)
    created_at: datetime
    updated_at: datetime


class PersonCategory(SQLModel, table=True):
    """A person category held by a person (several at once are allowed)."""

    __tablename__ = "person_category"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    code: str = Field(primary_key=True, max_length=40)


class Interest(SQLModel, table=True):
    """A declared interest in a designated institution (回避)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    institution_name: str = Field(max_length=200)
    credit_code: str | None = Field(default=None, max_length=18, index=True)
    declared_on: date
    withdrawn_on: date | None = None
    note: str | None = Field(default=None, max_length=500)


class Application(SQLModel, table=True):
    """An application to serve in a department, with its decision."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    department_code: str = Field(foreign_key="department.code", max_length=6, index=True)
    channel: str = Field(max_length=40)
    recommending_body: str | None = Field(default=None, max_length=100)
    applied_on: date
    status: str = Field(max_length=20)  # pending / approved / rejected
    decided_on: date | None = None
    decision_note: str | None = Field(default=None, max_length=500)
    override_reason: str | None = Field(default=None, max_length=500)
    health_status: str | None = Field(default=None, max_length=40)  # nm Art. 6; gx Art. 3(四)
    recruitment_ref: str | None = Field(default=None, max_length=100)  # notice / invitation
    form_on: date | None = None  # the date on the application form
    batch_id: int | None = None
    created_at: datetime


class Finding(SQLModel, table=True):
    """The finding on one eligibility criterion of an application."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    criterion: str = Field(max_length=40)
    result: str = Field(max_length=12)  # met / not_met / not_checked / blocking
    note: str | None = Field(default=None, max_length=500)
    automatic: bool = False


class Term(SQLModel, table=True):
    """One appointment term; serving on day d means start <= d <= end and d < terminated_on."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    department_code: str = Field(foreign_key="department.code", max_length=6, index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id")
    number: int = 1
    start_date: date
    end_date: date
    consent_on: date | None = None  # consent on which this term was renewed into
    renewal_consent_on: date | None = None  # consent to renew, given during this term
    renewed: bool = False
    terminated_on: date | None = None
    created_at: datetime


class Termination(SQLModel, table=True):
    """A termination of a term on a pack ground."""

    id: int | None = Field(default=None, primary_key=True)
    term_id: int = Field(foreign_key="term.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    ground: str = Field(max_length=40)
    effective_on: date
    note: str | None = Field(default=None, max_length=500)
    referral: str | None = Field(default=None, max_length=200)
    discipline_id: int | None = Field(default=None, foreign_key="discipline.id")
    automatic: bool = False
    created_at: datetime


class Discipline(SQLModel, table=True):
    """A recorded breach of a discipline rule."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    term_id: int | None = Field(default=None, foreign_key="term.id")
    rule: str = Field(max_length=40)
    occurred_on: date
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime


class Certificate(SQLModel, table=True):
    """An appointment certificate (聘书) for a term."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)
    term_id: int = Field(foreign_key="term.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    department_code: str = Field(foreign_key="department.code", max_length=6)
    issued_on: date
    status: str = Field(max_length=12)  # valid / revoked / replaced
    revoked_on: date | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)
    reissue_of: int | None = Field(default=None, foreign_key="certificate.id")
    reissue_reason: str | None = Field(default=None, max_length=40)
    verify_code: str = Field(max_length=12)
    created_at: datetime


class DatabaseSecret(SQLModel, table=True):
    """Per-database secrets created at ``init`` (e.g. the key of certificate codes)."""

    __tablename__ = "database_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=128)
    created_at: datetime


# ---------------------------------------------------------------- leads


# A closed lead that contradicts its outcome (``check``): no closing date, no outcome, or an
# outcome without its amount or referral target.  Written out as SQL so that the planner can
# prove that the partial index ix_lead_closed_unsettled serves a query repeating it.
LEAD_UNSETTLED = ("status = 'closed' AND (closed_on IS NULL OR outcome IS NULL"
                  " OR (outcome = 'verified' AND verified_amount IS NULL)"
                  " OR (outcome = 'referred' AND referral_target IS NULL))")


class Lead(SQLModel, table=True):
    """A lead (线索) reported by a supervisor."""

    __table_args__ = (
        UniqueConstraint("department_code", "year", "seq", name="uq_lead_dept_year_seq"),
        # Covering the annual review's pass over a year's leads (no table lookups).
        Index("ix_lead_dept_received_status", "department_code", "received_on", "status",
              "channel", "verified_amount", "recovered_amount"),
        # check and --supervisor: whether a lead fell in its reporter's service.
        Index("ix_lead_supervisor_received", "supervisor_id", "received_on"),
        # Open leads only: overdue lists, reviews and the consistency check scan these.
        Index("ix_lead_open_deadlines", "department_code", "handle_by", "accept_by", "status",
              sqlite_where=text("status != 'closed'"), postgresql_where=text("status != 'closed'")),
        Index("ix_lead_status_received", "status", "received_on", "number"),
        # check: the few closed leads whose outcome is missing or incomplete.
        Index("ix_lead_closed_unsettled", "status", "department_code",
              sqlite_where=text(LEAD_UNSETTLED), postgresql_where=text(LEAD_UNSETTLED)),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)
    department_code: str = Field(foreign_key="department.code", max_length=6)
    year: int
    seq: int
    supervisor_id: int = Field(foreign_key="person.id", index=True)
    term_id: int | None = Field(default=None, foreign_key="term.id")
    received_on: date
    channel: str = Field(max_length=40)
    target_kind: str = Field(max_length=30)
    target_name: str = Field(max_length=200)
    target_credit_code: str | None = Field(default=None, max_length=18, index=True)
    description: str | None = Field(default=None, sa_type=Text)
    amount_involved: Decimal | None = Field(default=None, **MONEY)
    handling_unit: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=20)
    accept_by: date | None = None
    handle_by: date | None = None
    conflict: bool = False
    verified_amount: Decimal | None = Field(default=None, **MONEY)
    recovered_amount: Decimal | None = Field(default=None, **MONEY)
    referral_target: str | None = Field(default=None, max_length=200)
    closed_on: date | None = None
    # The latest outcome among the lead's events (verified / unfounded / referred), kept by
    # triggers on lead_event (migration 0011): never written by the program.
    outcome: str | None = Field(default=None, max_length=20)
    batch_id: int | None = None
    created_at: datetime
    updated_at: datetime


class LeadItem(SQLModel, table=True):
    """A taxonomy code attached to a lead."""

    __tablename__ = "lead_item"
    __table_args__ = (
        Index("ix_lead_item_code", "code", "lead_id"),
        # covers the annual review's items and subjects of a year's leads
        Index("ix_lead_item_lead_subject", "lead_id", "code", "opens_subject"),
    )

    lead_id: int = Field(foreign_key="lead.id", primary_key=True)
    code: str = Field(primary_key=True, max_length=10)
    # The lead's first code of this subject: leads by subject count these rows alone.
    opens_subject: bool = True


class LeadEvent(SQLModel, table=True):
    """One dated, attributed status change of a lead."""

    __tablename__ = "lead_event"
    # A lead's latest outcome from the index alone (check, reviews).
    __table_args__ = (Index("ix_lead_event_status_lead", "to_status", "lead_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    on_date: date
    operator: str = Field(max_length=100)
    handling_unit: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime


class LeadExtension(SQLModel, table=True):
    """An approved extension of a lead's handling deadline."""

    __tablename__ = "lead_extension"

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    working_days: int
    approved_by: str = Field(max_length=100)
    approved_on: date
    reason: str | None = Field(default=None, max_length=500)
    created_at: datetime


class Reward(SQLModel, table=True):
    """A reward for a verified lead, with its basis and any override."""

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    computed: Decimal = Field(**MONEY)
    amount: Decimal = Field(**MONEY)
    basis: str = Field(sa_type=Text)
    level: str | None = Field(default=None, max_length=20)
    insider: bool = False
    override_reason: str | None = Field(default=None, max_length=500)
    notice_on: date | None = None
    claim_by: date | None = None
    claimed_on: date | None = None
    status: str = Field(max_length=20)  # proposed / notified / claimed / cancelled
    created_at: datetime


# ---------------------------------------------------------------- activities


class Activity(SQLModel, table=True):
    """A supervision activity or meeting of a department."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)
    department_code: str = Field(foreign_key="department.code", max_length=6, index=True)
    kind: str = Field(max_length=40)
    held_on: date
    topic: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=500)
    confidential: bool = False
    status: str = Field(default="planned", max_length=12)  # planned / held / cancelled
    cancelled_on: date | None = None
    cancel_reason: str | None = Field(default=None, max_length=500)
    batch_id: int | None = None
    created_at: datetime


class ActivityInstitution(SQLModel, table=True):
    """An institution inspected in an activity."""

    __tablename__ = "activity_institution"

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    name: str = Field(max_length=200)
    credit_code: str | None = Field(default=None, max_length=18)


class Participation(SQLModel, table=True):
    """A supervisor assigned to an activity, with attendance."""

    __table_args__ = (Index("ix_participation_person", "person_id", "activity_id"),)

    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    attended: bool | None = None  # None: invited, attendance not yet recorded
    override_reason: str | None = Field(default=None, max_length=500)


class Opinion(SQLModel, table=True):
    """An opinion or suggestion raised by a supervisor (nm Art. 7(三)(四); gx Art. 6(五))."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    department_code: str = Field(foreign_key="department.code", max_length=6, index=True)
    activity_id: int | None = Field(default=None, foreign_key="activity.id")
    received_on: date
    channel: str | None = Field(default=None, max_length=40)
    summary: str = Field(sa_type=Text)
    response: str | None = Field(default=None, max_length=500)
    created_at: datetime


class Complaint(SQLModel, table=True):
    """A complaint about a supervisor's conduct (nm Art. 15), investigated and decided."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    department_code: str = Field(foreign_key="department.code", max_length=6, index=True)
    source: str = Field(max_length=200)
    received_on: date
    allegation: str = Field(sa_type=Text)
    finding: str | None = Field(default=None, sa_type=Text)
    outcome: str | None = Field(default=None, max_length=20)  # none / discipline / termination
    discipline_id: int | None = Field(default=None, foreign_key="discipline.id")
    closed_on: date | None = None
    created_at: datetime


# ---------------------------------------------------------------- imports


class ImportBatch(SQLModel, table=True):
    """One workbook import; its changes are the audit entries carrying its id."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    file_name: str = Field(max_length=300)
    sheet: str | None = Field(default=None, max_length=100)
    operator: str = Field(max_length=100)
    dept: str | None = Field(default=None, max_length=6)
    started_at: datetime
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    undone_at: datetime | None = None
