"""Plain read models of a person's supervisor history — what every supervisor use case
returns — and the conversions from table rows into them, labelled from the packs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.models import (
    Application,
    Certificate,
    Discipline,
    Finding,
    Interest,
    Person,
    PersonCategory,
    Term,
    Termination,
)
from medisup.packs import Pack, one_of
from medisup.services.masking import mask_birth_date, mask_id_number, mask_phone
from medisup.services.supervisors.identity import clean_text

STATUSES = ("pending", "appointed", "serving", "terminated", "expired", "rejected")


def status_label(code: str) -> str:
    return t(f"supervisor.status.{code}")


def parse_status(value: str) -> str:
    """A status code, or its label in either language."""
    from medisup.i18n import catalogue

    text = clean_text(value)
    for code in STATUSES:
        names = {code, catalogue("zh").get(f"supervisor.status.{code}"),
                 catalogue("en").get(f"supervisor.status.{code}")}
        if text.casefold() in {n.casefold() for n in names if n}:
            return code
    raise InvalidValue("--status", value, one_of(STATUSES))


def pack_for(session: Session, code: str) -> Pack:
    from medisup.services.departments import pack_of

    return pack_of(session, code)


def item_text(pack: Pack, kind: str, code: str | None, *, short: bool = True) -> str | None:
    """A code's label, or the code itself if the pack no longer lists it."""
    if code is None:
        return None
    try:
        return pack.item(kind, code).text(short=short)
    except InvalidValue:
        return code


def item_article(pack: Pack, kind: str, code: str) -> str:
    try:
        return pack.item(kind, code).cite()
    except InvalidValue:
        return ""


# ---------------------------------------------------------------- read models


@dataclass(frozen=True)
class PersonPublic:
    id: int
    id_number: str
    name: str
    gender: str
    birth_date: date
    ethnicity: str | None
    phone: str | None
    email: str | None
    address: str | None
    work_unit: str | None
    background: str | None
    categories: tuple[str, ...]

    def masked(self) -> PersonPublic:
        return replace(self, id_number=mask_id_number(self.id_number) or "",
                       phone=mask_phone(self.phone), birth_date=mask_birth_date(self.birth_date))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FindingPublic:
    criterion: str
    result: str
    label: str
    article: str
    note: str | None
    automatic: bool
    preferred: bool = False


@dataclass(frozen=True)
class ApplicationPublic:
    id: int
    person_id: int
    department_code: str
    pack: str
    channel: str
    channel_label: str
    recommending_body: str | None
    recommending_body_label: str | None
    applied_on: date
    status: str
    decided_on: date | None
    decision_note: str | None
    override_reason: str | None
    findings: tuple[FindingPublic, ...] = ()
    # the recruitment record and health (nm Art. 6, gx Art. 3(四), Art. 4)
    health_status: str | None = None
    health_status_label: str | None = None
    recruitment_ref: str | None = None
    form_on: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TermPublic:
    id: int
    person_id: int
    department_code: str
    number: int
    start_date: date
    end_date: date
    consent_on: date | None
    renewed: bool
    terminated_on: date | None
    application_id: int | None
    renewal_consent_on: date | None = None  # consent to renew, given during this term

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TerminationPublic:
    id: int
    term_id: int
    person_id: int
    department_code: str
    ground: str
    label: str
    article: str
    effective_on: date
    note: str | None
    referral: str | None
    automatic: bool
    revoked_certificates: tuple[str, ...] = ()
    # the recorded breach a termination on the discipline ground rests on
    discipline_id: int | None = None
    breach: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DisciplinePublic:
    id: int
    person_id: int
    term_id: int | None
    department_code: str | None
    rule: str
    label: str
    article: str
    occurred_on: date
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CertificatePublic:
    id: int
    number: str
    term_id: int
    department_code: str
    issued_on: date
    status: str
    revoked_on: date | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class InterestPublic:
    id: int
    person_id: int
    institution_name: str
    credit_code: str | None
    declared_on: date
    withdrawn_on: date | None
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- conversions


def categories_of(session: Session, person_id: int) -> tuple[str, ...]:
    rows = session.exec(
        select(PersonCategory.code).where(PersonCategory.person_id == person_id)
        .order_by(col(PersonCategory.code))
    )
    return tuple(rows)


def person_public(session: Session, person: Person) -> PersonPublic:
    return PersonPublic(
        id=person.id, id_number=person.id_number, name=person.name, gender=person.gender,
        birth_date=person.birth_date, ethnicity=person.ethnicity, phone=person.phone,
        email=person.email, address=person.address, work_unit=person.work_unit,
        background=person.background, categories=categories_of(session, person.id),
    )


def person_snapshot(session: Session, person: Person) -> dict[str, Any]:
    data = person_public(session, person).as_dict()
    data["categories"] = list(data["categories"])
    return data


def finding_public(pack: Pack, row: Finding) -> FindingPublic:
    from medisup.services.supervisors.eligibility import AUTO_CODES

    if row.criterion in AUTO_CODES:
        label = t(f"eligibility.check.{row.criterion}")
        article = _auto_article(pack, row.criterion)
        preferred = False
    else:
        label = item_text(pack, "criteria", row.criterion) or row.criterion
        article = item_article(pack, "criteria", row.criterion)
        try:
            preferred = pack.item("criteria", row.criterion).preferred
        except InvalidValue:
            preferred = False
    return FindingPublic(row.criterion, row.result, label, article, row.note, row.automatic,
                         preferred)


