"""Reading certificates: show, list with filters, and verify a printed copy."""

from __future__ import annotations

import hmac
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import col

from medisup.errors import InvalidValue, NotFound
from medisup.i18n import t
from medisup.models import Certificate
from medisup.services.departments import check_department
from medisup.services.supervisors.certificates.codes import ensure_secret, make_code, normalise_code
from medisup.services.supervisors.certificates.records import (
    STATUSES,
    CertificateRecord,
    Verdict,
    joined,
    record_of,
)
from medisup.services.supervisors.identity import clean_text

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

# ---------------------------------------------------------------- lookups


def find(uow: UnitOfWork, number: str, as_of: date, *, scoped: bool = True,
          lock: bool = False) -> tuple[Certificate, CertificateRecord]:
    text = clean_text(number).upper()
    query = joined(uow.session).where(Certificate.number == text)
    if lock:
        query = query.with_for_update(of=Certificate)
    row = uow.session.exec(query).first()
    if row is None or (scoped and row[0].department_code not in uow.scope):
        raise NotFound(t("certificate.not_found", number=number))
    cert, term, person, dept = row
    return cert, record_of(uow.session, cert, term, person, dept, as_of)


def show(uow: UnitOfWork, number: str, *, as_of: date | None = None) -> CertificateRecord:
    return find(uow, number, as_of or date.today())[1]


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
    query = joined(session).where(col(Certificate.department_code).in_(codes))
    if year is not None:
        query = query.where(col(Certificate.issued_on) >= date(year, 1, 1),
                            col(Certificate.issued_on) <= date(year, 12, 31))
    roles: dict[str, str] = {}
    out = []
    for cert, term, person, dept in session.exec(query.order_by(col(Certificate.number))):
        record = record_of(session, cert, term, person, dept, as_of, roles=roles)
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
        cert, record = find(uow, text, as_of, scoped=False)
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
