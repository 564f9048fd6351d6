"""Exports: the roster and the leads as bureau workbooks that import back unchanged, and
empty import templates with the pack's drop-down lists (SPEC §8).

Rows come from Core queries (no ORM object per row) and stream into the workbook writer;
ID numbers, phones and lead descriptions are masked unless revealed, and a reveal is
recorded — and committed — in the audit log before the first unmasked value is written.
A workbook is written in a hidden, owner-only stage beside the target (the writer's own
temporary files too, never the system's temp folder) and renamed at the end, so an
interrupted export never leaves half a file under the target's name, a killed one's stage
is removed by the next export into that folder, and an existing file is replaced only
when asked.

Over 400 lines: the roster export, the lead export and the templates share one staging and
audit path, kept in one module so that a reveal is recorded the same way for each.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import or_, select

from medisup.collector import collector_paused
from medisup.errors import DataError, InvalidValue, UsageError
from medisup.excel import LEAD_COLUMNS, SUPERVISOR_COLUMNS, ColumnSpec
from medisup.excel.columns import LEAD_DEADLINE_COLUMNS
from medisup.excel.normalise import LIST_SEPARATORS
from medisup.i18n import t
from medisup.models import (
    Certificate,
    Department,
    Interest,
)
from medisup.packs import TARGET_KINDS, Pack
from medisup.services.departments import check_department
from medisup.services.leads import rules as lead_rules
from medisup.services.leads.query import LeadFilter
from medisup.services.masking import mask_birth_date, mask_id_number, mask_phone, mask_text
from medisup.services.supervisors import query as supervisor_query
from medisup.services.supervisors.query import Roster, Scope
from medisup.services.supervisors.records import STATUSES, pack_for

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

# Runs its argument in a unit of work of its own, committed when it returns.
Recorder = Callable[[Callable[["UnitOfWork"], None]], None]
# Told (rows written, rows in all) while the workbook fills: the command line's bar.
Progress = Callable[[int, int], None]
PROGRESS_STEP = 500

TABLES = ("supervisors", "leads")
SUFFIX = ".xlsx"
INTEREST_JOINER = "；"
LIST_JOINER = "、"
ITEM_JOINER = "\n"  # one item a line: item labels hold 、 themselves
_FETCH = 2000  # rows per round trip when the driver can stream

# Columns an export writes: every import column the database has data for.
SUPERVISOR_EXPORT_COLUMNS: tuple[ColumnSpec, ...] = tuple(
    spec for spec in SUPERVISOR_COLUMNS if spec.key != "note")
# A lead export adds the deadlines and whether the lead is overdue (import passes over them).
LEAD_EXPORT_COLUMNS: tuple[ColumnSpec, ...] = (*LEAD_COLUMNS, *LEAD_DEADLINE_COLUMNS)
_CERTIFICATE_RANK = {"valid": 2, "revoked": 1}


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: ``kind`` is supervisors, leads or template; ``table`` says
    which table (for a template, the one it is a template of)."""

    kind: str
    table: str
    path: str
    rows: int
    masked: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- the file


def check_target(path: str | Path, *, force: bool = False) -> Path:
    """The workbook path, refused before any work when it cannot or may not be written."""
    target = Path(path).expanduser()
    if target.suffix.lower() != SUFFIX:
        raise UsageError(t("export.error.suffix", file=target.name))
    if target.is_dir():
        raise UsageError(t("export.error.is_dir", file=target))
    if not target.parent.is_dir():
        raise UsageError(t("export.error.no_folder", folder=target.parent))
    if not force and (target.exists() or target.is_symlink()):
        raise UsageError(t("export.error.exists", file=target))
    return target


class Stage(NamedTuple):
    """Where an export writes before its file appears: ``book`` becomes the target,
    ``scratch`` takes the writer's own temporary files (never the system's temp folder)."""

    book: Path
    scratch: Path


