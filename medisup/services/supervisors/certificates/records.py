"""Read models of certificates and the queries that build them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from medisup.models import Certificate, Department, Person, Term
from medisup.services.masking import mask_id_number
from medisup.services.supervisors.records import pack_for

if TYPE_CHECKING:
    from medisup.documents import CertificateText

ROLE_PREFIX = "医疗保障基金"
STATUSES = ("valid", "expired", "revoked", "replaced")

# ---------------------------------------------------------------- read model


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate with what it states; ``status`` is as of the day asked about."""

    id: int
    number: str
    status: str
    stored_status: str
    person_id: int
    name: str
    id_number: str
    department_code: str
    department_name: str
    role: str
    term_id: int
    term_start: date
    term_end: date
    issued_on: date
    revoked_on: date | None
    revoked_reason: str | None
    reissue_of: str | None
    reissue_reason: str | None
    verify_code: str

    def as_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not reveal:
            data["id_number"] = mask_id_number(self.id_number)
        return data

    def text(self) -> CertificateText:
        from medisup.documents import CertificateText

        return CertificateText(
            number=self.number, name=self.name, department=self.department_name,
            role=self.role, term_start=self.term_start, term_end=self.term_end,
            issued_on=self.issued_on, issuer=self.department_name,
            verify_code=self.verify_code)


@dataclass(frozen=True)
class Verdict:
    """The answer of ``certificate verify``: ``valid`` is the only good outcome."""

    outcome: str  # valid / expired / revoked / unknown / mismatch
    number: str
    record: CertificateRecord | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "valid"


def role_title(pack_title: str) -> str:
    """``社会监督员`` → ``医疗保障基金社会监督员`` (the full title printed on the certificate)."""
    return pack_title if pack_title.startswith(ROLE_PREFIX) else ROLE_PREFIX + pack_title


def status_on(stored: str, term: Term, as_of: date) -> str:
    if stored != "valid":
        return stored
    if term.terminated_on is not None and term.terminated_on <= as_of:
        return "expired"
    return "expired" if term.end_date < as_of else "valid"


def record_of(session: Session, cert: Certificate, term: Term, person: Person, dept: Department,
            as_of: date, *, roles: dict[str, str] | None = None) -> CertificateRecord:
    roles = roles if roles is not None else {}
    if dept.code not in roles:
        roles[dept.code] = role_title(pack_for(session, dept.code).role_title)
    previous = session.get(Certificate, cert.reissue_of) if cert.reissue_of else None
    return CertificateRecord(
        id=cert.id, number=cert.number, status=status_on(cert.status, term, as_of),
        stored_status=cert.status, person_id=person.id, name=person.name,
        id_number=person.id_number, department_code=dept.code, department_name=dept.name,
        role=roles[dept.code], term_id=term.id, term_start=term.start_date,
        term_end=term.end_date, issued_on=cert.issued_on, revoked_on=cert.revoked_on,
        revoked_reason=cert.revoked_reason, reissue_of=previous.number if previous else None,
        reissue_reason=cert.reissue_reason, verify_code=cert.verify_code)


def joined(session: Session):
    return (select(Certificate, Term, Person, Department)
            .join(Term, col(Term.id) == col(Certificate.term_id))
            .join(Person, col(Person.id) == col(Certificate.person_id))
            .join(Department, col(Department.code) == col(Certificate.department_code)))


def record_text(key: str, **params: Any) -> str:
    """Text stored in a record (a revocation reason): Chinese, whatever the user's language."""
    text = zh_text(key)
    return text.format(**params) if params else text


def zh_text(key: str) -> str:
    """Chinese text whatever the user's language: what the certificate records say."""
    from medisup.i18n import catalogue

    return catalogue("zh").get(key, key)
