"""Test helpers for leads: serving supervisors and declared interests written straight
into the tables, valid ID numbers and credit codes, and a one-call lead logger."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

from medisup.identifiers import credit_check_char as uscc_check_char

_serial = itertools.count(1)

# Two institutions and a pharmacy with valid unified social credit codes (GB 32100).
HOSPITAL_CODE = "91150100MA0N0AB12" + uscc_check_char("91150100MA0N0AB12")
HOSPITAL = "呼和浩特市某某医院"
OTHER_HOSPITAL_CODE = "12150100460012345" + uscc_check_char("12150100460012345")
OTHER_HOSPITAL = "新城区人民医院"
PHARMACY_CODE = "92150102MA0Q0CD34" + uscc_check_char("92150102MA0Q0CD34")
PHARMACY = "新城区康宁大药房"
GX_HOSPITAL_CODE = "12450100498765432" + uscc_check_char("12450100498765432")
GX_HOSPITAL = "南宁市某某医院"


def id_number(birth: str = "19800101", *, area: str = "150102", male: bool = True) -> str:
    """A valid 18-digit resident ID number (GB 11643), different on every call."""
    n = next(_serial)
    seq = (n * 2 + (1 if male else 0)) % 1000
    body = f"{area}{birth}{seq:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def add_supervisor(
    env,
    *,
    dept: str = "150102",
    start: date = date(2024, 1, 1),
    end: date = date(2025, 12, 31),
    terminated_on: date | None = None,
    name: str = "张三",
    phone: str | None = "13812345678",
    interests: tuple[tuple[str, str | None], ...] = (),
    withdrawn_on: date | None = None,
) -> str:
    """Insert a person with one term (and optional interests); return the ID number."""
    from medisup.models import Interest, Person, Term

    number = id_number()
    now = datetime.now(UTC)
    with env.uow(dept[:2] + "0000", command="test setup") as uow:
        person = Person(id_number=number, name=name, gender="M", birth_date=date(1980, 1, 1),
                        phone=phone, created_at=now, updated_at=now)
        uow.session.add(person)
        uow.session.flush()
        uow.session.add(Term(person_id=person.id, department_code=dept, start_date=start,
                             end_date=end, terminated_on=terminated_on, created_at=now))
        for inst_name, code in interests:
            uow.session.add(Interest(person_id=person.id, institution_name=inst_name,
                                     credit_code=code, declared_on=start,
                                     withdrawn_on=withdrawn_on))
    return number


def log_lead(env, supervisor: str, *, dept: str = "150100", received: date = date(2024, 9, 27),
             kind: str = "medical_institution", name: str = HOSPITAL,
             credit_code: str | None = HOSPITAL_CODE, codes=("A1",), amount=None,
             description: str = "该院虚构住院病历套取医保基金", channel: str = "phone",
             department: str | None = None):
    """Log one lead acting as ``dept`` and return its detail."""
    from medisup.services import leads

    with env.uow(dept, command="lead log") as uow:
        return leads.log(uow, supervisor=supervisor, received_on=received, channel=channel,
                         target_kind=kind, target_name=name, target_credit_code=credit_code,
                         codes=list(codes), description=description, amount=amount,
                         department=department, today=date(2026, 1, 1))


def move(env, number: str, *steps, dept: str = "150100", **kwargs):
    """Apply transitions in order: each step a status or (status, {options})."""
    from medisup.services import leads

    detail = None
    for step in steps:
        status, options = (step, {}) if isinstance(step, str) else step
        with env.uow(dept, command="lead update") as uow:
            detail = leads.transition(uow, number, to=status, today=date(2026, 1, 1),
                                      **(options | kwargs))
    return detail


def verified_lead(env, supervisor: str, *, dept: str = "450100", amount: str = "100000",
                  name: str = GX_HOSPITAL, credit_code: str = GX_HOSPITAL_CODE):
    """A gx-trial lead moved to 已查实 with ``amount`` verified."""
    detail = log_lead(env, supervisor, dept=dept, name=name, credit_code=credit_code,
                      received=date(2024, 3, 1))
    move(env, detail.number,
         ("in_progress", {"handling_unit": "基金监管科", "on": date(2024, 3, 4)}),
         ("verified", {"on": date(2024, 4, 1), "verified_amount": Decimal(amount)}),
         dept=dept)
    return detail.number


def count_rows(env, model) -> int:
    from sqlmodel import func, select

    with env.uow("150000", write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()
