"""The supervisor who reports a lead: found by ID number or name, and the rule that they
must be serving on the day the lead is received (used by ``lead log`` and its wizard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from medisup.errors import InvalidValue, NotFound, RuleViolation
from medisup.i18n import t
from medisup.models import Department, Person, Term
from medisup.services.masking import mask_id_number

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork


def check_received_on(received_on: date, today: date | None = None) -> date:
    """A lead cannot be received after today."""
    today = today or date.today()
    if received_on > today:
        raise InvalidValue(t("lead.field.received_on"), received_on.isoformat(),
                           t("lead.expect_not_future", today=today.isoformat()))
    return received_on


def serving_term_on(session: Session, person: Person, on: date) -> Term:
    """The term ``person`` serves on day ``on``; refused when there is none."""
    from medisup.services.roster import serving_term

    term = serving_term(session, person.id, on)
    if term is None:
        raise RuleViolation(t("lead.not_serving", name=person.name,
                              id_number=mask_id_number(person.id_number),
                              date=on.isoformat()))
    return term


@dataclass(frozen=True)
class Reporter:
    """One person a wizard's answer may mean, with where and until when they serve."""

    id_number: str
    name: str
    masked_id: str
    department_code: str | None
    department_name: str | None
    serving_until: date | None  # last day of the term serving on the day asked, if any
    last_until: date | None  # last day of their latest term otherwise

    def describe(self) -> str:
        if self.serving_until is not None:
            return t("wizard.lead.reporter_serving", name=self.name, dept=self.department_name,
                     until=self.serving_until.isoformat())
        if self.last_until is not None:
            return t("wizard.lead.reporter_ended", name=self.name, dept=self.department_name,
                     until=self.last_until.isoformat())
        return t("wizard.lead.reporter_never", name=self.name)


def _looks_like_id(text: str) -> bool:
    return len(text) in (15, 18) and text[:-1].isdigit()


def find_reporters(uow: UnitOfWork, text: str, on: date) -> list[Reporter]:
    """People whose ID number is ``text`` or whose name is ``text`` (a name only among the
    operator's departments), each with the term that serves on ``on`` or their latest."""
    from medisup.services.leads.records import find_supervisor
    from medisup.services.roster import serving_term
    from medisup.services.supervisors.people import last_day, terms_of

    session = uow.session
    text = (text or "").strip()
    if not text:
        return []
    if _looks_like_id(text.upper()):
        try:
            people = [find_supervisor(session, text)]
        except NotFound:
            people = []
    else:
        people = list(session.exec(
            select(Person).where(Person.name == text).order_by(col(Person.id))))
        scope = uow.scope
        people = [p for p in people if terms_of(session, p.id, scope)]
    out = []
    for person in people:
        term = serving_term(session, person.id, on)
        latest = term or next(iter(reversed(terms_of(session, person.id))), None)
        dept = session.get(Department, latest.department_code) if latest else None
        out.append(Reporter(
            id_number=person.id_number, name=person.name,
            masked_id=mask_id_number(person.id_number) or "",
            department_code=dept.code if dept else None,
            department_name=dept.name if dept else None,
            serving_until=last_day(term) if term else None,
            last_until=last_day(latest) if latest and not term else None,
        ))
    return out


def check_reporter(uow: UnitOfWork, id_number: str, on: date) -> Reporter:
    """The reporter ``lead log`` would accept for day ``on``, or the error it would give."""
    from medisup.services.leads.records import find_supervisor

    person = find_supervisor(uow.session, id_number)
    serving_term_on(uow.session, person, on)
    return find_reporters(uow, person.id_number, on)[0]
