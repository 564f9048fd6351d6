"""``review terminations``: who has a termination ground indicated and which, with the
evidence — a recorded discipline breach (the pack's ``from_discipline`` ground), a term
ended unrenewed where the pack dismisses automatically (GX Art. 8: 自然解聘), a whole term
with no activity attended and no lead (a 无法胜任 proposal, never automatic).
``apply`` performs only the automatic one, through ``terms.terminate``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from medisup.i18n import t
from medisup.models import Activity, Discipline, Lead, Participation, Person, Term
from medisup.services.masking import mask_id_number
from medisup.services.reviews.common import Finding, as_record, scope_codes
from medisup.services.reviews.renewals import unrenewed_clause
from medisup.services.roster import serving_clause

if TYPE_CHECKING:
    from medisup.packs import Pack
    from medisup.services.uow import UnitOfWork


@dataclass(frozen=True)
class TerminationItem:
    person_id: int
    name: str
    id_number: str
    department_code: str
    term_id: int
    basis: str  # discipline / term_ended / idle_term
    ground: str
    ground_label: str
    article: str
    automatic: bool
    effective_on: date | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return as_record(self)


@dataclass(frozen=True)
class TerminationReview:
    as_of: date
    department: str
    items: tuple[TerminationItem, ...]
    findings: tuple[Finding, ...]
    applied: tuple[dict[str, Any], ...] = ()
    apply: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"review": "terminations", "as_of": self.as_of, "department": self.department,
                "apply": self.apply, "applied": list(self.applied),
                "items": [i.as_dict() for i in self.items],
                "findings": [f.as_dict() for f in self.findings]}


def _discipline(uow: UnitOfWork, codes: list[str], as_of: date):
    """Breaches recorded against the term being served on ``as_of``."""
    return uow.session.exec(select(Term, Person.name, Person.id_number, Discipline).where(
        col(Discipline.term_id) == col(Term.id), col(Person.id) == col(Term.person_id),
        col(Term.department_code).in_(codes), serving_clause(as_of),
        col(Discipline.occurred_on) <= as_of,
    ).order_by(col(Term.id), col(Discipline.occurred_on), col(Discipline.id))).all()


def _ended(uow: UnitOfWork, codes: list[str], as_of: date):
    """Terms ended unrenewed and not dismissed, in departments whose pack dismisses
    automatically (only those are asked for)."""
    if not codes:
        return []
    return uow.session.exec(select(Term, Person.name, Person.id_number).where(
        col(Person.id) == col(Term.person_id),
        *unrenewed_clause(codes, ended_by=as_of - timedelta(days=1)),
    ).order_by(col(Term.end_date), col(Term.id))).all()


def _idle(uow: UnitOfWork, codes: list[str], as_of: date):
    """Whole terms, ended and renewed into the term now served, with no activity
    attended and no lead reported in them: two set-based queries — candidates with no
    lead, and candidates with an attendance — and the difference of their term ids."""
    session = uow.session
    nxt = aliased(Term)
    successor = exists().where(and_(
        col(nxt.person_id) == col(Term.person_id),
        col(nxt.department_code) == col(Term.department_code),
        col(nxt.start_date) > col(Term.end_date), col(nxt.start_date) <= as_of,
        col(nxt.end_date) >= as_of,
        (col(nxt.terminated_on).is_(None)) | (col(nxt.terminated_on) > as_of)))
    candidate = [col(Term.department_code).in_(codes), col(Term.end_date) < as_of,
                 col(Term.renewed).is_(True), col(Term.terminated_on).is_(None), successor]
    reported = exists().where(
        col(Lead.supervisor_id) == col(Term.person_id),
        col(Lead.received_on) >= col(Term.start_date), col(Lead.received_on) <= col(Term.end_date))
    # NOT EXISTS on leads stops at the first lead (indexed by supervisor); attendance is
    # subtracted with a join, which SQLite drives from the (small) participation side.
    ids = set(session.exec(select(Term.id).where(*candidate, ~reported)))
    if not ids:
        return []
    ids -= set(session.exec(select(Term.id).where(
        *candidate, col(Participation.person_id) == col(Term.person_id),
        col(Participation.attended).is_(True), col(Participation.activity_id) == col(Activity.id),
        col(Activity.status) == "held", col(Activity.held_on) >= col(Term.start_date),
        col(Activity.held_on) <= col(Term.end_date)).distinct()))
    if not ids:
        return []
    return session.exec(select(Term, Person.name, Person.id_number).where(
        col(Person.id) == col(Term.person_id), col(Term.id).in_(sorted(ids))
    ).order_by(col(Term.id))).all()


def terminations(uow: UnitOfWork, *, as_of: date | None = None, department: str | None = None,
                 apply: bool = False, reveal: bool = False) -> TerminationReview:
    """Grounds indicated on ``as_of``; with ``apply``, 自然解聘 is carried out (the only
    ground a pack may make automatic), dated the day after the term's last day."""
    from medisup.services.departments import pack_of

    session = uow.session
    as_of = as_of or date.today()
    codes = scope_codes(uow, department)
    packs: dict[str, Pack] = {}

    def pack(code: str) -> Pack:
        if code not in packs:
            packs[code] = pack_of(session, code)
        return packs[code]

    def shown(number: str) -> str:
        return number if reveal else (mask_id_number(number) or "")

    items: list[TerminationItem] = []
    by_term: dict[int, list[Discipline]] = {}
    heads: dict[int, tuple[Term, str, str]] = {}
    for term, name, number, breach in _discipline(uow, codes, as_of):
        by_term.setdefault(term.id, []).append(breach)
        heads[term.id] = (term, name, number)
    for tid, breaches in by_term.items():
        term, name, number = heads[tid]
        ground = pack(term.department_code).ground("from_discipline")
        if ground is None:
            continue
        rules = pack(term.department_code)
        items.append(TerminationItem(
            term.person_id, name, shown(number), term.department_code, term.id, "discipline",
            ground.code, ground.text(short=True), ground.cite(), False, None,
            {"breaches": [{"rule": b.rule, "label": _label(rules, b.rule),
                           "article": _article(rules, b.rule), "occurred_on": b.occurred_on}
                          for b in breaches]}))
    automatic = [c for c in codes if pack(c).on_term_end == "auto_dismiss"]
    for term, name, number in _ended(uow, automatic, as_of):
        p = pack(term.department_code)
        if p.on_term_end != "auto_dismiss" or not p.auto_dismiss_ground:
            continue
        ground = p.item("termination_grounds", p.auto_dismiss_ground)
        items.append(TerminationItem(
            term.person_id, name, shown(number), term.department_code, term.id, "term_ended",
            ground.code, ground.text(short=True), p.cite("on_term_end_article") or ground.cite(),
            True, term.end_date + timedelta(days=1),
            {"term_number": term.number, "start_date": term.start_date,
             "end_date": term.end_date}))
    for term, name, number in _idle(uow, codes, as_of):
        ground = pack(term.department_code).ground("incompetence")
        if ground is None:
            continue
        items.append(TerminationItem(
            term.person_id, name, shown(number), term.department_code, term.id, "idle_term",
            ground.code, ground.text(short=True), ground.cite(), False, None,
            {"term_number": term.number, "start_date": term.start_date, "end_date": term.end_date,
             "activities_attended": 0, "leads": 0}))

    findings = tuple(Finding(
        kind=f"ground_{i.basis}", department_code=i.department_code, person_id=i.person_id,
        message=t(f"review.finding.ground_{i.basis}", name=i.name, id_number=i.id_number,
                  ground=i.ground_label, article=i.article), article=i.article,
        detail={"ground": i.ground, "term_id": i.term_id}) for i in items)
    applied: list[dict[str, Any]] = []
    if apply:
        applied = _apply(uow, [i for i in items if i.automatic])
        findings = tuple(f for f in findings if f.kind != "ground_term_ended")
    if reveal and items:
        uow.audit("reveal", "person", "review terminations",
                  after={"people": sorted({i.person_id for i in items})})
    return TerminationReview(as_of, codes[0], tuple(items), findings, tuple(applied), apply)


def _apply(uow: UnitOfWork, items: list[TerminationItem]) -> list[dict[str, Any]]:
    """自然解聘 through the ordinary termination (certificate revoked, audited)."""
    from medisup.services.supervisors.terms import terminate

    done = []
    for item in items:
        result = terminate(uow, item.person_id, ground=item.ground, effective=item.effective_on,
                           department=item.department_code, automatic=True,
                           note=t("review.auto_dismiss_note", article=item.article))
        done.append({"person_id": item.person_id, "name": item.name, "id_number": item.id_number,
                     "department_code": item.department_code, "term_id": item.term_id,
                     "ground": result.ground, "effective_on": result.effective_on,
                     "revoked_certificates": list(result.revoked_certificates)})
    return done


def _label(pack: Pack, code: str) -> str:
    from medisup.services.supervisors.records import item_text

    return item_text(pack, "discipline_rules", code) or code


def _article(pack: Pack, code: str) -> str:
    from medisup.services.supervisors.records import item_article

    return item_article(pack, "discipline_rules", code)
