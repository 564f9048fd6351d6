"""Leads, read side: the read models, the taxonomy, and the confidential list and
detail views (descriptions and reporter details hidden unless revealed).

Over 400 lines: the list (page, stream) and the detail share the row model and its masking;
splitting them would put the masking rule in two places.
"""


from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.packs.model import Pack
from medisup.paging import Page
from medisup.services.leads import query as lead_query
from medisup.services.leads import rules
from medisup.services.leads.query import LeadFilter
from medisup.services.leads.rules import (
    CLOSED,
    RECEIVED,
)
from medisup.services.masking import mask_id_number, mask_phone, mask_text

if TYPE_CHECKING:
    from sqlmodel import Session

    from medisup.models import Lead, Person
    from medisup.services.leads.records import RewardPublic
    from medisup.services.uow import UnitOfWork

# The lists (list_leads, lead_page, iter_lead_values) read through the Core tables and run
# on a plain connection; show/detail use the models, imported where they are needed.

_CHUNK = 500  # ids per IN (...) list: far below every driver's parameter limit


# ---------------------------------------------------------------- read models


@dataclass(frozen=True)
class ItemNode:
    """A taxonomy item as the tree shows it."""

    code: str
    label: str
    short: str
    article: str


@dataclass(frozen=True)
class SubjectNode:
    """A subject of the taxonomy with the target kinds it covers and its items."""

    code: str
    label: str
    article: str
    targets: tuple[str, ...]
    items: tuple[ItemNode, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LeadRow:
    """One lead in a list; personal data already masked unless revealed."""

    number: str
    department_code: str
    received_on: date
    channel: str
    channel_label: str
    target_kind: str
    target_name: str
    target_credit_code: str | None
    items: tuple[str, ...]
    status: str
    supervisor_name: str
    supervisor_id_number: str
    supervisor_phone: str | None
    handling_unit: str | None
    accept_by: date | None
    handle_by: date | None
    due: date | None
    overdue: bool
    conflict: bool
    amount_involved: Decimal | None
    verified_amount: Decimal | None
    recovered_amount: Decimal | None
    referral_target: str | None
    closed_on: date | None
    description: str | None
    # The current deadline is within three working days (not yet overdue).
    due_soon: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ItemView:
    code: str
    subject: str
    label: str
    article: str


@dataclass(frozen=True)
class EventView:
    from_status: str | None
    to_status: str
    on_date: date
    operator: str
    handling_unit: str | None
    note: str | None


@dataclass(frozen=True)
class ExtensionView:
    working_days: int
    approved_by: str
    approved_on: date
    reason: str | None


@dataclass(frozen=True)
class LeadDetail:
    """One lead with its items, history, extensions and rewards."""

    row: LeadRow
    pack: str
    item_views: tuple[ItemView, ...]
    events: tuple[EventView, ...]
    extensions: tuple[ExtensionView, ...]
    rewards: tuple[RewardPublic, ...]
    conflict_with: str | None
    deadline_basis: str
    warnings: tuple[str, ...] = ()

    @property
    def number(self) -> str:
        return self.row.number

    @property
    def status(self) -> str:
        return self.row.status

    def as_dict(self) -> dict[str, Any]:
        doc = self.row.as_dict()
        doc.update(pack=self.pack, conflict_with=self.conflict_with,
                   deadline_basis=self.deadline_basis)
        return doc


# ---------------------------------------------------------------- taxonomy


def taxonomy(pack: Pack) -> list[SubjectNode]:
    """The pack's Art. 8 taxonomy: subjects with the target kinds they cover and items."""
    return [
        SubjectNode(
            code=subject.code, label=subject.text(), article=subject.cite(),
            targets=subject.targets,
            items=tuple(ItemNode(i.code, i.text(), i.text(short=True), i.cite()) for i in items),
        )
        for subject, items in pack.taxonomy()
    ]


# ---------------------------------------------------------------- look-ups


def _label(pack: Pack | None, kind: str, code: str | None) -> str:
    if pack is None or code is None:
        return code or ""
    try:
        return pack.label(kind, code)
    except InvalidValue:
        return code


# ---------------------------------------------------------------- list and show


_ROW_COLUMNS = lead_query.ROW_COLUMNS


def _row(values: Any, items: tuple[str, ...], pack: Pack | None, *, reveal: bool,
         as_of: date) -> LeadRow:
    v = values
    return LeadRow(
        number=v.number, department_code=v.department_code, received_on=v.received_on,
        channel=v.channel, channel_label=_label(pack, "report_channels", v.channel),
        target_kind=v.target_kind, target_name=v.target_name,
        target_credit_code=v.target_credit_code, items=items, status=v.status,
        supervisor_name=v.name,
        supervisor_id_number=v.id_number if reveal else mask_id_number(v.id_number),
        supervisor_phone=v.phone if reveal else mask_phone(v.phone),
        handling_unit=v.handling_unit, accept_by=v.accept_by, handle_by=v.handle_by,
        due=rules.due_date(v.status, v.accept_by, v.handle_by),
        overdue=rules.is_overdue(v.status, v.accept_by, v.handle_by, as_of),
        conflict=bool(v.conflict), amount_involved=v.amount_involved,
        verified_amount=v.verified_amount, recovered_amount=v.recovered_amount,
        referral_target=v.referral_target, closed_on=v.closed_on,
        description=v.description if reveal else mask_text(v.description),
        due_soon=rules.is_due_soon(v.status, v.accept_by, v.handle_by, as_of, pack),
    )


def _items_of(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    from medisup.tables import lead_item

    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for lead_id, code in session.execute(
            select(lead_item.c.lead_id, lead_item.c.code).where(lead_item.c.lead_id.in_(chunk))
            .order_by(lead_item.c.lead_id, lead_item.c.code)
        ):
            found.setdefault(lead_id, []).append(code)
    return {k: tuple(v) for k, v in found.items()}


def _packs_of(session: Session, codes: Iterable[str]) -> dict[str, Pack]:
    from medisup.packs import load_pack
    from medisup.tables import department

    wanted = sorted(set(codes))
    out: dict[str, Pack] = {}
    for start in range(0, len(wanted), _CHUNK):
        for code, name in session.execute(
            select(department.c.code, department.c.pack)
            .where(department.c.code.in_(wanted[start:start + _CHUNK]))
        ):
            out[code] = load_pack(name)
    return out


def list_leads(
    uow: UnitOfWork,
    filters: LeadFilter | None = None,
    *,
    reveal: bool = False,
    as_of: date | None = None,
) -> list[LeadRow]:
    """Every lead of the operator's department and below that ``filters`` select, oldest
    first (at most ``filters.limit``).  Commands page with :func:`lead_page` or stream
    with :func:`iter_lead_values`; this whole list is for callers that want it all.

    Descriptions and the reporter's ID number and phone are masked unless ``reveal``;
    a reveal is written to the audit log with the numbers of the leads shown.
    """
    f = filters or LeadFilter()
    as_of = as_of or date.today()
    selection = lead_query.select_leads(uow, f, as_of=as_of)
    statement = lead_query.rows_statement(selection, _ROW_COLUMNS, newest_first=False,
                                          limit=f.limit)
    results = list(uow.connection().execute(statement))
    rows = _rows_of(uow.session, results, reveal=reveal, as_of=as_of)
    if reveal and rows:
        uow.audit("reveal", "lead", "list", after={"leads": [r.number for r in rows]})
    return rows


def _rows_of(session: Session, results: Sequence[Any], *, reveal: bool,
             as_of: date) -> list[LeadRow]:
    items = _items_of(session, [r.id for r in results])
    packs = _packs_of(session, {r.department_code for r in results})
    return [_row(r, items.get(r.id, ()), packs.get(r.department_code), reveal=reveal,
                 as_of=as_of) for r in results]


@dataclass(frozen=True)
class LeadPage(Page):
    """One page of a lead list, newest first, and how many leads the filters select."""

    rows: tuple[LeadRow, ...]


def lead_page(
    uow: UnitOfWork,
    filters: LeadFilter | None = None,
    *,
    page: int = 1,
    per_page: int | None = 50,
    reveal: bool = False,
    as_of: date | None = None,
    sort: str = lead_query.NEWEST_FIRST,
) -> LeadPage:
    """Page ``page`` (from 1) of ``per_page`` leads, newest first (or in one of
    :data:`~medisup.services.leads.query.SORTS`), with the count of all the filters
    select; both come from SQL.  ``per_page=None``: every selected lead.
    A reveal is audited with the numbers of the leads shown."""
    if sort not in lead_query.SORTS:
        raise InvalidValue("--sort", sort, t("list.expect_sort", keys=t("list.sep").join(
            lead_query.SORTS[1::2])))
    if page < 1:
        raise InvalidValue("--page", page, t("lead.expect_page"))
    if per_page is not None and per_page < 1:
        raise InvalidValue("--limit", per_page, t("lead.expect_page"))
    as_of = as_of or date.today()
    selection = lead_query.select_leads(uow, filters, as_of=as_of)
    total = lead_query.count(uow, selection)
    connection = uow.connection()
    if per_page is None:
        results = list(connection.execute(lead_query.rows_statement(
            selection, _ROW_COLUMNS, sort=sort)))
    else:
        offset = (page - 1) * per_page
        ids = lead_query.page_ids(uow, selection, offset=offset, limit=per_page,
                                  sort=sort) if offset < total else []
        found = {r.id: r for r in connection.execute(
            lead_query.rows_by_id_statement(ids))} if ids else {}
        results = [found[i] for i in ids if i in found]
    rows = _rows_of(uow.session, results, reveal=reveal, as_of=as_of)
    if reveal and rows:
        uow.audit("reveal", "lead", "list", after={"leads": [r.number for r in rows]})
    return LeadPage(tuple(rows), total, page, per_page)


# The order of the values :func:`iter_lead_values` yields: LeadRow's fields.
ROW_FIELDS = tuple(f.name for f in fields(LeadRow) if f.name != "due_soon")


def iter_lead_values(
    uow: UnitOfWork,
    filters: LeadFilter | None = None,
    *,
    reveal: bool = False,
    as_of: date | None = None,
    offset: int = 0,
    limit: int | None = None,
    sort: str = lead_query.NEWEST_FIRST,
) -> Iterator[tuple[Any, ...]]:
    """Every selected lead, newest first, as a tuple in :data:`ROW_FIELDS` order (items a
    tuple of codes), streamed from the database: nothing holds the whole list.

    For scripts (``--format csv|json``): no row object per lead.  A reveal is audited
    once the stream is through, with the numbers of the leads written.
    """
    from medisup.services.departments import subtree_codes

    as_of = as_of or date.today()
    selection = lead_query.select_leads(uow, filters, as_of=as_of)
    if sort not in lead_query.SORTS:
        raise InvalidValue("--sort", sort, t("list.expect_sort", keys=t("list.sep").join(
            lead_query.SORTS[1::2])))
    statement = lead_query.stream_statement(selection, offset=offset, limit=limit, sort=sort)
    session = uow.session
    # Looked up once per department and channel, and once per combination of items.
    labels = {(code, channel): label for code, pack in
              _packs_of(session, subtree_codes(session, selection.root)).items()
              for channel, label in _labels(pack, "report_channels").items()}
    item_sets: dict[str | None, tuple[str, ...]] = {None: (), "": ()}
    closed, received = CLOSED, RECEIVED
    shown: list[str] | None = [] if reveal else None
    for (number, dept, received_on, channel, target_kind, target_name, credit, status,
         unit, accept_by, handle_by, conflict, amount, verified, recovered, referral,
         closed_on, description, name, id_number, phone, codes) in lead_query.stream(
            uow, statement):
        if status == closed:
            due = None
        else:
            due = accept_by if status == received else handle_by
        if shown is not None:
            shown.append(number)
        else:
            id_number = mask_id_number(id_number)
            phone = mask_phone(phone)
            description = mask_text(description)
        items = item_sets.get(codes)
        if items is None:
            items = item_sets[codes] = tuple(sorted(codes.split(",")))
        yield (
            number, dept, received_on, channel, labels.get((dept, channel), channel),
            target_kind, target_name, credit, items, status, name, id_number, phone,
            unit, accept_by, handle_by, due, due is not None and due < as_of,
            bool(conflict), amount, verified, recovered, referral, closed_on, description,
        )
    if shown:
        uow.audit("reveal", "lead", "list", after={"leads": shown})


def _labels(pack: Pack, kind: str) -> dict[str, str]:
    return {item.code: item.text() for item in getattr(pack, kind)}


def show(uow: UnitOfWork, number: str, *, reveal: bool = False,
         as_of: date | None = None) -> LeadDetail:
    """One lead with its history; a reveal is audited."""
    from medisup.services.leads.records import get_lead

    lead = get_lead(uow, number)
    found = detail(uow, lead, reveal=reveal, as_of=as_of or date.today())
    if reveal:
        uow.audit("reveal", "lead", lead.number, after={"leads": [lead.number]})
    return found


def detail(uow: UnitOfWork, lead: Lead, *, reveal: bool, as_of: date,
            warnings: Sequence[str] = ()) -> LeadDetail:
    from sqlmodel import col, select

    from medisup.models import LeadExtension, Person
    from medisup.services import departments
    from medisup.services.leads.records import active_interests, events_of, rewards_of

    session = uow.session
    pack = departments.pack_of(session, lead.department_code)
    person = session.get(Person, lead.supervisor_id)
    assert person is not None
    values = _Values(lead, person)
    codes = _items_of(session, [lead.id]).get(lead.id, ())
    item_views = []
    for code in codes:
        try:
            item = pack.item("items", code)
            item_views.append(ItemView(code, item.subject or "", item.text(), item.cite()))
        except InvalidValue:
            item_views.append(ItemView(code, code[:1], code, ""))
    events = tuple(EventView(e.from_status, e.to_status, e.on_date, e.operator,
                             e.handling_unit, e.note) for e in events_of(session, lead.id))
    extensions = tuple(
        ExtensionView(x.working_days, x.approved_by, x.approved_on, x.reason)
        for x in session.exec(select(LeadExtension).where(LeadExtension.lead_id == lead.id)
                              .order_by(col(LeadExtension.id)))
    )
    conflict_with = None
    if lead.conflict:
        target = rules.Target(lead.target_kind, lead.target_name, lead.target_credit_code)
        match = rules.conflict_of(active_interests(session, person.id, lead.received_on), target)
        conflict_with = match.institution_name if match is not None else None
    return LeadDetail(
        row=_row(values, codes, pack, reveal=reveal, as_of=as_of),
        pack=pack.name,
        item_views=tuple(item_views),
        events=events,
        extensions=extensions,
        rewards=tuple(rewards_of(session, lead)),
        conflict_with=conflict_with,
        deadline_basis=pack.deadlines.cite(),
        warnings=tuple(warnings),
    )


class _Values:
    """A lead and its supervisor seen through the column names the list query uses."""

    def __init__(self, lead: Lead, person: Person) -> None:
        self._lead = lead
        self.name = person.name
        self.id_number = person.id_number
        self.phone = person.phone

    def __getattr__(self, key: str) -> Any:
        return getattr(self._lead, key)
