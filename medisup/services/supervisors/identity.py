"""A person's record checked without a database: ID number (GB 11643), the fields that must
agree with it, contact details, pack codes and credit codes (GB 32100).

Pure functions, so the Excel import checks a whole workbook with them before it opens a
session; each failure is an :class:`InvalidValue` naming the field, the value and what
was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from medisup import identifiers
from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.identifiers import Fault
from medisup.packs import Pack

GENDERS = ("M", "F")
_GENDER_WORDS = {
    "m": "M", "male": "M", "man": "M", "男": "M", "男性": "M",
    "f": "F", "female": "F", "woman": "F", "女": "F", "女性": "F",
}

# Text fields of the person record and their length limits (the table's columns).
TEXT_LIMITS = {"name": 50, "ethnicity": 20, "email": identifiers.EMAIL_MAX, "address": 200,
               "work_unit": 200}
PERSON_FIELDS = (
    "name", "id_number", "gender", "ethnicity", "birth_date", "phone", "email", "address",
    "work_unit", "background", "categories",
)
# What `supervisor update` may change; the ID number, and the gender and birth date that
# follow from it, never change.
UPDATABLE = ("name", "ethnicity", "phone", "email", "address", "work_unit", "background",
             "categories")
# What a later application or an import row refreshes on a person already known: not the
# name (it must match: the check that the ID number was not mistyped, :func:`rules.same_name`)
# and not the categories (added to, never replaced).
REFRESHED = tuple(f for f in UPDATABLE if f not in ("name", "categories"))


def field_label(name: str) -> str:
    """The user-language name of a person field, as error messages print it."""
    return t(f"supervisor.field.{name}")


def clean_text(value: Any) -> str:
    """Spaces (ideographic ones too) squeezed, ends trimmed; Chinese punctuation kept."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def clean_code(value: Any) -> str:
    """A code-like value (ID number, credit code, phone): full-width forms folded, every
    space removed (:func:`medisup.identifiers.fold`)."""
    if value is None:
        return ""
    return identifiers.fold(str(value))


# ---------------------------------------------------------------- ID numbers


@dataclass(frozen=True)
class IdInfo:
    """What a valid resident ID number says about its holder."""

    id_number: str
    birth_date: date
    gender: str  # "M" / "F"
    region_code: str
    region_known: bool


def normalise_id_number(value: Any) -> str:
    """Spaces and full-width digits removed, a trailing ``x`` upper-cased."""
    return clean_code(value).upper()


def parse_id_number(value: Any, *, today: date | None = None) -> IdInfo:
    """Check an 18-character resident ID number (GB 11643) and read birth date, gender and
    birthplace code from it.  A birthplace code missing from the division table is not an
    error: the table lags behind renamed counties, so ``region_known`` is only a warning.
    """
    from stdnum.cn import ric
    from stdnum.exceptions import InvalidComponent, ValidationError

    from medisup.services.masking import mask_id_number

    label = field_label("id_number")
    number = normalise_id_number(value)
    # A mistyped number is still someone's: the message shows it masked, as lists do.
    shown = mask_id_number(number) if len(number) > 10 else value
    checked = identifiers.id_number(number) if number else Fault.ID_SHAPE
    if checked.__class__ is Fault or checked is None:
        if len(number) != 18:
            raise InvalidValue(label, shown, t("identity.expect_id_length", length=len(number)))
        if checked is Fault.ID_CHECK:
            raise InvalidValue(label, shown, t("identity.expect_id_check"))
        raise InvalidValue(label, shown, t("identity.expect_id_format"))
    birth = identifiers.id_birth_date(number, today)
    if birth is None:
        raise InvalidValue(label, shown, t("identity.expect_id_birth"))
    try:
        ric.validate(number)
        known = True
    except (InvalidComponent, KeyError):
        # Checksum and date passed above: only the birthplace is unknown.  (stdnum raises
        # KeyError when the province is known but the county is not.)
        known = False
    except ValidationError:  # pragma: no cover - every other check was made above
        raise InvalidValue(label, shown, t("identity.expect_id_format")) from None
    return IdInfo(number, birth, identifiers.id_gender(number), number[:6], known)


def parse_gender(value: Any) -> str:
    """``M``/``F``, also 男/女 and male/female."""
    text = clean_text(value).casefold()
    found = _GENDER_WORDS.get(text)
    if found is None:
        raise InvalidValue(field_label("gender"), value, t("identity.expect_gender"))
    return found


def parse_birth_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(clean_code(value))
    except ValueError:
        raise InvalidValue(field_label("birth_date"), value, t("common.expect_date")) from None


