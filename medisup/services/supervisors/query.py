"""The one selection of the roster behind ``supervisor list`` and ``export supervisors``:
who applied or served in a department subtree, with their status on a day (replayed from
applications and terms by :func:`rules.status_at`), filtered and in list order.

Rows are Core rows as named tuples, never ORM objects: a roster of a hundred thousand
people is read in a few queries and one pass.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import case, func, null, select, true

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.models import Application, Department, Person, PersonCategory, Term
from medisup.services.supervisors.identity import clean_text
from medisup.services.supervisors.records import pack_for, parse_status
from medisup.services.supervisors.rules import application_of, status_at

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

# Rows of the roster queries; attribute access on a named tuple costs a tenth of a Row's.
App = namedtuple("App", "id person_id department_code channel recommending_body applied_on "
                          "status decided_on")
TermRow = namedtuple("TermRow", "id person_id department_code application_id number start_date "
                            "end_date terminated_on created_at")
PersonRow = namedtuple("PersonRow", "id id_number name gender ethnicity birth_date phone email "
                                "address work_unit background")


class Entry(NamedTuple):
    """One person in one department, in the list's order (department, name, ID number)."""

    department: str
    name: str
    id_number: str
    person: PersonRow
    status: str
    term: TermRow | None
    application: App | None


@dataclass(frozen=True)
class Scope:
    """The departments an export covers, and how to pick their people in SQL."""

    codes: list[str]
    everyone: bool  # the subtree is the whole database: no need to filter people

    def people(self, person_id: Any) -> Any:
        """Condition on a person-id column: someone who applied or served in the subtree."""
        if self.everyone:
            return true()
        a, m = Application.__table__.c, Term.__table__.c
        return person_id.in_(select(a.person_id).where(a.department_code.in_(self.codes))
                             .union(select(m.person_id).where(m.department_code.in_(self.codes))))

    def terms(self, term_id: Any) -> Any:
        """Condition on a term-id column: a term in the subtree."""
        if self.everyone:
            return true()
        m = Term.__table__.c
        return term_id.in_(select(m.id).where(m.department_code.in_(self.codes)))


@dataclass(frozen=True)
class Roster:
    entries: list[Entry]
    scope: Scope
    categories: dict[int, tuple[str, ...]]


def roster(
    uow: UnitOfWork, root: Department, *, status: str | None, category: str | None,
    channel: str | None, ending_before: date | None, ending_within: int | None, on: date,
) -> Roster:
    """Who ``supervisor list`` would show: its filters, and its own rules for a person's
    status (:func:`status_at`) and the application a row shows, applied to Core rows."""
    from medisup.services.departments import subtree_codes

    session = uow.session
    pack = pack_for(session, root.code)
    wanted_status = parse_status(status) if status else None
    wanted_category = pack.resolve("categories", clean_text(category)).code if category else None
    wanted_channel = pack.resolve("channels", clean_text(channel)).code if channel else None
    if ending_within is not None and ending_within < 0:
        raise InvalidValue("--ending-within", ending_within, t("supervisor.expect_days"))
    codes = subtree_codes(session, root.code)
    connection = session.connection()
    scope = Scope(codes, len(codes) == connection.execute(
        select(func.count()).select_from(Department.__table__)).scalar_one())

    a = Application.__table__.c
    apps: dict[tuple[int, str], list[App]] = defaultdict(list)
    for row in connection.execute(
            select(a.id, a.person_id, a.department_code, a.channel, a.recommending_body,
                   a.applied_on, a.status, a.decided_on)
            .where(a.department_code.in_(codes)).order_by(a.applied_on, a.id)):
        apps[(row[1], row[2])].append(App._make(row))
    m = Term.__table__.c
    # status_at reads created_at only for a term that has not begun: the others skip
    # the timestamp conversion.
    created = case((m.start_date > on, m.created_at), else_=null()).label("created_at")
    terms: dict[tuple[int, str], list[TermRow]] = defaultdict(list)
    for row in connection.execute(
            select(m.id, m.person_id, m.department_code, m.application_id, m.number,
                   m.start_date, m.end_date, m.terminated_on, created)
            .where(m.department_code.in_(codes)).order_by(m.start_date, m.id)):
        terms[(row[1], row[2])].append(TermRow._make(row))

    categories = categories_of(uow, scope)
    p = Person.__table__.c
    people = {row[0]: PersonRow._make(row) for row in connection.execute(
        select(p.id, p.id_number, p.name, p.gender, p.ethnicity, p.birth_date, p.phone, p.email,
               p.address, p.work_unit, p.background)
        .where(scope.people(p.id)))}

    no_rows: list[Any] = []
    check_end = ending_before is not None or ending_within is not None
    last_day = on + timedelta(days=ending_within) if ending_within is not None else None
    entries = []
    for key in apps.keys() | terms.keys():
        person_apps = apps.get(key, no_rows)
        found, term = status_at(person_apps, terms.get(key, no_rows), on)
        if found is None or (wanted_status and found != wanted_status):
            continue
        person_id, code = key
        if wanted_category and wanted_category not in categories.get(person_id, ()):
            continue
        # With one application, the list's rule always picks it.
        app = person_apps[0] if len(person_apps) == 1 else application_of(person_apps, term)
        if wanted_channel and (app is None or app.channel != wanted_channel):
            continue
        if check_end:
            # As in the list: a term cut short did not come to its end.
            end = term.end_date if term is not None else None
            if found == "terminated" or end is None:
                continue
            if ending_before is not None and end >= ending_before:
                continue
            if last_day is not None and not on <= end <= last_day:
                continue
        person = people[person_id]
        entries.append(Entry(code, person.name, person.id_number, person, found, term, app))
    entries.sort(key=list_order)
    return Roster(entries, scope, categories)


def list_order(entry: Entry) -> str:
    # The list's order (department, name, ID number) as one string: codes and ID numbers
    # have fixed lengths and NUL sorts first, so it compares like the tuple, only faster.
    return f"{entry.department}\0{entry.name}\0{entry.id_number}"


def categories_of(uow: UnitOfWork, scope: Scope) -> dict[int, tuple[str, ...]]:
    c = PersonCategory.__table__.c
    found: dict[int, list[str]] = defaultdict(list)
    for person_id, code in uow.session.connection().execute(
            select(c.person_id, c.code).where(scope.people(c.person_id))
            .order_by(c.person_id, c.code)):
        found[person_id].append(code)
    return {k: tuple(v) for k, v in found.items()}