def _auto_article(pack: Pack, code: str) -> str:
    if code == "id_valid":
        cited = [c.cite() for c in pack.criteria if c.auto == "citizen_id"]
        return cited[0] if cited else t("eligibility.article.id")
    if code == "age":
        return pack.age_article or ""
    if code == "not_serving":
        return t("eligibility.article.one_post")
    articles = [g.cite() for g in pack.termination_grounds if g.blocks_reapplication]
    return "、".join(articles) or t("eligibility.article.blocking")


def findings_of(session: Session, application_id: int) -> list[Finding]:
    return list(session.exec(
        select(Finding).where(Finding.application_id == application_id).order_by(col(Finding.id))
    ))


def application_public(session: Session, app: Application, *, with_findings: bool = True
                       ) -> ApplicationPublic:
    pack = pack_for(session, app.department_code)
    body_label = app.recommending_body
    if app.recommending_body and pack.recommending_bodies:
        body_label = item_text(pack, "recommending_bodies", app.recommending_body)
    findings = tuple(finding_public(pack, f) for f in findings_of(session, app.id)) \
        if with_findings else ()
    return ApplicationPublic(
        id=app.id, person_id=app.person_id, department_code=app.department_code,
        pack=pack.name, channel=app.channel,
        channel_label=item_text(pack, "channels", app.channel) or app.channel,
        recommending_body=app.recommending_body, recommending_body_label=body_label,
        applied_on=app.applied_on, status=app.status, decided_on=app.decided_on,
        decision_note=app.decision_note, override_reason=app.override_reason,
        findings=findings, health_status=app.health_status,
        health_status_label=pack.display("health_statuses", app.health_status),
        recruitment_ref=app.recruitment_ref, form_on=app.form_on,
    )


def application_snapshot(session: Session, app: Application) -> dict[str, Any]:
    data = {
        "id": app.id, "person_id": app.person_id, "department_code": app.department_code,
        "channel": app.channel, "recommending_body": app.recommending_body,
        "applied_on": app.applied_on, "status": app.status, "decided_on": app.decided_on,
        "decision_note": app.decision_note, "override_reason": app.override_reason,
        "health_status": app.health_status, "recruitment_ref": app.recruitment_ref,
        "form_on": app.form_on,
    }
    data["findings"] = [
        {"criterion": f.criterion, "result": f.result, "note": f.note, "automatic": f.automatic}
        for f in findings_of(session, app.id)
    ]
    return data


def term_public(term: Term) -> TermPublic:
    return TermPublic(
        id=term.id, person_id=term.person_id, department_code=term.department_code,
        number=term.number, start_date=term.start_date, end_date=term.end_date,
        consent_on=term.consent_on, renewed=term.renewed, terminated_on=term.terminated_on,
        application_id=term.application_id, renewal_consent_on=term.renewal_consent_on,
    )


def term_snapshot(term: Term) -> dict[str, Any]:
    return term_public(term).as_dict()


def termination_public(session: Session, row: Termination, *, revoked: tuple[str, ...] = ()
                       ) -> TerminationPublic:
    term = session.get(Term, row.term_id)
    pack = pack_for(session, term.department_code)
    return TerminationPublic(
        id=row.id, term_id=row.term_id, person_id=row.person_id,
        department_code=term.department_code, ground=row.ground,
        label=item_text(pack, "termination_grounds", row.ground) or row.ground,
        article=item_article(pack, "termination_grounds", row.ground),
        effective_on=row.effective_on, note=row.note, referral=row.referral,
        automatic=row.automatic, revoked_certificates=revoked,
        discipline_id=row.discipline_id, breach=_breach_text(session, pack, row.discipline_id),
    )


def _breach_text(session: Session, pack: Pack, discipline_id: int | None) -> str | None:
    """The breach a termination rests on, for people: its number, rule and date."""
    if discipline_id is None:
        return None
    breach = session.get(Discipline, discipline_id)
    if breach is None:
        return f"#{discipline_id}"
    return t("supervisor.breach_text", id=breach.id, on=breach.occurred_on.isoformat(),
             rule=item_text(pack, "discipline_rules", breach.rule) or breach.rule)


def discipline_public(session: Session, row: Discipline) -> DisciplinePublic:
    term = session.get(Term, row.term_id) if row.term_id else None
    dept = term.department_code if term else None
    pack = pack_for(session, dept) if dept else None
    return DisciplinePublic(
        id=row.id, person_id=row.person_id, term_id=row.term_id, department_code=dept,
        rule=row.rule,
        label=(item_text(pack, "discipline_rules", row.rule) if pack else row.rule) or row.rule,
        article=item_article(pack, "discipline_rules", row.rule) if pack else "",
        occurred_on=row.occurred_on, note=row.note,
    )


def certificate_public(row: Certificate) -> CertificatePublic:
    return CertificatePublic(
        id=row.id, number=row.number, term_id=row.term_id, department_code=row.department_code,
        issued_on=row.issued_on, status=row.status, revoked_on=row.revoked_on,
    )


def interest_public(row: Interest) -> InterestPublic:
    return InterestPublic(
        id=row.id, person_id=row.person_id, institution_name=row.institution_name,
        credit_code=row.credit_code, declared_on=row.declared_on,
        withdrawn_on=row.withdrawn_on, note=row.note,
    )