@contextmanager
def staged(target: Path, *, force: bool = False, private: bool = False) -> Iterator[Stage]:
    """A private folder beside ``target`` (hidden, owner-only, named for this process:
    see :mod:`medisup.files`) to write into; its workbook is renamed to ``target`` when
    the block succeeds, and the folder removed whatever happens.  A folder a killed
    export left behind is removed by the next write into the same folder.
    ``private``: the workbook is readable by the owner only (unmasked personal data)."""
    from medisup.files import publish, staged_folder

    try:
        with staged_folder(target) as folder:
            book = folder / target.name
            handle = os.open(book, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(handle)
            if not private:
                _default_mode(book)
            scratch = folder / "tmp"
            scratch.mkdir(mode=0o700)
            yield Stage(book, scratch)
            try:
                publish(book, target, overwrite=force)
            except FileExistsError:
                raise UsageError(t("export.error.exists", file=target)) from None
    except OSError as exc:
        from medisup.files import disk_full_error, is_disk_full

        if is_disk_full(exc):
            raise disk_full_error(target.parent) from None
        raise DataError(t("export.error.write", file=target, problem=exc.strerror or exc)) from None


def _default_mode(path: Path) -> None:
    # Created 0600; an ordinary export gets what any new file would (umask).
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)


def _counted(rows: Iterable[Any], total: int, progress: Progress | None) -> Iterable[Any]:
    """``rows`` unchanged, telling ``progress`` every ``PROGRESS_STEP`` rows and at the end."""
    if progress is None:
        return rows

    def counting() -> Iterator[Any]:
        done = 0
        for row in rows:
            yield row
            done += 1
            if done % PROGRESS_STEP == 0:
                progress(done, total)
        progress(done, total)

    return counting()


def _write(stage: Stage, columns: Sequence[ColumnSpec], rows: Iterable[Mapping[str, Any]], *,
           sheet: str, title: str) -> int:
    from medisup.excel import write_rows

    return write_rows(stage.book, columns, rows, sheet_name=sheet, title=title,
                      tmpdir=stage.scratch)


def _scope_text(root: Department, codes: Sequence[str]) -> str:
    key = "export.scope_subtree" if len(codes) > 1 else "export.scope_one"
    return t(key, code=root.code, name=root.name)


# ---------------------------------------------------------------- labels


def safe_labels(pack: Pack, kind: str) -> dict[str, str]:
    """Code → the label a workbook shows (short form).  A label that itself holds a list
    separator would be split on import, so that code is written as the code."""
    out = {}
    for item in getattr(pack, kind):
        label = item.text(short=True)
        out[item.code] = item.code if any(ch in label for ch in LIST_SEPARATORS) else label
    return out


def item_labels(pack: Pack) -> dict[str, str]:
    """Taxonomy code → ``A1 虚构医药服务、伪造文书票据``: the code, which import reads, and
    beside it the short label, which a reader of the sheet needs."""
    return {item.code: f"{item.code} {item.text(short=True)}" for item in pack.items}


def _departments(uow: UnitOfWork, codes: Sequence[str]) -> dict[str, Pack]:
    from medisup.packs import load_pack

    table = Department.__table__
    rows = uow.session.connection().execute(
        select(table.c.code, table.c.pack).where(table.c.code.in_(codes)))
    return {code: load_pack(name) for code, name in rows}


def _stream(uow: UnitOfWork, statement: Any) -> Iterator[Any]:
    """Core rows of ``statement``, fetched in batches (server-side on PostgreSQL)."""
    # Per statement: Connection.execution_options would switch the whole connection to
    # server-side cursors, the audit INSERT included.
    result = uow.session.connection().execute(statement, execution_options={"yield_per": _FETCH})
    try:
        yield from result
    finally:
        result.close()


# ---------------------------------------------------------------- supervisors