def age_on(birth: date, day: date) -> int:
    """Age in full years (周岁) on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birthday(birth: date, age: int) -> date:
    """The day the person turns ``age``; a 29 February birthday falls on 1 March."""
    year = birth.year + age
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


# ---------------------------------------------------------------- other fields


def check_phone(value: Any) -> str | None:
    """A mobile number or a landline with area code, in the one canonical form
    (:func:`medisup.identifiers.phone`: ``0471-6612345``, extension ``0471-6612345-801``)."""
    if value is None:
        return None
    out = identifiers.phone(str(value))
    if out.__class__ is Fault:
        raise InvalidValue(field_label("phone"), value, t("identity.expect_phone"))
    return out


def check_email(value: Any) -> str | None:
    if value is None:
        return None
    out = identifiers.email(str(value))
    if out.__class__ is Fault:
        raise InvalidValue(field_label("email"), value, t("identity.expect_email"))
    return out


def check_text(name: str, value: Any, *, required: bool = False) -> str | None:
    text = clean_text(value)
    if not text:
        if required:
            raise InvalidValue(field_label(name), value or "", t("identity.expect_required"))
        return None
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        raise InvalidValue(field_label(name), text, t("identity.expect_length", limit=limit))
    return text


def check_code(pack: Pack, kind: str, value: Any) -> str:
    """A pack code, given as the code or its label."""
    return pack.resolve(kind, clean_text(value)).code


def check_categories(pack: Pack, values: Any) -> tuple[str, ...]:
    """One or more person categories (codes or labels, in a list or separated by 、,;)."""
    if isinstance(values, str):
        values = re.split(r"[、,，;；]+", values)
    codes: list[str] = []
    for value in values or ():
        if clean_text(value):
            code = check_code(pack, "categories", value)
            if code not in codes:
                codes.append(code)
    return tuple(codes)


# ---------------------------------------------------------------- unified social credit codes


def check_credit_code(value: Any, *, required: bool = True) -> str | None:
    """An 18-character unified social credit code (GB 32100), folded to upper case, its
    check character verified — for a person's declared interest, a lead's target and an
    activity's institution alike.  Empty is refused, or ``None`` when not ``required``."""
    out = identifiers.credit_code(str(value)) if value is not None else None
    if out is None and not required:
        return None
    if out is None or out is Fault.CREDIT_SHAPE:
        raise InvalidValue(field_label("credit_code"), value, t("identity.expect_credit_shape"))
    if out is Fault.CREDIT_CHECK:
        raise InvalidValue(field_label("credit_code"), value, t("identity.expect_credit_check"))
    return out


@dataclass(frozen=True)
class InterestData:
    """A declared interest checked: institution name and, where known, its credit code."""

    name: str
    credit_code: str | None


def check_interest(name: Any, credit_code: Any = None) -> InterestData:
    label = field_label("institution")
    text = clean_text(name)
    if not text or len(text) > 200:
        raise InvalidValue(label, name or "", t("identity.expect_institution"))
    code = check_credit_code(credit_code) if clean_code(credit_code) else None
    return InterestData(text, code)


def parse_interest(value: str) -> InterestData:
    """``名称:统一社会信用代码`` (full-width colon too); the code may be left out."""
    text = clean_text(value).replace("：", ":")
    name, sep, code = text.rpartition(":")
    if not sep:
        return check_interest(text)
    return check_interest(name, code)


# ---------------------------------------------------------------- the whole record


@dataclass(frozen=True)
class PersonData:
    """A person's record after checking; ``None`` means not given."""

    id_number: str
    name: str
    gender: str
    birth_date: date
    ethnicity: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    work_unit: str | None = None
    background: str | None = None
    categories: tuple[str, ...] = ()
    region_known: bool = True
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def record(self) -> dict[str, Any]:
        """The fields stored on the person (without the derived flags)."""
        data = asdict(self)
        data.pop("region_known")
        data.pop("warnings")
        data["categories"] = list(self.categories)
        return data


def check_fields(data: Mapping[str, Any], pack: Pack) -> dict[str, Any]:
    """Check only the fields present in ``data`` (an update); returns them normalised."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "name":
            out[key] = identifiers.fold_name(check_text("name", value, required=True))
        elif key in ("ethnicity", "address", "work_unit"):
            out[key] = check_text(key, value)
        elif key == "phone":
            out[key] = check_phone(value)
        elif key == "email":
            out[key] = check_email(value)
        elif key == "background":
            out[key] = check_code(pack, "backgrounds", value) if clean_text(value) else None
        elif key == "categories":
            out[key] = check_categories(pack, value)
        elif key == "gender":
            out[key] = parse_gender(value)
        elif key == "birth_date":
            out[key] = parse_birth_date(value)
        elif key == "id_number":
            out[key] = parse_id_number(value).id_number
        else:
            raise ValueError(f"unknown person field {key!r}")
    return out


def check_person(
    data: Mapping[str, Any], pack: Pack, on: date | None = None, *, need_categories: bool = True
) -> PersonData:
    """A whole record: the ID number valid, gender and birth date agreeing with it (taken
    from it when left out), codes from ``pack``, at least one category."""
    on = on or date.today()
    given = {k: v for k, v in data.items() if k in PERSON_FIELDS and v not in (None, "", ())}
    if "id_number" not in given:
        raise InvalidValue(field_label("id_number"), "", t("identity.expect_required"))
    if "name" not in given:
        raise InvalidValue(field_label("name"), "", t("identity.expect_required"))
    info = parse_id_number(given.pop("id_number"), today=on)
    checked = check_fields(given, pack)
    gender = checked.get("gender", info.gender)
    if gender != info.gender:
        raise InvalidValue(field_label("gender"), data.get("gender"),
                           t("identity.expect_gender_from_id", gender=t(f"supervisor.gender.{info.gender}")))
    birth = checked.get("birth_date", info.birth_date)
    if birth != info.birth_date:
        raise InvalidValue(field_label("birth_date"), data.get("birth_date"),
                           t("identity.expect_birth_from_id", birth=info.birth_date.isoformat()))
    categories = checked.get("categories", ())
    if need_categories and not categories:
        raise InvalidValue(field_label("categories"), "",
                           t("identity.expect_category", choices="、".join(pack.codes("categories"))))
    warnings = () if info.region_known else (
        t("identity.region_unknown", region=info.region_code),)
    return PersonData(
        id_number=info.id_number, name=checked["name"], gender=gender, birth_date=birth,
        ethnicity=checked.get("ethnicity"), phone=checked.get("phone"),
        email=checked.get("email"), address=checked.get("address"),
        work_unit=checked.get("work_unit"), background=checked.get("background"),
        categories=categories, region_known=info.region_known, warnings=warnings,
    )
