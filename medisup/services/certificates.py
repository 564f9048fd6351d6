"""Appointment certificates (聘书, Art. 10(一)): issue for a term, batch issue for every
term not yet certified, numbering from the counters, verification codes, verify, revoke
and reissue.  Rendering is not done here: services return :class:`CertificateRecord`
read models whose :meth:`~CertificateRecord.text` the document adapters print."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from medisup.errors import InvalidValue, NotFound, RuleViolation
from medisup.i18n import t
from medisup.models import Certificate, DatabaseSecret, Department, Person, Term
from medisup.services import counters
from medisup.services.identity import clean_text
from medisup.services.masking import mask_id_number
from medisup.services.people import check_department, find_in_scope, terms_of
from medisup.services.supervisor_records import now, pack_for

if TYPE_CHECKING:
    from medisup.documents import CertificateText
    from medisup.services.uow import UnitOfWork

SECRET_NAME = "certificate_code"
# No 0/O, 1/I/L: a code read off paper and typed back must not be ambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
ROLE_PREFIX = "医疗保障基金"
REISSUE_REASONS = ("lost", "damaged", "changed")
STATUSES = ("valid", "expired", "revoked", "replaced")
_SUFFIX = re.compile(r"-R(\d+)$")


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


def _record(session: Session, cert: Certificate, term: Term, person: Person, dept: Department,
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


def _joined(session: Session):
    return (select(Certificate, Term, Person, Department)
            .join(Term, col(Term.id) == col(Certificate.term_id))
            .join(Person, col(Person.id) == col(Certificate.person_id))
            .join(Department, col(Department.code) == col(Certificate.department_code)))


# ---------------------------------------------------------------- secret and codes


def ensure_secret(session: Session) -> str:
    """The database's key for verification codes, created on first use (``init`` creates
    it; a database upgraded from an earlier release gets it when it is first needed)."""
    row = session.get(DatabaseSecret, SECRET_NAME)
    if row is None:
        try:
            with session.begin_nested():
                session.add(DatabaseSecret(name=SECRET_NAME, value=secrets.token_hex(32),
                                           created_at=now()))
        except IntegrityError:  # another writer created it first
            pass
        row = session.get(DatabaseSecret, SECRET_NAME)
        assert row is not None
    return row.value


def make_code(secret: str, *, number: str, id_number: str, term_start: date, term_end: date,
              department: str) -> str:
    """Eight characters derived from the certificate's facts and the database secret: a
    forged or altered certificate cannot carry a code that verifies."""
    message = "|".join((number, id_number, term_start.isoformat(), term_end.isoformat(),
                        department)).encode()
    value = int.from_bytes(hmac.new(secret.encode(), message, hashlib.sha256).digest(), "big")
    chars = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def normalise_code(value: str) -> str:
    return re.sub(r"[\s\-－]", "", value or "").upper()


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


def _write(uow: UnitOfWork, items: list[tuple[Term, Person, Department]], on: date,
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
            created_at=now())
        session.add(cert)
        session.flush()
        uow.audit("reissue" if reissue else "issue", "certificate", number, after={
            "number": number, "term_id": term.id, "person_id": person.id,
            "department_code": dept.code, "issued_on": on, "status": "valid",
            "reissue_of": reissue[0].number if reissue else None,
            "reissue_reason": reissue[1] if reissue else None})
        out.append(_record(session, cert, term, person, dept, on, roles=roles))
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
    return _write(uow, [(term, person, dept)], on)[0]


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
    return _write(uow, items, on) if items else []


# ---------------------------------------------------------------- lookups


def _find(uow: UnitOfWork, number: str, as_of: date, *, scoped: bool = True,
          lock: bool = False) -> tuple[Certificate, CertificateRecord]:
    text = clean_text(number).upper()
    query = _joined(uow.session).where(Certificate.number == text)
    if lock:
        query = query.with_for_update(of=Certificate)
    row = uow.session.exec(query).first()
    if row is None or (scoped and row[0].department_code not in uow.scope):
        raise NotFound(t("certificate.not_found", number=number))
    cert, term, person, dept = row
    return cert, _record(uow.session, cert, term, person, dept, as_of)


def show(uow: UnitOfWork, number: str, *, as_of: date | None = None) -> CertificateRecord:
    return _find(uow, number, as_of or date.today())[1]


def list_certificates(uow: UnitOfWork, *, department: str | None = None,
                      status: str | None = None, year: int | None = None,
                      as_of: date | None = None) -> list[CertificateRecord]:
    from medisup.services.departments import subtree_codes

    as_of = as_of or date.today()
    if status is not None and status not in STATUSES:
        raise InvalidValue("--status", status, " / ".join(STATUSES))
    session = uow.session
    codes = sorted(subtree_codes(session, check_department(uow, department).code)
                   if department else uow.scope)
    query = _joined(session).where(col(Certificate.department_code).in_(codes))
    if year is not None:
        query = query.where(col(Certificate.issued_on) >= date(year, 1, 1),
                            col(Certificate.issued_on) <= date(year, 12, 31))
    roles: dict[str, str] = {}
    out = []
    for cert, term, person, dept in session.exec(query.order_by(col(Certificate.number))):
        record = _record(session, cert, term, person, dept, as_of, roles=roles)
        if status is None or record.status == status or (
                status == "revoked" and record.status == "replaced"):
            out.append(record)
    return out


def verify(uow: UnitOfWork, number: str, code: str | None = None, *,
           as_of: date | None = None) -> Verdict:
    """Check a printed certificate: known, in force, and (given a code) genuine."""
    from medisup.documents.qr import parse

    as_of = as_of or date.today()
    scanned = parse(number)
    if scanned:
        number, code = scanned[0], code or scanned[1]
    text = clean_text(number).upper()
    try:
        cert, record = _find(uow, text, as_of, scoped=False)
    except NotFound:
        return Verdict("unknown", text)
    if code is not None:
        secret = ensure_secret(uow.session)
        expected = make_code(secret, number=record.number, id_number=record.id_number,
                             term_start=record.term_start, term_end=record.term_end,
                             department=record.department_code)
        given = normalise_code(code)
        if not (hmac.compare_digest(given, expected)
                and hmac.compare_digest(given, cert.verify_code)):
            return Verdict("mismatch", text, record)
    outcome = "revoked" if record.status in ("revoked", "replaced") else record.status
    return Verdict(outcome, text, record)


# ---------------------------------------------------------------- revoke and reissue


def _check_reason(value: str | None, field: str) -> str:
    text = clean_text(value)
    if not text:
        raise InvalidValue(field, "", t("certificate.expect_reason"))
    if len(text) > 500:
        raise InvalidValue(field, text[:20] + "…", t("identity.expect_length", limit=500))
    return text


def _require_valid(cert: Certificate) -> None:
    if cert.status != "valid":
        raise RuleViolation(t("certificate.not_valid", number=cert.number,
                              status=t(f"certificate.status.{cert.status}"),
                              on=cert.revoked_on.isoformat() if cert.revoked_on else "—"))


def _revoke_row(uow: UnitOfWork, cert: Certificate, *, on: date, reason: str,
                status: str = "revoked") -> None:
    before = {"number": cert.number, "status": cert.status, "revoked_on": None,
              "revoked_reason": None}
    cert.status, cert.revoked_on, cert.revoked_reason = status, on, reason
    uow.session.add(cert)
    uow.session.flush()
    uow.audit("revoke", "certificate", cert.number, before=before,
              after={"number": cert.number, "status": status, "revoked_on": on,
                     "revoked_reason": reason})


def revoke(uow: UnitOfWork, number: str, *, reason: str | None,
           on: date | None = None) -> CertificateRecord:
    on = on or date.today()
    text = _check_reason(reason, "--reason")
    cert, _ = _find(uow, number, on, lock=True)
    uow.check_scope(cert.department_code)
    _require_valid(cert)
    _revoke_row(uow, cert, on=on, reason=text)
    return show(uow, cert.number, as_of=on)


def record_text(key: str, **params: Any) -> str:
    """Text stored in a record (a revocation reason): Chinese, whatever the user's language."""
    text = _zh(key)
    return text.format(**params) if params else text


