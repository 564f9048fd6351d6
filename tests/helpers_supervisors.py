"""Test helpers for supervisors: valid ID numbers and credit codes, and a serving
supervisor in one call (other features' tests reuse :func:`appoint`)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

_ID_CHECK = "10X98765432"
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_sequence = itertools.count(11)


def make_id(region: str = "150102", birth: str = "19900101", seq: int | None = None,
            *, female: bool = False) -> str:
    """A valid 18-character ID number; ``seq`` (3 digits) odd for men, even for women."""
    if seq is None:
        seq = next(_sequence) * 2 % 1000  # a fresh even number each call
    seq = (seq // 2) * 2 + (0 if female else 1)
    body = f"{region}{birth}{seq % 1000:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + _ID_CHECK[total % 11]


def make_credit_code(body: str = "91150102MA0N12345") -> str:
    """A unified social credit code with a correct check character (GB 32100)."""
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_ALPHABET[(31 - total % 31) % 31]


PERSON = {
    "name": "张三",
    "phone": "13812345678",
    "work_unit": "新城区某社区 主任",
    "categories": ["insured"],
}


def person(id_number: str | None = None, **changes) -> dict:
    """A person record for :func:`supervisors.apply`."""
    data = dict(PERSON, id_number=id_number or make_id())
    data.update(changes)
    return data


def apply(env, dept: str = "150102", id_number: str | None = None, *, name: str = "张三",
          applied_on: date | None = None, channel: str = "open", all_met: bool = True,
          **options):
    """Record an application with every criterion met; returns the ApplyResult."""
    from medisup.services import supervisors

    extra = {k: options.pop(k) for k in list(options) if k in (
        "phone", "categories", "work_unit", "gender", "birth_date", "ethnicity", "email",
        "address", "background")}
    applied_on = applied_on or date.today() - timedelta(days=40)
    with env.uow(dept) as uow:
        return supervisors.apply(uow, person(id_number, name=name, **extra), channel=channel,
                                 department=dept, applied_on=applied_on, all_met=all_met,
                                 **options)


def appoint(env, dept: str = "150102", id_number: str | None = None, name: str = "张三",
            start: date | None = None, *, applied_on: date | None = None,
            channel: str | None = None, recommending_body: str | None = None,
            categories: list[str] | None = None) -> int:
    """Apply and approve: a supervisor serving in ``dept`` from ``start`` (default: 30 days
    ago, so serving today); returns the person id."""
    from medisup.services import supervisors

    id_number = id_number or make_id()
    start = start or date.today() - timedelta(days=30)
    applied_on = applied_on or min(start, date.today()) - timedelta(days=5)
    apply(env, dept, id_number, name=name, applied_on=applied_on, channel=channel or "open",
          recommending_body=recommending_body, categories=categories or ["insured"])
    with env.uow(dept) as uow:
        result = supervisors.approve(uow, id_number, department=dept, start=start,
                                     on=min(start, date.today()))
    return result.person.id
