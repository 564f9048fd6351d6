"""Appointment terms: approve (appoint), renew, terminate, and discipline breaches
recorded against the term being served.

Over 400 lines: approve, renew, terminate, consent and discipline all act on the term being
served and share its look-ups and refusals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from medisup import clock
from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.models import Certificate, Department, Discipline, Finding, Term, Termination
from medisup.packs import Pack
from medisup.services.departments import check_department
from medisup.services.masking import mask_id_number
from medisup.services.roster import serving_clause
from medisup.services.supervisors import eligibility
from medisup.services.supervisors import rules as supervisor_rules
from medisup.services.supervisors.certificates import record_text as certificate_text
from medisup.services.supervisors.identity import clean_text
from medisup.services.supervisors.people import (
    check_decision_date,
    check_not_future,
    check_note,
    find_in_scope,
    history,
    pending_application,
    terms_of,
)
from medisup.services.supervisors.records import (
    ApplicationPublic,
    DisciplinePublic,
    PersonPublic,
    TerminationPublic,
    TermPublic,
    application_public,
    application_snapshot,
    discipline_public,
    findings_of,
    pack_for,
    person_public,
    term_public,
    term_snapshot,
    termination_public,
)

if TYPE_CHECKING:
    from medisup.models import Person
    from medisup.services.uow import UnitOfWork

# A term that ended unrenewed may still be renewed this many days after its last day where
# the pack lets a term simply expire (nm-2024 Art. 11: 期满后可以续聘或另聘), so a decision
# taken a little late keeps the terms continuous.  Where the pack dismisses automatically
# at term end (GX Art. 8: 到期未续聘则自然解聘) there is no grace: after the last day the
# person has to apply again.
RENEWAL_GRACE_DAYS = 90


@dataclass(frozen=True)
class ApproveResult:
    person: PersonPublic
    application: ApplicationPublic
    term: TermPublic


def _masked(person: Person) -> str:
    return mask_id_number(person.id_number) or ""


def quota_of(dept: Department, pack: Pack) -> int | None:
    """The department's own quota, else the pack's; ``None`` is unlimited."""
    return supervisor_rules.quota_of(dept.quota, pack)


def _number(uow: UnitOfWork, person_id: int, code: str) -> int:
    count = uow.session.exec(select(func.count()).select_from(Term).where(
        Term.person_id == person_id, Term.department_code == code)).one()
    return supervisor_rules.term_number(count)


def _refuse_overlap(person: Person, facts: eligibility.History) -> None:
    if facts.serving:
        where = t("pack.list_sep").join(
            t("eligibility.serving_in", dept=s.department_code, start=s.start_date.isoformat(),
              end=s.end_date.isoformat()) for s in facts.serving)
        raise RuleViolation(t("supervisor.serving_elsewhere", person=_masked(person), where=where))


def _refuse_age(pack: Pack, person: Person, start: date, end: date) -> None:
    check = eligibility.age_check(pack, person.birth_date, start, end)
    if check is not None and check.result != "met":
        raise RuleViolation(t("supervisor.age_refused", person=_masked(person), note=check.note,
                              article=check.article))


# ---------------------------------------------------------------- approve


def approve(
    uow: UnitOfWork,
    ref: str | int,
    *,
    department: str | None = None,
    start: date | None = None,
    on: date | None = None,
    findings: Sequence[str] = (),
    all_met: bool = False,
    override_reason: str | None = None,
    note: str | None = None,
) -> ApproveResult:
    """Appoint the applicant: every criterion met (preferred ones aside), no unresolved
    blocking finding, not serving anywhere during the new term, age within the pack's
    range for the whole term, and a free quota place on the start date."""
    session = uow.session
    person = find_in_scope(uow, ref)
    app = pending_application(uow, person, department)
    decided = check_decision_date(app, on)
    start = start or decided
    problem = supervisor_rules.not_before_application(start, app.applied_on)
    if problem:
        raise InvalidValue("--start", start.isoformat(), problem)
    # Lock the department row: two approvals racing for the last quota place queue here.
    dept = session.exec(
        select(Department).where(Department.code == app.department_code).with_for_update()
    ).one()
    pack = pack_for(session, dept.code)
    end = pack.term_end(start)
    reason = check_note(override_reason, "--override-reason")
    text = check_note(note, "--note")
    before = application_snapshot(session, app)

    declared = {f.criterion: (f.result, f.note) for f in findings_of(session, app.id)
                if not f.automatic and f.criterion in pack.codes("criteria")}
    declared.update(eligibility.declared_findings(pack, findings, all_met=all_met))
    if reason:
        app.override_reason = reason
    checks = eligibility.evaluate(
        pack, birth_date=person.birth_date, region_code=person.id_number[:6],
        region_known=_region_known(person.id_number), declared=declared,
        history=history(session, person.id, start, end), on=decided, term_start=start,
        term_end=end, override_reason=app.override_reason, id_number=person.id_number,
    )
    blocked = eligibility.problems(checks, overridden=bool(app.override_reason))
    if blocked:
        raise RuleViolation(t("supervisor.not_eligible", person=_masked(person),
                              problems=t("supervisor.problem_sep").join(
                                  eligibility.describe(c) for c in blocked)))
    limit = quota_of(dept, pack)
    if limit is not None:
        serving, day = _peak(uow, dept.code, start, end)
        if serving >= limit:
            raise RuleViolation(t("supervisor.quota_full", dept=dept.code, name=dept.name,
                                  serving=serving, quota=limit, on=day.isoformat(),
                                  article=pack.term_article))

    for row in findings_of(session, app.id):
        session.delete(row)
    session.flush()
    for check in checks:
        session.add(Finding(application_id=app.id, criterion=check.code, result=check.result,
                            note=check.note, automatic=check.automatic))
    app.status, app.decided_on, app.decision_note = "approved", decided, text
    session.add(app)
    term = Term(person_id=person.id, department_code=dept.code, application_id=app.id,
                number=_number(uow, person.id, dept.code), start_date=start, end_date=end,
                created_at=clock.now())
    session.add(term)
    session.flush()
    if reason and any(c.result == "blocking" for c in checks):
        uow.audit("override", "application", app.id,
                  after={"reason": reason, "findings": ["no_blocking_termination"]})
    uow.audit("approve", "application", app.id, before=before,
              after=application_snapshot(session, app))
    uow.audit("create", "term", term.id, after=term_snapshot(term))
    return ApproveResult(person_public(session, person), application_public(session, app),
                         term_public(term))


def _peak(uow: UnitOfWork, code: str, start: date, end: date) -> tuple[int, date]:
    """The most people holding a place in the department on any day of [start, end], and
    that day: someone appointed earlier to start next month takes a place too."""
    terms = uow.session.exec(select(Term).where(
        Term.department_code == code, col(Term.start_date) <= end,
        col(Term.end_date) >= start)).all()
    places = [p for x in terms if (p := supervisor_rules.place_of(x.person_id, x)) is not None]
    return supervisor_rules.peak_places(places, start, end)


def _region_known(id_number: str) -> bool:
    from medisup.services.supervisors.identity import parse_id_number

    return parse_id_number(id_number).region_known


# ---------------------------------------------------------------- renew


def _latest_term(uow: UnitOfWork, person: Person, department: str | None) -> Term:
    codes = {check_department(uow, department).code} if department else uow.scope
    terms = terms_of(uow.session, person.id, codes)
    if not terms:
        raise RuleViolation(t("supervisor.no_term", person=_masked(person)))
    return terms[-1]


def renew(
    uow: UnitOfWork,
    ref: str | int,
    *,
    department: str | None = None,
    consent_on: date | None = None,
    on: date | None = None,
) -> TermPublic:
    """The next term, from the day after the current one ends.  No free quota place is
    needed: the person already holds one, and the new term only continues it."""
    session = uow.session
    person = find_in_scope(uow, ref)
    term = _latest_term(uow, person, department)
    pack = pack_for(session, term.department_code)
    masked = _masked(person)
    if term.terminated_on is not None:
        raise RuleViolation(t("supervisor.renew_terminated", person=masked,
                              on=term.terminated_on.isoformat()))
    if term.renewed:
        raise RuleViolation(t("supervisor.renew_twice", person=masked,
                              end=term.end_date.isoformat()))
    decided = check_not_future(on or date.today(), "--on")
    if decided < term.start_date:
        raise RuleViolation(t("supervisor.renew_not_started", person=masked, number=term.number,
                              start=term.start_date.isoformat()))
    grace = 0 if pack.on_term_end == "auto_dismiss" else RENEWAL_GRACE_DAYS
    if decided > term.end_date + timedelta(days=grace):
        raise RuleViolation(t("supervisor.renew_too_late", person=masked,
                              end=term.end_date.isoformat(), days=grace,
                              article=pack.on_term_end_article))
    new_start = term.end_date + timedelta(days=1)
    new_end = pack.term_end(new_start)
    if consent_on is None:  # the consent recorded during the term (supervisor consent)
        consent_on = recorded_consent(session, term)
    if consent_on is None and pack.renewal_consent == "required":
        raise InvalidValue(t("supervisor.field.consent_on"), "",
                           t("supervisor.expect_consent", article=pack.renewal_article))
    if consent_on is not None:
        # Consent comes before the decision that rests on it (never after today, as the
        # decision is not), given while the current term runs or within its grace:
        # the decision itself may come any time in that span, the new term starts after.
        field = t("supervisor.field.consent_on")
        if consent_on > decided:
            raise InvalidValue(field, consent_on.isoformat(), t(
                "supervisor.expect_consent_before", decided=decided.isoformat(),
                article=pack.renewal_article))
        if consent_on < term.start_date:
            raise InvalidValue(field, consent_on.isoformat(), t(
                "supervisor.expect_consent_in_term", start=term.start_date.isoformat(),
                article=pack.renewal_article))
    _refuse_age(pack, person, new_start, new_end)
    _refuse_overlap(person, history(session, person.id, new_start, new_end, exclude={term.id}))

    before = term_snapshot(term)
    term.renewed = True
    session.add(term)
    new = Term(person_id=person.id, department_code=term.department_code,
               application_id=term.application_id, number=_number(uow, person.id, term.department_code),
               start_date=new_start, end_date=new_end, consent_on=consent_on, created_at=clock.now())
    session.add(new)
    session.flush()
    uow.audit("renew", "term", term.id, before=before, after=term_snapshot(term))
    uow.audit("create", "term", new.id, after=term_snapshot(new))
    return term_public(new)


# ---------------------------------------------------------------- consent to renewal


def recorded_consent(session, term: Term) -> date | None:
    """The supervisor's written consent to be renewed, recorded during ``term`` (gx Art. 8:
    "征得本人同意，可以续聘"); ``None`` when none was recorded.  `renew` without a consent
    date uses it; the renewals review reads it too."""
    return term.renewal_consent_on


def record_consent(
    uow: UnitOfWork,
    ref: str | int,
    *,
    on: date,
    department: str | None = None,
) -> TermPublic:
    """Record the written consent, given during the current term, to be renewed: only where
    the pack asks for consent (gx Art. 8); dated not in the future, not before the term
    starts and not after it ends plus the grace the pack allows a renewal."""
    session = uow.session
    person = find_in_scope(uow, ref)
    term = _latest_term(uow, person, department)
    pack = pack_for(session, term.department_code)
    masked = _masked(person)
    article = pack.cite("renewal_article")
    if pack.renewal_consent != "required":
        raise RuleViolation(t("supervisor.consent_not_asked", pack=pack.name, article=article,
                              rule=t(f"pack.renewal_consent.{pack.renewal_consent}")))
    if term.terminated_on is not None:
        raise RuleViolation(t("supervisor.consent_terminated", person=masked,
                              on=term.terminated_on.isoformat()))
    if term.renewed:
        raise RuleViolation(t("supervisor.consent_renewed", person=masked,
                              end=term.end_date.isoformat()))
    field = t("supervisor.field.renewal_consent_on")
    day = check_not_future(on, field)
    if day < term.start_date:
        raise InvalidValue(field, day.isoformat(), t(
            "supervisor.expect_consent_in_term", start=term.start_date.isoformat(),
            article=article))
    grace = 0 if pack.on_term_end == "auto_dismiss" else RENEWAL_GRACE_DAYS
    last = term.end_date + timedelta(days=grace)
    if day > last:
        raise InvalidValue(field, day.isoformat(), t(
            "supervisor.expect_consent_by", last=last.isoformat(), end=term.end_date.isoformat(),
            grace=t("supervisor.grace_days", days=grace) if grace else "", article=article))
    before = term_snapshot(term)
    term.renewal_consent_on = day
    session.add(term)
    session.flush()
    uow.audit("consent", "term", term.id, before=before, after=term_snapshot(term))
    return term_public(term)


# ---------------------------------------------------------------- terminate


def _term_to_end(uow: UnitOfWork, person: Person, department: str | None, effective: date,
                 ground_text: str) -> tuple[Term, Pack]:
    """The term a termination applies to: the one served on the effective date, or — for
    the term-end ground only — the last one, ended and neither renewed nor terminated."""
    session = uow.session
    codes = {check_department(uow, department).code} if department else set(uow.scope)
    serving = session.exec(select(Term).where(
        Term.person_id == person.id, col(Term.department_code).in_(sorted(codes)),
        serving_clause(effective)).order_by(col(Term.start_date))).first()
    if serving is not None:
        return serving, pack_for(session, serving.department_code)
    terms = terms_of(session, person.id, codes)
    ended = [x for x in terms if x.end_date < effective and x.terminated_on is None
             and not x.renewed]
    if ended:
        pack = pack_for(session, ended[-1].department_code)
        if pack.resolve("termination_grounds", ground_text).term_end:
            return ended[-1], pack
    later = [x for x in terms if x.start_date > effective and x.terminated_on is None]
    if later:
        raise InvalidValue("--effective", effective.isoformat(),
                           t("supervisor.expect_after_start", start=later[0].start_date.isoformat()))
    raise RuleViolation(t("supervisor.not_serving", person=_masked(person),
                          on=effective.isoformat()))


def terminate(
    uow: UnitOfWork,
    ref: str | int,
    *,
    ground: str,
    effective: date | None = None,
    note: str | None = None,
    referral: str | None = None,
    department: str | None = None,
    automatic: bool = False,
    breach: int | str | None = None,
) -> TerminationPublic:
    """End a term on a pack ground.  The certificate of the term is revoked; a term that
    was already renewed loses its successor too; ``referral``, where the bureau decides
    one (a ground that allows it), records where the case went; a ground the pack links
    to discipline (``from_discipline``) rests on a recorded breach of the term — the one
    numbered ``breach``, else the latest on or before the effective date — stored with
    the termination (``discipline_id``) and refused when there is none."""
    session = uow.session
    person = find_in_scope(uow, ref)
    effective = effective or date.today()
    term, pack = _term_to_end(uow, person, department, effective, ground)
    item = pack.resolve("termination_grounds", clean_text(ground))
    text = check_note(note, "--note")
    if item.term_end:
        if effective < term.end_date:
            raise InvalidValue("--effective", effective.isoformat(),
                               t("supervisor.expect_term_end", end=term.end_date.isoformat(),
                                 article=item.cite()))
        if term.renewed:
            raise RuleViolation(t("supervisor.renew_twice", person=_masked(person),
                                  end=term.end_date.isoformat()))
        ends_on = term.end_date + timedelta(days=1)  # the whole term was served
    else:
        ends_on = effective
    # A referral is a decision taken with the termination where the conduct is unlawful
    # (nm Art. 12(一) "对有违法行为的", gx Art. 13), never a consequence of the ground.
    sent_to = clean_text(referral) or None
    if sent_to and not item.referral:
        codes = [g.code for g in pack.termination_grounds if g.referral]
        raise InvalidValue("--referral", sent_to, t("supervisor.expect_no_referral",
                                                    grounds="、".join(codes) or "—"))
    if sent_to and len(sent_to) > 200:
        raise InvalidValue("--referral", sent_to, t("identity.expect_length", limit=200))
    rests_on = _breach_for(session, person, term, pack, item, effective, breach)

    affected = [term] + [
        x for x in terms_of(session, person.id, {term.department_code})
        if x.start_date > term.start_date and x.terminated_on is None
    ]
    before = [term_snapshot(x) for x in affected]
    term.terminated_on = ends_on
    for later in affected[1:]:
        later.terminated_on = later.start_date  # never to be served
    for x in affected:
        session.add(x)
    row = Termination(term_id=term.id, person_id=person.id, ground=item.code,
                      effective_on=effective, note=text, referral=sent_to,
                      discipline_id=rests_on.id if rests_on else None,
                      automatic=automatic, created_at=clock.now())
    session.add(row)
    session.flush()
    revoked = []
    certificates = session.exec(select(Certificate).where(
        col(Certificate.term_id).in_([x.id for x in affected]), Certificate.status == "valid"
    ).order_by(col(Certificate.id))).all()
    for cert in certificates:
        cert_before = {"number": cert.number, "status": cert.status, "revoked_on": None}
        cert.status, cert.revoked_on = "revoked", effective
        cert.revoked_reason = certificate_text(
            "certificate.revoked_on_termination", ground=item.short or item.label)[:500]
        session.add(cert)
        revoked.append(cert.number)
        uow.audit("revoke", "certificate", cert.number, before=cert_before,
                  after={"number": cert.number, "status": "revoked", "revoked_on": effective,
                         "revoked_reason": cert.revoked_reason})
    session.flush()
    uow.audit("terminate", "term", term.id, before={"terms": before},
              after={"terms": [term_snapshot(x) for x in affected],
                     "termination": {"id": row.id, "ground": row.ground,
                                     "effective_on": row.effective_on, "note": row.note,
                                     "referral": row.referral,
                                     "discipline_id": row.discipline_id, "revoked": revoked}})
    return termination_public(session, row, revoked=tuple(revoked))


def _breach_for(session, person: Person, term: Term, pack: Pack, ground, effective: date,
                given: int | str | None) -> Discipline | None:
    """The recorded breach a termination on ``ground`` rests on (nm Art. 12(一), gx Art.
    9(一)): the one given, which must be the person's, in the term ended and not after
    the effective date; else the latest such.  A ground not linked to discipline takes
    none; a linked one without any is refused citing its article."""
    if not ground.from_discipline:
        if given not in (None, ""):
            codes = [g.code for g in pack.termination_grounds if g.from_discipline]
            raise InvalidValue("--breach", str(given), t("supervisor.expect_no_breach",
                                                         grounds="、".join(codes)))
        return None
    if given in (None, ""):
        found = breach_behind(session, term, effective)
        if found is None:
            raise InvalidValue("--ground", ground.code, t(
                "supervisor.expect_breach", ground=ground.text(short=True),
                article=ground.cite()))
        return found
    text = str(given).strip().lstrip("#")
    found = session.get(Discipline, int(text)) if text.isdigit() else None
    if (found is None or found.person_id != person.id or found.term_id != term.id
            or found.occurred_on > effective):
        raise InvalidValue("--breach", str(given), t(
            "supervisor.expect_breach_id", person=_masked(person), on=effective.isoformat()))
    return found


# ---------------------------------------------------------------- discipline


def offered_ground(uow: UnitOfWork, ref: str | int, *, on: date,
                   department: str | None = None) -> str | None:
    """The pack's discipline ground when the person has a recorded breach in the term
    served on ``on``: what the terminate wizard offers first."""
    session = uow.session
    person = find_in_scope(uow, ref)
    codes = {check_department(uow, department).code} if department else set(uow.scope)
    term = session.exec(select(Term).where(
        Term.person_id == person.id, col(Term.department_code).in_(sorted(codes)),
        serving_clause(on))).first()
    if term is None or breach_behind(session, term, on) is None:
        return None
    grounds = [g.code for g in pack_for(session, term.department_code).termination_grounds
               if g.from_discipline]
    return grounds[0] if grounds else None


def breach_behind(session, term: Term, on: date) -> Discipline | None:
    """The latest recorded breach in ``term`` on or before ``on``: what a termination on
    the pack's discipline ground rests on, and what the terminate wizard offers."""
    return session.exec(select(Discipline).where(
        Discipline.term_id == term.id, Discipline.occurred_on <= on
    ).order_by(col(Discipline.occurred_on).desc(), col(Discipline.id).desc())).first()


