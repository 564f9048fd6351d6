"""Overlay layouts for pre-printed certificate stock (套打): where each field goes, in
millimetres from the top-left corner of the sheet, read from a TOML file a bureau edits."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medisup.errors import DataError
from medisup.i18n import t

DEFAULT = "overlay.toml"
# Every field an overlay may place; the text of each comes from the certificate.
FIELDS = (
    "name", "department", "role", "appointment", "term", "term_start", "term_end",
    "start_year", "start_month", "start_day", "end_year", "end_month", "end_day",
    "issuer", "issued_on", "number", "verify_code", "qr",
)
ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class Placement:
    field: str
    x: float
    y: float
    size: float  # points for text; millimetres (side) for the QR code
    align: str = "left"


@dataclass(frozen=True)
class Layout:
    path: str
    width: float
    height: float
    offset_x: float
    offset_y: float
    placements: tuple[Placement, ...]


def default_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("medisup.documents") / "layouts" / DEFAULT))


def _number(table: dict[str, Any], key: str, where: str, path: Path, default: float | None = None,
            low: float = -1000, high: float = 1000) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise DataError(t("certificate.layout_bad", path=path, key=f"{where}.{key}",
                          value=value, expected=f"{low}–{high}"))
    return float(value)


def load(path: str | Path | None = None) -> Layout:
    """Read and check a layout file (default: the one shipped with medisup)."""
    path = Path(path).expanduser() if path else default_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(t("certificate.layout_unreadable", path=path, problem=exc)) from None
    page = data.get("page", {})
    fields = data.get("fields", {})
    if not isinstance(page, dict) or not isinstance(fields, dict) or not fields:
        raise DataError(t("certificate.layout_bad", path=path, key="fields", value="—",
                          expected=t("certificate.layout_expect_fields")))
    placements = []
    for name, spec in fields.items():
        if name not in FIELDS or not isinstance(spec, dict):
            raise DataError(t("certificate.layout_bad", path=path, key=f"fields.{name}",
                              value=name, expected="、".join(FIELDS)))
        where = f"fields.{name}"
        align = spec.get("align", "left")
        if align not in ALIGNS:
            raise DataError(t("certificate.layout_bad", path=path, key=f"{where}.align",
                              value=align, expected=" / ".join(ALIGNS)))
        placements.append(Placement(
            name, _number(spec, "x", where, path, low=0, high=1000),
            _number(spec, "y", where, path, low=0, high=1000),
            _number(spec, "size", where, path, 16, low=4, high=200), align))
    return Layout(
        path=str(path),
        width=_number(page, "width", "page", path, 297, low=50, high=1000),
        height=_number(page, "height", "page", path, 210, low=50, high=1000),
        offset_x=_number(page, "offset_x", "page", path, 0, low=-50, high=50),
        offset_y=_number(page, "offset_y", "page", path, 0, low=-50, high=50),
        placements=tuple(placements))


def field_text(field: str, doc) -> str:
    """The text an overlay prints for ``field`` of certificate ``doc``."""
    from medisup.documents.dates import chinese_date, term_date

    values = {
        "name": doc.name, "department": doc.department, "role": doc.role,
        "appointment": doc.department + doc.role,
        "term": f"{term_date(doc.term_start)}至{term_date(doc.term_end)}",
        "term_start": term_date(doc.term_start), "term_end": term_date(doc.term_end),
        "start_year": str(doc.term_start.year), "start_month": str(doc.term_start.month),
        "start_day": str(doc.term_start.day), "end_year": str(doc.term_end.year),
        "end_month": str(doc.term_end.month), "end_day": str(doc.term_end.day),
        "issuer": doc.issuer, "issued_on": chinese_date(doc.issued_on),
        "number": doc.number, "verify_code": doc.verify_code,
    }
    return values.get(field, "")