def _zh(key: str) -> str:
    """Chinese text whatever the user's language: what the certificate records say."""
    from medisup.i18n import catalogue

    return catalogue("zh").get(key, key)


def reissue_reason(value: str | None) -> str:
    """``遗失`` / ``lost`` → ``lost``: the reason of a reissue, by label or code."""
    text = clean_text(value)
    for code in REISSUE_REASONS:
        labels = {code, t(f"certificate.reissue_reason.{code}"),
                  _zh(f"certificate.reissue_reason.{code}")}
        if text in labels:
            return code
    choices = "、".join(t(f"certificate.reissue_reason.{c}") for c in REISSUE_REASONS)
    raise InvalidValue("--reason", text, choices)


def _reissue_number(session: Session, number: str) -> str:
    """``150102-2026-0007`` → ``150102-2026-0007-R1``, then ``-R2`` …, never reused."""
    base = _SUFFIX.sub("", number)
    taken = session.exec(select(Certificate.number).where(
        col(Certificate.number).like(f"{base}-R%"))).all()
    highest = max((int(m.group(1)) for n in taken if (m := _SUFFIX.search(n))), default=0)
    return f"{base}-R{highest + 1}"


def reissue(uow: UnitOfWork, number: str, *, reason: str | None,
            on: date | None = None) -> CertificateRecord:
    """A linked copy under a suffixed number; the old certificate is withdrawn."""
    session = uow.session
    on = on or date.today()
    code = reissue_reason(reason)
    cert, record = _find(uow, number, on, lock=True)
    uow.check_scope(cert.department_code)
    _require_valid(cert)
    if record.status == "expired":
        raise RuleViolation(t("certificate.reissue_expired", number=cert.number,
                              end=record.term_end.isoformat()))
    term = session.get(Term, cert.term_id)
    person = session.get(Person, cert.person_id)
    dept = session.get(Department, cert.department_code)
    new = _write(uow, [(term, person, dept)], on, reissue=(cert, code))[0]
    _revoke_row(uow, cert, on=on, status="replaced",
                reason=t("certificate.replaced_by", number=new.number,
                         reason=_zh(f"certificate.reissue_reason.{code}")))
    return new
