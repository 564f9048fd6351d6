"""The QR code on a certificate: its payload (number and verification code) and its
modules, drawn as vector squares so the code prints sharp at any size."""

from __future__ import annotations

PREFIX = "MEDISUP-CERT"


def payload(number: str, code: str) -> str:
    """``MEDISUP-CERT:150102-2026-0007:7KQ2M9XD``: what a phone reads off the certificate.

    Upper-case letters, digits, ``-`` and ``:`` only, so the symbol uses the compact
    alphanumeric mode and stays small."""
    return f"{PREFIX}:{number}:{code}"


def parse(text: str) -> tuple[str, str] | None:
    """The number and code of a scanned payload, or ``None`` if it is not one."""
    head, _, rest = text.strip().partition(":")
    number, _, code = rest.rpartition(":")
    if head.upper() == PREFIX and number and code:
        return number, code
    return None


def runs(text: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The symbol's size in modules (with a two-module quiet zone) and its dark runs
    ``(row, col, length)``, one rectangle per horizontal run."""
    import re

    import segno

    # A fixed mask skips segno's scoring of all eight, the bulk of its time; any mask
    # gives a valid symbol.  Version 3 holds any certificate payload (up to 61
    # alphanumeric characters); fixing it gives every certificate the same symbol size.
    qr = segno.make_qr(text, error="m", mask=0, version=3 if len(text) <= 61 else None)
    border = 2
    dark = re.compile(rb"[^\x00]+")
    out = [(y + border, m.start() + border, m.end() - m.start())
           for y, row in enumerate(qr.matrix) for m in dark.finditer(bytes(row))]
    return len(qr.matrix) + 2 * border, out