def export_supervisors(
    uow: UnitOfWork,
    path: str | Path,
    *,
    department: str | None = None,
    status: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    ending_before: date | None = None,
    ending_within: int | None = None,
    as_of: date | None = None,
    reveal: bool = False,
    force: bool = False,
    record: Recorder | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """The roster as ``supervisor list`` selects it (same filters, same order: one row per
    person per department), with every column import reads, into a new workbook."""
    target = check_target(path, force=force)
    on = as_of or date.today()
    root = check_department(uow, department)
    filters = _filters(status=status, category=category, channel=channel,
                       ending_before=ending_before, ending_within=ending_within)
    # The stage first: a folder that cannot be written is refused before the reveal is
    # recorded.
    with collector_paused(), staged(target, force=force, private=reveal) as stage:
        roster = supervisor_query.roster(uow, root, status=status, category=category, channel=channel,
                         ending_before=ending_before, ending_within=ending_within, on=on)
        title = t("export.title.supervisors", scope=_scope_text(root, roster.scope.codes),
                  as_of=on.isoformat(), today=date.today().isoformat())
        records = _SupervisorRecords(uow, roster, on, reveal=reveal)
        if reveal and roster.entries:
            _record_reveal(uow, record, target, {
                "file": str(target.resolve()), "table": "supervisors",
                "rows": len(roster.entries),
                "people": sorted({e.person.id for e in roster.entries}),
                "department": root.code, "as_of": on, "filters": filters})
        total = len(roster.entries)
        # Freed while the collector still sleeps: waking up beside a hundred thousand
        # live rows would cost a full collection.
        del roster
        count = _write(stage, SUPERVISOR_EXPORT_COLUMNS, _counted(records, total, progress),
                       sheet=t("export.sheet.supervisors"), title=title)
        del records
    if reveal and count:
        _record_finish(uow, record, target, count)
    return ExportReport("supervisors", "supervisors", str(target), count, not reveal)


def _record_reveal(uow: UnitOfWork, record: Recorder | None, target: Path,
                   after: dict[str, Any]) -> None:
    """The reveal in the audit log, committed before a single unmasked value is written:
    an export killed half-way (``kill -9``) leaves its entry, never a file without one.

    ``record`` runs the entry in a transaction of its own (the command line gives one,
    sealed and committed as every command's); the export's read transaction ends first,
    so no lock it holds stands in the recorder's way.  Without one the entry joins the
    caller's own transaction."""
    if record is None:
        uow.audit("reveal", "export", target.name, after=after)
        return
    uow.session.commit()
    record(lambda audit: audit.audit("reveal", "export", target.name, after=after))


def _record_finish(uow: UnitOfWork, record: Recorder | None, target: Path, rows: int) -> None:
    """The revealed file finished: its rows and SHA-256, recorded once it is in place
    under its name.  A reveal without this entry is an export that did not finish (killed,
    or failed), whose stage the next export removes; a file whose digest differs from the
    entry's was changed after the export."""
    import hashlib

    digest = hashlib.sha256()
    with target.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    after = {"file": str(target.resolve()), "rows": rows, "sha256": digest.hexdigest()}
    if record is None:
        uow.audit("finish", "export", target.name, after=after)
        return
    uow.session.commit()
    record(lambda audit: audit.audit("finish", "export", target.name, after=after))


def _filters(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, False, "")}


