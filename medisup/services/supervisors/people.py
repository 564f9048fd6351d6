"""People and their supervisor history: lookup by ID number, the operator's scope over a
person, the facts eligibility needs, and checks shared by the supervisor use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from medisup.errors import InvalidValue, NotFound, RuleViolation, UsageError
from medisup.i18n import t
from medisup.models import Application, Person, Term, Termination
from medisup.services.departments import check_department
from medisup.services.masking import mask_id_number
from medisup.services.supervisors import rules
from medisup.services.supervisors.eligibility import History
from medisup.services.supervisors.identity import clean_text, normalise_id_number, parse_id_number
from medisup.services.supervisors.records import pack_for

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork


# ---------------------------------------------------------------- lookups


def person_by_id_number(session: Session, id_number: str) -> Person | None:
    return session.exec(select(Person).where(Person.id_number == id_number)).first()


def find_person(session: Session, ref: str | int) -> Person:
    """A person by ID number (as the command line names people) or by numeric id."""
    text = normalise_id_number(ref)
    person = None
    if len(text) == 18:
        text = parse_id_number(text).id_number
        person = person_by_id_number(session, text)
    elif text.isdigit() and len(text) <= 12:
        person = session.get(Person, int(text))
    if person is None:
        raise NotFound(t("supervisor.not_found", person=mask_id_number(text) or str(ref)))
    return person


def person_departments(session: Session, person_id: int) -> set[str]:
    """Departments where the person applied or served."""
    codes = set(session.exec(
        select(Application.department_code).where(Application.person_id == person_id)))
    codes |= set(session.exec(select(Term.department_code).where(Term.person_id == person_id)))
    return codes


@dataclass(frozen=True)
class NameMatch:
    """One person of a given name in the operator's departments, told apart from the
    others by department and masked ID number."""

    person_id: int
    id_number: str
    name: str
    masked_id: str
    department_code: str | None
    department_name: str | None


def looks_like_reference(text: str) -> bool:
    """Whether ``text`` names a person by ID number or numeric id rather than by name."""
    clean = normalise_id_number(text)
    return bool(clean) and (clean.isdigit() or clean[:-1].isdigit()) and len(clean) <= 18


def find_by_name(uow: UnitOfWork, name: str, *, limit: int = 50) -> list[NameMatch]:
    """People called ``name`` who applied or served in the operator's departments, with
    the department of their latest term (or application); everyone else is not found."""
    from medisup.models import Department

    text = clean_text(name) or ""
    if not text:
        return []
    session = uow.session
    scope = sorted(uow.scope)
    in_scope = select(Term.person_id).where(col(Term.department_code).in_(scope)).union(
        select(Application.person_id).where(col(Application.department_code).in_(scope)))
    people = session.exec(select(Person).where(Person.name == text,
                                               col(Person.id).in_(in_scope))
                          .order_by(col(Person.id)).limit(limit)).all()
    out = []
    for person in people:
        latest = session.exec(select(Term.department_code).where(
            Term.person_id == person.id).order_by(col(Term.start_date).desc())).first() or \
            session.exec(select(Application.department_code).where(
                Application.person_id == person.id).order_by(col(Application.id).desc())).first()
        dept = session.get(Department, latest) if latest else None
        out.append(NameMatch(person.id, person.id_number, person.name,
                             mask_id_number(person.id_number) or "", latest,
                             dept.name if dept else None))
    return out


def find_in_scope(uow: UnitOfWork, ref: str | int) -> Person:
    """A person with some history in the operator's departments; anyone else is, for
    this operator, not found (so the message does not confirm they exist elsewhere)."""
    person = find_person(uow.session, ref)
    if not person_departments(uow.session, person.id) & uow.scope:
        raise NotFound(t("supervisor.not_found", person=mask_id_number(person.id_number)))
    return person


def terms_of(session: Session, person_id: int, departments: set[str] | frozenset[str] | None = None
             ) -> list[Term]:
    query = select(Term).where(Term.person_id == person_id)
    if departments is not None:
        query = query.where(col(Term.department_code).in_(sorted(departments)))
    return list(session.exec(query.order_by(col(Term.start_date), col(Term.id))))


def last_day(term: Term) -> date:
    """The last day actually served (or to be served) in a term."""
    return rules.last_day(term.end_date, term.terminated_on)


def history(
    session: Session, person_id: int, start: date, end: date | None = None,
    *, exclude: set[int] | None = None,
) -> History:
    """Facts for :func:`eligibility.evaluate`: terms anywhere that overlap [start, end]
    and earlier terminations on grounds that block reapplication."""
    end = end or start
    exclude = exclude or set()
    serving = rules.serving_in(
        (term for term in terms_of(session, person_id) if term.id not in exclude), start, end)
    blocking = []
    rows = session.exec(
        select(Termination, Term.department_code)
        .join(Term, col(Term.id) == col(Termination.term_id))
        .where(Termination.person_id == person_id)
        .order_by(col(Termination.effective_on), col(Termination.id))
    )
    for row, dept in rows:
        fact = rules.blocking_termination(pack_for(session, dept), dept, row.ground,
                                          row.effective_on)
        if fact is not None:
            blocking.append(fact)
    return History(serving=serving, blocking=tuple(blocking))


# ---------------------------------------------------------------- shared checks

NOTE_LIMIT = 500


def check_note(value: Any, field: str, *, required: bool = False) -> str | None:
    text = clean_text(value)
    if not text:
        if required:
            raise InvalidValue(field, "", t("identity.expect_required"))
        return None
    if len(text) > NOTE_LIMIT:
        raise InvalidValue(field, text[:20] + "…", t("identity.expect_length", limit=NOTE_LIMIT))
    return text


def check_not_future(value: date, field: str, today: date | None = None) -> date:
    today = today or date.today()
    if value > today:
        raise InvalidValue(field, value.isoformat(),
                           t("supervisor.expect_not_future", today=today.isoformat()))
    return value


def pending_application(uow: UnitOfWork, person: Person, department: str | None) -> Application:
    """The person's pending application in the department named, or the only one in scope."""
    session = uow.session
    query = select(Application).where(Application.person_id == person.id,
                                      Application.status == "pending")
    if department:
        dept = check_department(uow, department)
        query = query.where(Application.department_code == dept.code)
    else:
        query = query.where(col(Application.department_code).in_(sorted(uow.scope)))
    found = list(session.exec(query.order_by(col(Application.applied_on), col(Application.id))))
    if not found:
        raise RuleViolation(t("supervisor.no_pending", person=mask_id_number(person.id_number)))
    if len(found) > 1:
        raise UsageError(t("supervisor.several_pending", person=mask_id_number(person.id_number),
                           depts="、".join(a.department_code for a in found)))
    return found[0]


def check_decision_date(app: Application, on: date | None) -> date:
    decided = check_not_future(on or date.today(), "--on")
    problem = rules.not_before_application(decided, app.applied_on)
    if problem:
        raise InvalidValue("--on", decided.isoformat(), problem)
    return decided
