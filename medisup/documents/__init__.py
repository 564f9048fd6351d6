"""Certificate documents: what a certificate says (:class:`CertificateText`) and the
adapters that render it to PDF (fpdf2) and DOCX (docxtpl), with the fonts they embed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CertificateText:
    """Everything printed on one certificate, already resolved to text and dates."""

    number: str
    name: str
    department: str
    role: str
    term_start: date
    term_end: date
    issued_on: date
    issuer: str
    verify_code: str

    @property
    def qr_payload(self) -> str:
        from medisup.documents.qr import payload

        return payload(self.number, self.verify_code)

    def printed_text(self) -> dict[str, str]:
        """The free-text fields whose every character must exist in the font."""
        return {"name": self.name, "department": self.department, "role": self.role,
                "issuer": self.issuer}
