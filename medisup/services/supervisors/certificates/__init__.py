"""Appointment certificates (聘书, Art. 10(一)): issue for a term, batch issue for every
term not yet certified, numbering from the counters, verification codes, verify, revoke
and reissue.  Rendering is not done here: services return :class:`CertificateRecord`
read models whose :meth:`~CertificateRecord.text` the document adapters print."""

from medisup.services.supervisors.certificates.changes import (
    REISSUE_REASONS,
    reissue,
    reissue_reason,
    revoke,
)
from medisup.services.supervisors.certificates.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    SECRET_NAME,
    ensure_secret,
    make_code,
    normalise_code,
)
from medisup.services.supervisors.certificates.issuing import (
    counter_name,
    issue,
    issue_pending,
    pending,
)
from medisup.services.supervisors.certificates.lookups import list_certificates, show, verify
from medisup.services.supervisors.certificates.records import (
    ROLE_PREFIX,
    STATUSES,
    CertificateRecord,
    Verdict,
    record_text,
    role_title,
    status_on,
)

__all__ = [
    "CODE_ALPHABET", "CODE_LENGTH", "REISSUE_REASONS", "ROLE_PREFIX", "SECRET_NAME", "STATUSES",
    "CertificateRecord", "Verdict", "counter_name", "ensure_secret", "issue", "issue_pending",
    "list_certificates", "make_code", "normalise_code", "pending", "record_text", "reissue",
    "reissue_reason", "revoke", "role_title", "show", "status_on", "verify",
]
