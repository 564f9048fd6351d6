"""Complaints about a supervisor (nm Art. 15): an institution reports that a supervisor
broke the rules, the bureau investigates and closes the complaint with a finding and an
outcome — none, a discipline record, or a termination — taken in the same transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from medisup import clock
from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.models import Complaint, Term
from medisup.services.supervisors.identity import clean_text
from medisup.services.supervisors.people import check_not_future, find_in_scope
from medisup.services.supervisors.records import pack_for

if TYPE_CHECKING:
    from sqlmodel import Session

    from medisup.packs import Pack
    from medisup.services.uow import UnitOfWork

OUTCOMES = ("none", "discipline", "termination")


@dataclass(frozen=True)
class ComplaintPublic:
    id: int
    person_id: int
    department_code: str
    source: str
    received_on: date
    allegation: str
    finding: str | None
    outcome: str | None
    outcome_label: str | None
    discipline_id: int | None
    closed_on: date | None
    article: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def article_of(pack: Pack) -> str:
    return pack.complaint_article or t("complaint.no_article")


def complaint_public(session: Session, row: Complaint) -> ComplaintPublic:
    pack = pack_for(session, row.department_code)
    return ComplaintPublic(
        id=row.id, person_id=row.person_id, department_code=row.department_code,
        source=row.source, received_on=row.received_on, allegation=row.allegation,
        finding=row.finding, outcome=row.outcome,
        outcome_label=t(f"complaint.outcome.{row.outcome}") if row.outcome else None,
        discipline_id=row.discipline_id, closed_on=row.closed_on, article=article_of(pack))


def _text(value: str | None, field: str, limit: int | None, *, article: str) -> str:
    text = clean_text(value or "")
    if not text:
        raise InvalidValue(field, value or "", t("complaint.expect_text", article=article))
    if limit is not None and len(text) > limit:
        raise InvalidValue(field, text, t("identity.expect_length", limit=limit))
    return text


def add(
    uow: UnitOfWork,
    ref: str | int,
    *,
    source: str,
    allegation: str,
    received_on: date | None = None,
    department: str | None = None,
) -> ComplaintPublic:
    """Record a complaint about someone appointed (in scope) by the day it was received."""
    session = uow.session
    person = find_in_scope(uow, ref)
    day = check_not_future(received_on or date.today(), "--received-on")
    codes = [department] if department else sorted(uow.scope)
    term = session.exec(select(Term).where(
        Term.person_id == person.id, col(Term.department_code).in_(codes),
        Term.start_date <= day).order_by(col(Term.start_date).desc())).first()
    if term is None:
        raise RuleViolation(t("complaint.not_appointed", on=day.isoformat()))
    article = article_of(pack_for(session, term.department_code))
    row = Complaint(person_id=person.id, department_code=term.department_code,
                    source=_text(source, "--source", 200, article=article), received_on=day,
                    allegation=_text(allegation, "--allegation", 2000, article=article),
                    created_at=clock.now())
    session.add(row)
    session.flush()
    public = complaint_public(session, row)
    uow.audit("complaint", "complaint", row.id, after=public.as_dict())
    return public


def close(
    uow: UnitOfWork,
    complaint_id: int,
    *,
    finding: str,
    outcome: str,
    closed_on: date | None = None,
    rule: str | None = None,
    breach_on: date | None = None,
    ground: str | None = None,
    referral: str | None = None,
) -> ComplaintPublic:
    """Close a complaint after investigation: the finding, and the outcome decided —
    ``none``; ``discipline`` (a breach of ``rule`` recorded); ``termination`` on
    ``ground`` (with the breach first when ``rule`` is given, as the discipline ground
    rests on one)."""
    from medisup.services.supervisors import terms

    session = uow.session
    row = session.get(Complaint, complaint_id)
    if row is None or row.department_code not in uow.scope:
        raise InvalidValue("COMPLAINT_ID", str(complaint_id), t("complaint.expect_id"))
    pack = pack_for(session, row.department_code)
    article = article_of(pack)
    if row.closed_on is not None:
        raise RuleViolation(t("complaint.closed_already", id=row.id,
                              on=row.closed_on.isoformat(), article=article))
    day = check_not_future(closed_on or date.today(), "--on")
    if day < row.received_on:
        raise InvalidValue("--on", day.isoformat(), t(
            "complaint.expect_after_received", received=row.received_on.isoformat(),
            article=article))
    what = clean_text(outcome or "").casefold()
    what = {"无": "none", "不处理": "none", "违纪": "discipline", "违纪记录": "discipline",
            "解聘": "termination"}.get(what, what)
    if what not in OUTCOMES:
        raise InvalidValue("--outcome", outcome or "", t("complaint.expect_outcome",
                                                         article=article))
    text = _text(finding, "--finding", None, article=article)
    if what == "none" and (rule or ground or referral):
        raise InvalidValue("--outcome", outcome, t("complaint.expect_outcome_for_options",
                                                   article=article))
    if what == "discipline" and not rule:
        raise InvalidValue("--rule", "", t("complaint.expect_rule", article=article))
    if what == "termination" and not ground:
        raise InvalidValue("--ground", "", t("complaint.expect_ground", article=article))
    before = complaint_public(session, row).as_dict()
    person = row.person_id
    discipline_id = None
    if rule:
        breach = terms.record_discipline(uow, person, rule=rule,
                                         occurred_on=breach_on or row.received_on,
                                         note=text[:500])
        discipline_id = breach.id
    if what == "termination":
        terms.terminate(uow, person, ground=ground, effective=day, referral=referral,
                        department=row.department_code,
                        note=t("complaint.termination_note", id=row.id)[:500])
    row.finding, row.outcome, row.closed_on = text, what, day
    row.discipline_id = discipline_id
    session.add(row)
    session.flush()
    public = complaint_public(session, row)
    uow.audit("complaint_close", "complaint", row.id, before=before, after=public.as_dict())
    return public


def complaints_of(session: Session, person_id: int, scope: set[str] | None = None
                  ) -> list[ComplaintPublic]:
    query = select(Complaint).where(Complaint.person_id == person_id)
    if scope is not None:
        query = query.where(col(Complaint.department_code).in_(sorted(scope)))
    rows = session.exec(query.order_by(col(Complaint.received_on), col(Complaint.id))).all()
    return [complaint_public(session, r) for r in rows]


def list_for(uow: UnitOfWork, ref: str | int) -> list[ComplaintPublic]:
    person = find_in_scope(uow, ref)
    return complaints_of(uow.session, person.id, set(uow.scope))


__all__ = ["OUTCOMES", "ComplaintPublic", "add", "close", "complaints_of", "list_for"]
