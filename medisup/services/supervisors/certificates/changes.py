"""Changing certificates: revoke by hand, and reissue a linked copy under a suffixed
number (lost, damaged, details changed)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.models import Certificate, Department, Person, Term
from medisup.services.supervisors.certificates.issuing import write_certificates
from medisup.services.supervisors.certificates.lookups import find, show
from medisup.services.supervisors.certificates.records import CertificateRecord, zh_text
from medisup.services.supervisors.identity import clean_text

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

REISSUE_REASONS = ("lost", "damaged", "changed")

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
    cert, _ = find(uow, number, on, lock=True)
    uow.check_scope(cert.department_code)
    _require_valid(cert)
    _revoke_row(uow, cert, on=on, reason=text)
    return show(uow, cert.number, as_of=on)



def reissue_reason(value: str | None) -> str:
    """``遗失`` / ``lost`` → ``lost``: the reason of a reissue, by label or code."""
    text = clean_text(value)
    for code in REISSUE_REASONS:
        labels = {code, t(f"certificate.reissue_reason.{code}"),
                  zh_text(f"certificate.reissue_reason.{code}")}
        if text in labels:
            return code
    choices = "、".join(t(f"certificate.reissue_reason.{c}") for c in REISSUE_REASONS)
    raise InvalidValue("--reason", text, choices)



def reissue(uow: UnitOfWork, number: str, *, reason: str | None,
            on: date | None = None) -> CertificateRecord:
    """A linked copy under a suffixed number; the old certificate is withdrawn."""
    session = uow.session
    on = on or date.today()
    code = reissue_reason(reason)
    cert, record = find(uow, number, on, lock=True)
    uow.check_scope(cert.department_code)
    _require_valid(cert)
    if record.status == "expired":
        raise RuleViolation(t("certificate.reissue_expired", number=cert.number,
                              end=record.term_end.isoformat()))
    term = session.get(Term, cert.term_id)
    person = session.get(Person, cert.person_id)
    dept = session.get(Department, cert.department_code)
    new = write_certificates(uow, [(term, person, dept)], on, reissue=(cert, code))[0]
    _revoke_row(uow, cert, on=on, status="replaced",
                reason=t("certificate.replaced_by", number=new.number,
                         reason=zh_text(f"certificate.reissue_reason.{code}")))
    return new
