"""The lead import's facts from the database, loaded in bulk: serving supervisors,
their declared interests, leads on file with their extensions, and the plan of a row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from medisup.models import (
    Interest,
    Lead,
    LeadEvent,
    LeadExtension,
    LeadItem,
    Person,
    Term,
)
from medisup.packs import Pack
from medisup.services.batches.pipeline import (
    chunks,
)
from medisup.services.departments import scoped_with_packs
from medisup.services.leads import rules
from medisup.services.leads.rules import OUTCOMES

if TYPE_CHECKING:
    from medisup.excel import Row

KIND = "leads"
# Where a refusal of lead_rules.check_target lands in the workbook, by the field it names.
TARGET_FIELDS = {"lead.field.target_name": "target_name", "lead.field.credit_code":
                  "target_credit_code", "lead.field.target_kind": "target_kind"}


@dataclass
class Supervisor:
    id: int
    name: str
    terms: list[tuple[int, str, date, date, date | None]] = field(default_factory=list)
    interests: list[Any] = field(default_factory=list)


@dataclass
class OnFile:
    """A lead already recorded, as far as an import may look at or change it."""

    id: int
    number: str
    department_code: str
    supervisor_id: int
    received_on: date
    target_name: str
    target_credit_code: str | None
    status: str
    handling_unit: str | None
    verified_amount: Decimal | None
    recovered_amount: Decimal | None
    referral_target: str | None
    closed_on: date | None
    accept_by: date | None
    handle_by: date | None
    updated_at: Any = None
    items: tuple[str, ...] = ()
    outcome: str | None = None
    last_step: date | None = None


@dataclass(frozen=True)
class InterestFact:
    institution_name: str
    credit_code: str | None
    withdrawn_on: date | None


@dataclass
class Plan:
    """One row's writes: a new lead (``lead_id`` None) or changes to one on file."""

    row: int
    department_code: str
    pack: Pack
    state: dict[str, Any]
    steps: list[tuple[str, str, str | None]]  # (from, to, handling unit)
    lead_id: int | None = None
    before: dict[str, Any] | None = None
    updated_at: Any = None
    items: tuple[str, ...] = ()
    supervisor_id: int | None = None
    term_id: int | None = None

class Loading:
    """Bulk loading of the facts the checks need (a part of the import's checker)."""

    # ---------------------------------------------------------------- loading facts

    def _load(self) -> None:
        session = self.uow.session
        self.default_dept = self.default_dept or self.uow.require_dept()
        self.uow.check_scope(self.default_dept)
        for dept, pack in scoped_with_packs(self.uow):
            self.packs[dept.pack] = self.depts[dept.code] = pack
        conn = session.connection()
        rows = self.table.rows
        numbers = sorted({r.values["supervisor_id_number"] for r in rows
                          if r.values.get("supervisor_id_number")})
        person, term, interest = Person.__table__, Term.__table__, Interest.__table__
        query = select(person.c.id, person.c.id_number, person.c.name).where(
            person.c.id_number.in_(bindparam("keys", expanding=True)))
        by_id: dict[int, Supervisor] = {}
        for part in chunks(numbers):
            for r in conn.execute(query, {"keys": list(part)}):
                by_id[r.id] = self.supervisors[r.id_number] = Supervisor(r.id, r.name)
        for part in chunks(sorted(by_id)):
            for r in conn.execute(select(term.c.id, term.c.person_id, term.c.department_code,
                                         term.c.start_date, term.c.end_date,
                                         term.c.terminated_on)
                                  .where(term.c.person_id.in_(part))
                                  .order_by(term.c.start_date, term.c.id)):
                by_id[r.person_id].terms.append((r.id, r.department_code, r.start_date,
                                                 r.end_date, r.terminated_on))
            for r in conn.execute(select(interest.c.person_id, interest.c.institution_name,
                                         interest.c.credit_code, interest.c.withdrawn_on)
                                  .where(interest.c.person_id.in_(part))
                                  .order_by(interest.c.id)):
                by_id[r.person_id].interests.append(
                    InterestFact(r.institution_name, r.credit_code, r.withdrawn_on))
        self._load_leads(conn, rows, sorted(by_id))

    def _load_leads(self, conn: Any, rows: Sequence[Row], people: list[int]) -> None:
        lead, item, event = Lead.__table__, LeadItem.__table__, LeadEvent.__table__
        wanted = [lead.c.id, lead.c.number, lead.c.department_code, lead.c.supervisor_id,
                  lead.c.received_on, lead.c.target_name, lead.c.target_credit_code,
                  lead.c.status, lead.c.handling_unit, lead.c.verified_amount,
                  lead.c.recovered_amount, lead.c.referral_target, lead.c.closed_on,
                  lead.c.accept_by, lead.c.handle_by, lead.c.updated_at]
        found: dict[int, OnFile] = {}
        numbers = sorted({str(r.values["number"]).strip().upper() for r in rows
                          if r.values.get("number")})
        for part in chunks(numbers):
            for r in conn.execute(select(*wanted).where(lead.c.number.in_(part))):
                found[r.id] = OnFile(*r)
        days = [r.values["received_on"] for r in rows if r.values.get("received_on")]
        if people and days:
            for part in chunks(people):
                for r in conn.execute(select(*wanted).where(
                        lead.c.supervisor_id.in_(part), lead.c.received_on >= min(days),
                        lead.c.received_on <= max(days))):
                    found.setdefault(r.id, OnFile(*r))
        ids = sorted(found)
        items: dict[int, list[str]] = {}
        for part in chunks(ids):
            for lead_id, code in conn.execute(select(item.c.lead_id, item.c.code)
                                              .where(item.c.lead_id.in_(part))):
                items.setdefault(lead_id, []).append(code)
            for r in conn.execute(select(event.c.lead_id, event.c.to_status, event.c.on_date)
                                  .where(event.c.lead_id.in_(part))
                                  .order_by(event.c.on_date, event.c.id)):
                on_file = found[r.lead_id]
                if r.to_status in OUTCOMES:
                    on_file.outcome = r.to_status
                on_file.last_step = r.on_date
        for lead_id, on_file in found.items():
            on_file.items = tuple(sorted(items.get(lead_id, ())))
            self.by_number[on_file.number] = on_file
            self.by_key[_natural_key(on_file.supervisor_id, on_file.received_on,
                                     on_file.target_name, on_file.target_credit_code,
                                     on_file.items)] = on_file

    def _extension_days(self, lead_id: int) -> list[int]:
        if lead_id not in self.extensions:
            ext = LeadExtension.__table__
            self.extensions[lead_id] = list(self.uow.session.connection().execute(
                select(ext.c.working_days).where(ext.c.lead_id == lead_id)
                .order_by(ext.c.id)).scalars())
        return self.extensions[lead_id]

def _state(on_file: OnFile) -> dict[str, Any]:
    return {
        "status": on_file.status, "handling_unit": on_file.handling_unit,
        "verified_amount": on_file.verified_amount, "recovered_amount": on_file.recovered_amount,
        "referral_target": on_file.referral_target, "closed_on": on_file.closed_on,
        "accept_by": on_file.accept_by, "handle_by": on_file.handle_by,
    }


def _target_key(name: str, credit_code: str | None) -> str:
    return credit_code or rules.normalise_name(name)


def _natural_key(supervisor_id: int, received: date, name: str, credit_code: str | None,
                 items: Sequence[str]) -> tuple[Any, ...]:
    """What makes two rows the same lead when neither has a number."""
    return (supervisor_id, received, _target_key(name, credit_code), tuple(sorted(items)))
