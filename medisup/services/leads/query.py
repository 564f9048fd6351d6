"""The one selection of leads behind ``lead list`` and ``export leads``: the filters as SQL
on indexed columns, the count, one page (newest first) and an ordered stream."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, literal_column, or_, select, union_all

from medisup import tables
from medisup.services.leads import rules
from medisup.services.leads.rules import RECEIVED

if TYPE_CHECKING:
    from medisup.packs.model import Pack
    from medisup.services.uow import UnitOfWork

# Core tables (no ORM): the selection runs on an ORM session's connection or a plain one.
LEAD_TABLE, PERSON_TABLE = tables.lead, tables.person
LEAD = LEAD_TABLE.c
ITEM = tables.lead_item.c
PERSON = PERSON_TABLE.c
_FETCH = 2000  # rows per round trip when the driver can stream (server-side on PostgreSQL)


@dataclass(frozen=True)
class LeadSelection:
    """Which leads a command means: a department subtree and conditions on the lead row."""

    root: str
    codes: tuple[str, ...]
    conditions: tuple[Any, ...]
    pack: Pack

    @property
    def where(self) -> Any:
        """The whole condition, department subtree included."""
        return and_(LEAD.department_code.in_(self.codes), *self.conditions)


@dataclass(frozen=True)
class LeadFilter:
    """What ``lead list`` narrows by; every field optional."""

    department: str | None = None
    status: str | None = None
    subject: str | None = None
    code: str | None = None
    supervisor: str | None = None
    target: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool = False
    conflict: bool = False
    limit: int | None = None


def overdue_condition(as_of: date, lead: Any = LEAD) -> Any:
    """SQL form of :func:`rules.is_overdue` on stored deadlines, said of ``lead`` (the
    columns of the lead table the query selects from: these Core ones by default).

    ``status != 'closed'`` is written as a literal so that the planner can prove the
    partial index ``ix_lead_open_deadlines`` (open leads only) serves it.
    """
    return and_(
        lead.status != literal_column("'closed'"),
        or_(and_(lead.status == RECEIVED, lead.accept_by < as_of),
            and_(lead.status != RECEIVED, lead.handle_by < as_of)),
    )


def select_leads(uow: UnitOfWork, filters: LeadFilter | None = None, *,
                 as_of: date) -> LeadSelection:
    """The selection ``filters`` describe, within the operator's scope; codes and labels
    given on the command line are resolved (and refused) here, before any query."""
    from medisup.services import departments

    f = filters or LeadFilter()
    session = uow.session
    root = uow.require_dept()
    if f.department:
        root = departments.validate_code(f.department)
        uow.check_scope(root)
    codes = tuple(departments.subtree_codes(session, root))
    pack = departments.pack_of(session, root)
    where: list[Any] = []
    if f.status:
        where.append(LEAD.status == rules.resolve_status(f.status))
    # Items through ix_lead_item_code (the few leads with that code), not a probe per lead.
    if f.code:
        code = pack.resolve("items", f.code.strip()).code
        where.append(LEAD.id.in_(select(ITEM.lead_id).where(ITEM.code == code)))
    if f.subject:
        subject = pack.resolve("subjects", f.subject.strip()).code
        codes_of = [c for c in pack.codes("items") if pack.subject_of(c).code == subject]
        where.append(LEAD.id.in_(select(ITEM.lead_id).where(ITEM.code.in_(codes_of))))
    if f.supervisor:
        # Through the person's id: the lead side is served by ix_lead_supervisor_id.
        where.append(LEAD.supervisor_id.in_(
            select(PERSON.id).where(PERSON.id_number == f.supervisor.strip().upper())))
    if f.target:
        text = f.target.strip()
        credit = rules.normalise_credit_code(text)
        where.append(or_(LEAD.target_name.icontains(text, autoescape=True),
                         LEAD.target_credit_code == credit))
    if f.received_from:
        where.append(LEAD.received_on >= f.received_from)
    if f.received_to:
        where.append(LEAD.received_on <= f.received_to)
    if f.overdue:
        where.append(overdue_condition(as_of))
    if f.conflict:
        where.append(LEAD.conflict.is_(True))
    return LeadSelection(root, codes, tuple(where), pack)


# ---------------------------------------------------------------- statements


def count_statement(selection: LeadSelection) -> Any:
    return select(func.count()).select_from(LEAD_TABLE).where(selection.where)


# The orders a list can be sorted in (``--sort``): each walks an index.
SORTS = ("-received_on", "received_on", "-number", "number")
NEWEST_FIRST = "-received_on"


def _order(table: Any = LEAD, sort: str = NEWEST_FIRST) -> tuple[Any, ...]:
    if sort not in SORTS:
        raise ValueError(f"unknown lead order {sort!r}")
    desc = sort.startswith("-")
    keys = (table.received_on, table.number) if sort.endswith("received_on") \
        else (table.number,)
    return tuple(k.desc() if desc else k.asc() for k in keys)


def _newest_first(table: Any = LEAD) -> tuple[Any, ...]:
    return _order(table, NEWEST_FIRST)


def page_ids_statement(selection: LeadSelection, *, offset: int, limit: int,
                       sort: str = NEWEST_FIRST) -> Any:
    """Ids of one page, newest first.

    One branch per department, each walking ``ix_lead_dept_received_status`` from the
    newest lead and stopping after ``offset + limit`` rows; the branches are merged and
    cut to the page.  A single ``department_code IN (…)`` query would read and sort the
    whole subtree instead.
    """
    wanted = offset + limit
    branches = [
        select(LEAD.id, LEAD.received_on, LEAD.number)
        .where(LEAD.department_code == code, *selection.conditions)
        .order_by(*_order(LEAD, sort))
        .limit(wanted)
        .subquery(f"d{n}")
        for n, code in enumerate(selection.codes)
    ]
    if len(branches) == 1:
        merged = branches[0]
    else:
        merged = union_all(*(select(b.c.id, b.c.received_on, b.c.number) for b in branches)
                           ).subquery("page")
    return (select(merged.c.id).order_by(*_order(merged.c, sort))
            .offset(offset).limit(limit))


def items_column() -> Any:
    """The lead's taxonomy codes as one comma-separated text (order not guaranteed)."""
    return (select(func.aggregate_strings(ITEM.code, ","))
            .where(ITEM.lead_id == LEAD.id)
            .scalar_subquery().label("item_codes"))