class _SupervisorRecords:
    """The export rows, built one at a time as the writer asks for them."""

    def __init__(self, uow: UnitOfWork, roster: Roster, on: date, *, reveal: bool) -> None:
        self.entries = roster.entries
        self.categories = roster.categories
        self.reveal = reveal
        by_pack: dict[str, _DepartmentLabels] = {}
        self.labels = {}
        for code, pack in _departments(uow, roster.scope.codes).items():
            if pack.name not in by_pack:
                by_pack[pack.name] = _DepartmentLabels.of(pack)
            self.labels[code] = by_pack[pack.name]
        self.interests = _interests(uow, roster.scope, on) if roster.entries else {}
        self.certificates = _certificates(uow, roster.scope) if roster.entries else {}
        self.gender = {g: t(f"supervisor.gender.{g}") for g in ("M", "F")}
        self.status = {s: t(f"supervisor.status.{s}") for s in STATUSES}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        reveal = self.reveal
        labels = self.labels
        categories = self.categories
        interests = self.interests
        certificates = self.certificates
        gender, status = self.gender, self.status
        joined: dict[tuple[int, tuple[str, ...]], str | None] = {}
        for code, name, id_number, person, found, term, app in self.entries:
            person_id, _, _, sex, ethnicity, birth, phone, email, address, unit, background = person
            names = labels[code]
            codes = categories.get(person_id, ())
            key = (id(names), codes)
            if key not in joined:  # a handful of combinations: join each once
                joined[key] = LIST_JOINER.join(names.categories.get(c, c) for c in codes) or None
            if app is None:
                channel = body = applied = None
            else:
                channel = names.channels.get(app.channel, app.channel)
                body = app.recommending_body
                if body is not None:
                    body = names.bodies.get(body, body)
                applied = app.applied_on
            if term is None:
                start = end = certificate = None
            else:
                start, end = term.start_date, term.end_date
                certificate = certificates.get(term.id)
            yield {
                "name": name,
                "gender": gender.get(sex, sex),
                "ethnicity": ethnicity,
                "birth_date": birth if reveal else mask_birth_date(birth),
                "id_number": id_number if reveal else mask_id_number(id_number),
                "phone": phone if reveal else mask_phone(phone),
                "email": email,
                "address": address,
                "work_unit": unit,
                "categories": joined[key],
                "background": names.backgrounds.get(background, background),
                "channel": channel,
                "recommending_body": body,
                "department": code,
                "applied_on": applied,
                "status": status[found],
                "term_start": start,
                "term_end": end,
                "certificate": certificate,
                "interests": interests.get(person_id),
            }


class _DepartmentLabels(NamedTuple):
    """What a department's pack calls each code of the roster's coded columns."""

    categories: dict[str, str]
    backgrounds: dict[str, str]
    channels: dict[str, str]
    bodies: dict[str, str]

    @classmethod
    def of(cls, pack: Pack) -> _DepartmentLabels:
        return cls(safe_labels(pack, "categories"), safe_labels(pack, "backgrounds"),
                   safe_labels(pack, "channels"), safe_labels(pack, "recommending_bodies"))


def _interests(uow: UnitOfWork, scope: Scope, on: date) -> dict[int, str]:
    """Interests declared by ``on`` and not withdrawn by then, as 名称(代码)；名称(代码)."""
    c = Interest.__table__.c
    found: dict[int, list[str]] = defaultdict(list)
    for person_id, name, code in uow.session.connection().execute(
            select(c.person_id, c.institution_name, c.credit_code)
            .where(scope.people(c.person_id), c.declared_on <= on,
                   or_(c.withdrawn_on.is_(None), c.withdrawn_on > on))
            .order_by(c.person_id, c.id)):
        found[person_id].append(f"{name}({code})" if code else name)
    return {k: INTEREST_JOINER.join(dict.fromkeys(v)) for k, v in found.items()}


def _certificates(uow: UnitOfWork, scope: Scope) -> dict[int, str]:
    """Each term's certificate number: the valid one, else the latest revoked one."""
    c = Certificate.__table__.c
    best: dict[int, tuple[int, str]] = {}
    for term_id, number, status in uow.session.connection().execute(
            select(c.term_id, c.number, c.status)
            .where(scope.terms(c.term_id))
            .order_by(c.issued_on, c.id)):
        rank = _CERTIFICATE_RANK.get(status, 0)
        if term_id not in best or rank >= best[term_id][0]:
            best[term_id] = (rank, number)
    return {term_id: number for term_id, (_, number) in best.items()}


# ---------------------------------------------------------------- leads


