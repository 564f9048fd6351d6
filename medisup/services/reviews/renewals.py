"""``review renewals``: terms ending within a window and terms ended unrenewed, each with
the supervisor's record over the term, to decide on renewal (nm Art. 11, GX Art. 8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.models import Person, Term
from medisup.services.masking import mask_id_number
from medisup.services.reviews.common import (
    Finding,
    TermRecord,
    as_record,
    scope_codes,
    term_records,
)

EMPTY = TermRecord()

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

DEFAULT_WITHIN = 60


@dataclass(frozen=True)
class RenewalItem:
    person_id: int
    name: str
    id_number: str
    department_code: str
    term_id: int
    term_number: int
    start_date: date
    end_date: date
    state: str  # ending / ended
    days_left: int
    consent_required: bool
    consent_on_file: bool
    consent_on: date | None  # the written consent to renew, recorded during the term
    on_term_end: str  # expire / auto_dismiss
    article: str
    record: TermRecord

    def as_dict(self) -> dict[str, Any]:
        return as_record(self)


@dataclass(frozen=True)
class RenewalReview:
    as_of: date
    within: int
    department: str
    items: tuple[RenewalItem, ...]
    findings: tuple[Finding, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"review": "renewals", "as_of": self.as_of, "within": self.within,
                "department": self.department, "items": [i.as_dict() for i in self.items],
                "findings": [f.as_dict() for f in self.findings]}


def unrenewed_clause(codes: list[str], *, ended_by: date) -> list[Any]:
    """SQL conditions: terms of ``codes`` that ended (or will end) by ``ended_by``, neither
    renewed nor terminated, with no later term of the same person in the same department."""
    later = aliased(Term)
    return [col(Term.department_code).in_(codes), col(Term.end_date) <= ended_by,
            col(Term.renewed).is_(False), col(Term.terminated_on).is_(None),
            ~exists().where(col(later.person_id) == col(Term.person_id),
                            col(later.department_code) == col(Term.department_code),
                            col(later.start_date) > col(Term.end_date))]


TERM_COLUMNS = (Term.id, Term.person_id, Term.department_code, Term.number, Term.start_date,
                Term.end_date, Term.renewal_consent_on, Person.name, Person.id_number)


def renewals(uow: UnitOfWork, *, within: int = DEFAULT_WITHIN, as_of: date | None = None,
             department: str | None = None, reveal: bool = False) -> RenewalReview:
    """Read-only: what needs a renewal decision on ``as_of`` — terms ending within
    ``within`` days, and ended terms still open to a decision: under a pack where terms
    simply expire, those ended within the renewal grace period (``terms.RENEWAL_GRACE_DAYS``);
    under a pack that dismisses automatically, every one not yet dismissed."""
    from medisup.services.departments import pack_of
    from medisup.services.supervisors.terms import RENEWAL_GRACE_DAYS

    session = uow.session
    as_of = as_of or date.today()
    if within < 0:
        raise InvalidValue("--within", within, t("review.expect_within"))
    codes = scope_codes(uow, department)
    packs = {code: pack_of(session, code) for code in codes}
    automatic = [c for c in codes if packs[c].on_term_end == "auto_dismiss"]
    until = as_of + timedelta(days=within)
    where = unrenewed_clause(codes, ended_by=until) + [
        or_(col(Term.department_code).in_(automatic),
            col(Term.end_date) >= as_of - timedelta(days=RENEWAL_GRACE_DAYS))]
    rows = session.exec(select(*TERM_COLUMNS).where(
        col(Person.id) == col(Term.person_id), *where).order_by(
        col(Term.end_date), col(Term.id))).all()
    records = term_records(session, where, as_of)
    # What each department's pack says, looked up once (not once per term).
    rules = {code: (p.renewal_consent == "required", p.on_term_end,
                    p.cite("renewal_article") or "", p.cite("on_term_end_article") or "")
             for code, p in packs.items()}
    items, findings = [], []
    for tid, pid, code, term_number, start, end, consent_on, name, number in rows:
        consent, on_term_end, renewal_article, end_article = rules[code]
        state = "ending" if end >= as_of else "ended"
        shown = number if reveal else (mask_id_number(number) or "")
        item = RenewalItem(
            person_id=pid, name=name, id_number=shown, department_code=code, term_id=tid,
            term_number=term_number, start_date=start, end_date=end, state=state,
            days_left=(end - as_of).days,
            consent_required=consent, consent_on_file=consent_on is not None,
            consent_on=consent_on, on_term_end=on_term_end,
            article=renewal_article, record=records.get(tid, EMPTY))
        items.append(item)
        key = "review.finding.term_ending" if state == "ending" else "review.finding.term_ended"
        findings.append(Finding(
            kind=f"term_{state}", department_code=code, person_id=pid,
            message=t(key, name=name, id_number=shown, end=end.isoformat(),
                      days=abs(item.days_left)),
            article=end_article))
    if reveal and items:
        uow.audit("reveal", "person", "review renewals",
                  after={"people": [i.person_id for i in items]})
    return RenewalReview(as_of, within, codes[0], tuple(items), tuple(findings))