def rows_statement(selection: LeadSelection, columns: Sequence[Any], *,
                   newest_first: bool = True, limit: int | None = None,
                   sort: str | None = None) -> Any:
    """Every selected lead with ``columns`` (lead and person), in list order (``sort``,
    else newest or oldest first)."""
    order = _order(LEAD, sort or (NEWEST_FIRST if newest_first else "received_on"))
    query = (select(*columns)
             .join_from(LEAD_TABLE, PERSON_TABLE, PERSON.id == LEAD.supervisor_id)
             .where(selection.where)
             .order_by(*order))
    if limit:
        query = query.limit(limit)
    return query


# What a list row is made of: the lead, its reporter's name, ID number and phone.
ROW_COLUMNS = (
    LEAD.id, LEAD.number, LEAD.department_code, LEAD.received_on, LEAD.channel,
    LEAD.target_kind, LEAD.target_name, LEAD.target_credit_code, LEAD.status,
    LEAD.handling_unit, LEAD.accept_by, LEAD.handle_by, LEAD.conflict, LEAD.amount_involved,
    LEAD.verified_amount, LEAD.recovered_amount, LEAD.referral_target, LEAD.closed_on,
    LEAD.description, PERSON.name, PERSON.id_number, PERSON.phone,
)


def stream_statement(selection: LeadSelection, *, offset: int = 0,
                     limit: int | None = None, sort: str = NEWEST_FIRST) -> Any:
    """Every selected lead newest first (or in ``sort`` order), with :data:`ROW_COLUMNS`
    (but the id) and the items: what ``lead list --format csv|json`` streams."""
    statement = rows_statement(selection, (*ROW_COLUMNS[1:], items_column()), sort=sort)
    if offset or limit:
        statement = statement.offset(offset).limit(limit if limit else -1)
    return statement


def rows_by_id_statement(ids: Sequence[int], columns: Sequence[Any] = ROW_COLUMNS) -> Any:
    """The rows of a page, by id (the page's order is the ids' order)."""
    return (select(*columns)
            .join_from(LEAD_TABLE, PERSON_TABLE, PERSON.id == LEAD.supervisor_id)
            .where(LEAD.id.in_(ids)))


# ---------------------------------------------------------------- running them


def count(uow: UnitOfWork, selection: LeadSelection) -> int:
    return uow.connection().execute(count_statement(selection)).scalar_one()


def page_ids(uow: UnitOfWork, selection: LeadSelection, *, offset: int,
             limit: int, sort: str = NEWEST_FIRST) -> list[int]:
    statement = page_ids_statement(selection, offset=offset, limit=limit, sort=sort)
    return [row[0] for row in uow.connection().execute(statement)]


def stream(uow: UnitOfWork, statement: Any) -> Iterator[Any]:
    """Core rows of ``statement``, fetched in batches (server-side on PostgreSQL)."""
    # Per statement: Connection.execution_options would switch the whole connection to
    # server-side cursors, the audit INSERT included.
    result = uow.connection().execute(statement,
                                              execution_options={"yield_per": _FETCH})
    try:
        yield from result
    finally:
        result.close()