def export_leads(
    uow: UnitOfWork,
    path: str | Path,
    filters: LeadFilter | None = None,
    *,
    reveal: bool = False,
    as_of: date | None = None,
    force: bool = False,
    record: Recorder | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """The leads ``lead list`` selects with the same filters (the same selection,
    :mod:`leads.query`), oldest first, streamed into a new workbook; descriptions and the
    reporters' ID numbers are hidden unless revealed."""
    from medisup.services.leads import query as lead_query

    target = check_target(path, force=force)
    f = filters or LeadFilter()
    on = as_of or date.today()
    root = check_department(uow, f.department)
    selection = lead_query.select_leads(uow, f, as_of=on)
    lead, person = lead_query.LEAD, lead_query.PERSON  # the selection's own tables
    statement = lead_query.rows_statement(
        selection,
        (lead.number, lead.department_code, lead.received_on, lead.channel, lead.target_kind,
         lead.target_name, lead.target_credit_code, lead.description, lead.amount_involved,
         lead.status, lead.handling_unit, lead.verified_amount, lead.recovered_amount,
         lead.accept_by, lead.handle_by, person.name, person.id_number,
         lead_query.items_column()),
        newest_first=False, limit=f.limit)
    title = t("export.title.leads", scope=_scope_text(root, selection.codes),
              as_of=on.isoformat(), today=date.today().isoformat())
    with collector_paused(), staged(target, force=force, private=reveal) as stage:
        revealed: frozenset[str] | None = None
        if reveal:
            # Which leads the file will hold, known (and recorded) before it is written;
            # the rows streamed afterwards are held to exactly these.
            numbers = list(uow.session.connection().execute(lead_query.rows_statement(
                selection, (lead.number,), newest_first=False, limit=f.limit)).scalars())
            revealed = frozenset(numbers)
            if numbers:
                _record_reveal(uow, record, target, {
                    "file": str(target.resolve()), "table": "leads", "rows": len(numbers),
                    "leads": numbers, "department": root.code, "as_of": on,
                    "filters": _filters(**{k: v for k, v in asdict(f).items()
                                           if k != "department"})})
            del numbers
        records = _lead_records(uow, statement, selection.codes, revealed, reveal=reveal,
                                on=on)
        if progress is not None:  # the count costs a query: only when someone watches
            total = len(revealed) if revealed is not None else min(
                lead_query.count(uow, selection), f.limit or 2**63)
            records = _counted(records, total, progress)
        count = _write(stage, LEAD_EXPORT_COLUMNS, records, sheet=t("export.sheet.leads"),
                       title=title)
    if reveal and count:
        _record_finish(uow, record, target, count)
    return ExportReport("leads", "leads", str(target), count, not reveal)


def _lead_records(uow: UnitOfWork, statement: Any, codes: Sequence[str],
                  revealed: frozenset[str] | None, *, reveal: bool,
                  on: date) -> Iterator[dict[str, Any]]:
    """The export rows, one at a time; deadlines as the lead records hold them, and
    是否逾期 as :func:`rules.is_overdue` says on ``on`` (blank once the lead is closed)."""
    by_pack: dict[str, dict[str, str]] = {}
    item_by_pack: dict[str, dict[str, str]] = {}
    channels, items_of = {}, {}
    for code, pack in _departments(uow, codes).items():
        channels[code] = by_pack.setdefault(pack.name, safe_labels(pack, "report_channels"))
        items_of[code] = item_by_pack.setdefault(pack.name, item_labels(pack))
    status = {s: t(f"lead.status.{s}") for s in lead_rules.STATUSES}
    kinds = {k: t(f"pack.target.{k}") for k in TARGET_KINDS}
    yes, no = t("common.yes"), t("common.no")
    closed, is_overdue = lead_rules.CLOSED, lead_rules.is_overdue
    joined: dict[tuple[str, str], str] = {}  # a handful of combinations: each joined once
    for v in _stream(uow, statement):
        if revealed is not None and v.number not in revealed:
            continue  # logged since the reveal was recorded: not in this file
        items = v.item_codes
        if items:
            key = (v.department_code, items)
            text = joined.get(key)
            if text is None:
                labels = items_of[v.department_code]
                text = joined[key] = ITEM_JOINER.join(
                    labels.get(c, c) for c in sorted(items.split(",")))
                if len(joined) > 4096:  # a pathological spread of combinations
                    joined.clear()
                    joined[key] = text
            items = text
        if v.status == closed:
            overdue = None
        else:
            overdue = yes if is_overdue(v.status, v.accept_by, v.handle_by, on) else no
        yield {
            "number": v.number,
            "supervisor_id_number": v.id_number if reveal else mask_id_number(v.id_number),
            "supervisor_name": v.name,
            "received_on": v.received_on,
            "channel": channels[v.department_code].get(v.channel, v.channel),
            "target_kind": kinds.get(v.target_kind, v.target_kind),
            "target_name": v.target_name,
            "target_credit_code": v.target_credit_code,
            "items": items or None,
            "description": v.description if reveal else mask_text(v.description),
            "amount": v.amount_involved,
            "status": status.get(v.status, v.status),
            "handling_unit": v.handling_unit,
            "verified_amount": v.verified_amount,
            "recovered_amount": v.recovered_amount,
            "department": v.department_code,
            "accept_by": v.accept_by,
            "handle_by": v.handle_by,
            "overdue": overdue,
        }


# ---------------------------------------------------------------- templates


def template_choices(uow: UnitOfWork, table: str, root: Department) -> dict[str, list[str]]:
    """The drop-down values of every coded column, from the department's pack: each one
    a value that import reads back to its code."""
    from medisup.services.departments import subtree_codes

    pack = pack_for(uow.session, root.code)
    departments = subtree_codes(uow.session, root.code)
    if table == "supervisors":
        choices = {
            "gender": [t("supervisor.gender.M"), t("supervisor.gender.F")],
            "categories": list(safe_labels(pack, "categories").values()),
            "background": list(safe_labels(pack, "backgrounds").values()),
            "channel": list(safe_labels(pack, "channels").values()),
            "status": [t(f"supervisor.status.{s}") for s in STATUSES],
            "department": departments,
        }
        if pack.recommending_bodies:
            choices["recommending_body"] = list(safe_labels(pack, "recommending_bodies").values())
        return {k: v for k, v in choices.items() if v}
    choices = {
        "channel": list(safe_labels(pack, "report_channels").values()),
        "target_kind": [t(f"pack.target.{k}") for k in TARGET_KINDS],
        # "A1 虚构医药服务、伪造文书票据": import reads the code, the reader the label.
        "items": list(item_labels(pack).values()),
        "status": [t(f"lead.status.{s}") for s in lead_rules.STATUSES],
        "department": departments,
    }
    return {k: v for k, v in choices.items() if v}


def export_template(
    uow: UnitOfWork,
    table: str,
    path: str | Path,
    *,
    department: str | None = None,
    force: bool = False,
) -> ExportReport:
    """An empty import workbook for ``table`` (supervisors or leads) with drop-down lists
    from the pack of the operator's department (or ``department``)."""
    from medisup.excel import write_template

    if table not in TABLES:
        raise InvalidValue("KIND", table, t("export.expect_table", tables="、".join(TABLES)))
    target = check_target(path, force=force)
    root = check_department(uow, department)
    choices = template_choices(uow, table, root)
    columns = SUPERVISOR_COLUMNS if table == "supervisors" else LEAD_COLUMNS
    with staged(target, force=force) as stage:
        write_template(stage.book, columns, choices, sheet_name=t(f"export.sheet.{table}"),
                       tmpdir=stage.scratch)
    return ExportReport("template", table, str(target), 0, False)
