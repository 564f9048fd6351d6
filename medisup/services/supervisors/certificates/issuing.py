"""Issuing: numbers from the counters, one term's certificate, and the batch of every
term not yet certified."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from medisup import clock
from medisup.errors import RuleViolation
from medisup.i18n import t
from medisup.models import Certificate, Department, Person, Term
from medisup.services import counters
from medisup.services.departments import check_department
from medisup.services.masking import mask_id_number
from medisup.services.supervisors.certificates.codes import ensure_secret, make_code
from medisup.services.supervisors.certificates.records import CertificateRecord, record_of
from medisup.services.supervisors.people import find_in_scope, terms_of
from medisup.services.supervisors.records import pack_for

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

_SUFFIX = re.compile(r"-R(\d+)$")

# ---------------------------------------------------------------- numbering


def counter_name(dept: str, year: int) -> str:
    """The ``Counter`` row that hands out a department's certificate numbers for one year."""
    return f"certificate:{dept}:{year}"


def _numbers(session: Session, dept: str, year: int, count: int) -> list[str]:
    pattern = pack_for(session, dept).certificate_pattern
    name = counter_name(dept, year)
    return [pattern.format(dept=dept, year=year, seq=counters.next_value(session, name))
            for _ in range(count)]


# ---------------------------------------------------------------- issue


def _current(term: Term, on: date) -> bool:
    """A term that is being served or is still to be served on ``on``."""
    ended = term.terminated_on is not None and term.terminated_on <= max(on, term.start_date)
    return not ended and term.end_date >= on


def _certified(session: Session, term_ids: list[int]) -> dict[int, Certificate]:
    rows = session.exec(select(Certificate).where(
        col(Certificate.term_id).in_(term_ids), Certificate.status == "valid"))
    return {c.term_id: c for c in rows}


def write_certificates(uow: UnitOfWork, items: list[tuple[Term, Person, Department]], on: date,
           *, reissue: tuple[Certificate, str] | None = None) -> list[CertificateRecord]:
    """Number, code, store and audit certificates for ``items`` (terms already checked)."""
    session = uow.session
    secret = ensure_secret(session)
    by_dept: dict[str, list[int]] = defaultdict(list)
    for i, (term, _, _) in enumerate(items):
        by_dept[term.department_code].append(i)
    numbers: list[str] = [""] * len(items)
    if reissue is None:
        for code in sorted(by_dept):
            for i, number in zip(by_dept[code], _numbers(session, code, on.year, len(by_dept[code])),
                                 strict=True):
                numbers[i] = number
    else:
        numbers[0] = _reissue_number(session, reissue[0].number)
    roles: dict[str, str] = {}
    out = []
    for number, (term, person, dept) in zip(numbers, items, strict=True):
        cert = Certificate(
            number=number, term_id=term.id, person_id=person.id, department_code=dept.code,
            issued_on=on, status="valid",
            reissue_of=reissue[0].id if reissue else None,
            reissue_reason=reissue[1] if reissue else None,
            verify_code=make_code(secret, number=number, id_number=person.id_number,
                                  term_start=term.start_date, term_end=term.end_date,
                                  department=dept.code),
            created_at=clock.now())
        session.add(cert)  # inserted by the audit entry's flush, which gives it its id
        uow.audit("reissue" if reissue else "issue", "certificate", number, after={
            "number": number, "term_id": term.id, "person_id": person.id,
            "department_code": dept.code, "issued_on": on, "status": "valid",
            "reissue_of": reissue[0].number if reissue else None,
            "reissue_reason": reissue[1] if reissue else None})
        if cert.id is None:  # the audit trail did not flush: get the id ourselves
            session.flush()
        out.append(record_of(session, cert, term, person, dept, on, roles=roles))
    return out


def issue(uow: UnitOfWork, ref: str, *, department: str | None = None,
          on: date | None = None) -> CertificateRecord:
    """The certificate of one supervisor's current (or renewed, upcoming) term."""
    session = uow.session
    on = on or date.today()
    person = find_in_scope(uow, ref)
    codes = {check_department(uow, department).code} if department else set(uow.scope)
    terms = [x for x in terms_of(session, person.id, codes) if _current(x, on)]
    if not terms:
        raise RuleViolation(t("certificate.not_appointed", person=mask_id_number(person.id_number),
                              on=on.isoformat()))
    # Lock the terms so two clerks issuing for the same person cannot both succeed.
    locked = list(session.exec(select(Term).where(col(Term.id).in_([x.id for x in terms]))
                               .order_by(col(Term.start_date), col(Term.id)).with_for_update()))
    certified = _certified(session, [x.id for x in locked])
    open_terms = [x for x in locked if x.id not in certified]
    if not open_terms:
        last = locked[-1]
        raise RuleViolation(t("certificate.already_certified",
                              person=mask_id_number(person.id_number),
                              start=last.start_date.isoformat(), end=last.end_date.isoformat(),
                              number=certified[last.id].number))
    term = open_terms[0]
    dept = session.get(Department, term.department_code)
    return write_certificates(uow, [(term, person, dept)], on)[0]


def pending(uow: UnitOfWork, *, department: str | None = None, on: date | None = None
            ) -> list[tuple[Term, Person, Department]]:
    """Terms in scope, served now or still to come, with no certificate at all."""
    from medisup.services.departments import subtree_codes

    session = uow.session
    on = on or date.today()
    codes = sorted(subtree_codes(session, check_department(uow, department).code)
                   if department else uow.scope)
    has_certificate = select(Certificate.term_id).where(
        col(Certificate.term_id) == col(Term.id)).exists()
    rows = session.exec(
        select(Term, Person, Department)
        .join(Person, col(Person.id) == col(Term.person_id))
        .join(Department, col(Department.code) == col(Term.department_code))
        .where(col(Term.department_code).in_(codes), col(Term.end_date) >= on, ~has_certificate)
        .order_by(col(Term.department_code), col(Term.start_date), col(Term.id))
        .with_for_update(of=Term))
    found = [(term, person, dept) for term, person, dept in rows if _current(term, on)]
    if not found:
        return []
    # Another clerk's batch may have certified some of these terms while we waited for
    # their locks; a fresh statement now sees its commit (PostgreSQL re-checks only the
    # locked rows, not the NOT EXISTS above).
    done = set(session.exec(select(Certificate.term_id).where(
        col(Certificate.term_id).in_([term.id for term, _, _ in found]))))
    return [item for item in found if item[0].id not in done]


def issue_pending(uow: UnitOfWork, *, department: str | None = None, on: date | None = None
                  ) -> list[CertificateRecord]:
    """One certificate for every term in scope that has none yet (batch issue)."""
    on = on or date.today()
    items = pending(uow, department=department, on=on)
    return write_certificates(uow, items, on) if items else []



def _reissue_number(session: Session, number: str) -> str:
    """``150102-2026-0007`` → ``150102-2026-0007-R1``, then ``-R2`` …, never reused."""
    base = _SUFFIX.sub("", number)
    taken = session.exec(select(Certificate.number).where(
        col(Certificate.number).like(f"{base}-R%"))).all()
    highest = max((int(m.group(1)) for n in taken if (m := _SUFFIX.search(n))), default=0)
    return f"{base}-R{highest + 1}"