def record_discipline(
    uow: UnitOfWork,
    ref: str | int,
    *,
    rule: str,
    occurred_on: date | None = None,
    note: str | None = None,
) -> DisciplinePublic:
    """A breach of a discipline rule by someone serving (in scope) on that day; the
    termination review then proposes the pack's discipline ground."""
    session = uow.session
    person = find_in_scope(uow, ref)
    day = check_not_future(occurred_on or date.today(), "--date")
    term = session.exec(select(Term).where(
        Term.person_id == person.id, col(Term.department_code).in_(sorted(uow.scope)),
        serving_clause(day))).first()
    if term is None:
        raise RuleViolation(t("supervisor.not_serving", person=_masked(person), on=day.isoformat()))
    pack = pack_for(session, term.department_code)
    code = pack.resolve("discipline_rules", clean_text(rule)).code
    row = Discipline(person_id=person.id, term_id=term.id, rule=code, occurred_on=day,
                     note=check_note(note, "--note"), created_at=clock.now())
    session.add(row)
    session.flush()
    public = discipline_public(session, row)
    uow.audit("discipline", "discipline", row.id, after=public.as_dict())
    return public


__all__ = [
    "RENEWAL_GRACE_DAYS", "ApproveResult", "approve", "offered_ground", "quota_of",
    "record_consent", "record_discipline", "recorded_consent", "renew", "terminate",
]

