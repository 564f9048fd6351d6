"""Test helpers for activities and reviews: people with terms, interests and
backgrounds written straight into the tables, and activities in one call."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from tests.helpers_leads import HOSPITAL, HOSPITAL_CODE, id_number  # noqa: F401

_names = itertools.count(1)


def person(env, *, dept: str = "150102", start: date = date(2024, 1, 1),
           end: date | None = None, terminated_on: date | None = None, renewed: bool = False,
           name: str | None = None, background: str | None = None, gender: str = "M",
           birth: date = date(1980, 1, 1), categories: tuple[str, ...] = ("insured",),
           interests: tuple[tuple[str, str | None], ...] = (), consent_on: date | None = None,
           ) -> tuple[int, str]:
    """A person with one term in ``dept`` (default two years from ``start``); returns
    (person id, ID number)."""
    from medisup.models import Interest, Person, PersonCategory, Term
    from medisup.packs import load_pack

    number = id_number(male=gender == "M")
    now = datetime.now(UTC)
    pack_name = "gx-trial" if dept.startswith("45") else "nm-2024"
    end = end or load_pack(pack_name).term_end(start)
    with env.uow(dept[:2] + "0000", command="test setup") as uow:
        row = Person(id_number=number, name=name or f"监督员{next(_names)}", gender=gender,
                     birth_date=birth, background=background, created_at=now, updated_at=now)
        uow.session.add(row)
        uow.session.flush()
        for code in categories:
            uow.session.add(PersonCategory(person_id=row.id, code=code))
        uow.session.add(Term(person_id=row.id, department_code=dept, start_date=start,
                             end_date=end, terminated_on=terminated_on, renewed=renewed,
                             consent_on=consent_on, created_at=now))
        for inst_name, code in interests:
            uow.session.add(Interest(person_id=row.id, institution_name=inst_name,
                                     credit_code=code, declared_on=start))
        pid = row.id
    return pid, number


def activity(env, *, dept: str = "150102", kind: str = "inspection", held_on: date,
             topic: str = "专项检查", participants=(), institutions=(), today: date | None = None,
             override_reason: str | None = None):
    from medisup.services import activities

    if kind in ("inspection", "mystery_visit") and not institutions:
        institutions = ((HOSPITAL, HOSPITAL_CODE),)
    with env.uow(dept, command="activity add") as uow:
        return activities.add(uow, activities.NewActivity(
            kind=kind, held_on=held_on, topic=topic, department=dept,
            institutions=list(institutions), participants=list(participants),
            override_reason=override_reason), today=today or date(2027, 1, 1))


def attend(env, number: str, *, dept: str = "150102", attended=(), absent=(),
           today: date = date(2027, 1, 1)):
    from medisup.services import activities

    with env.uow(dept, command="activity attend") as uow:
        return activities.attend(uow, number, attended=list(attended), absent=list(absent),
                                 today=today)
