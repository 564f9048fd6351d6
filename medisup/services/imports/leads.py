"""Importing a lead ledger: every row checked with the rules of ``lead log`` and ``lead
update`` (serving supervisor, channel, taxonomy items against the target, credit codes,
amounts, the status machine), conflicts of interest flagged, then leads written in bulk.

A row with 线索编号 updates that lead — handling unit, outcome amounts, and a status
change along the machine, one recorded step at a time.  A row without one is a new lead,
unless the same lead (same supervisor, day, target and items) is already on file, which
makes re-importing a ledger without numbers change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from medisup.clock import now
from medisup.errors import InvalidValue, MedisupError, RuleViolation
from medisup.i18n import t
from medisup.models import (
    Department,
    Interest,
    Lead,
    LeadEvent,
    LeadExtension,
    LeadItem,
    Person,
    Term,
)
from medisup.packs import Pack, load_pack
from medisup.services import lead_rules as rules
from medisup.services.batches.pipeline import (
    PROGRESS_STEP,
    ImportReport,
    Memo,
    Progress,
    Tally,
    chunks,
    run_import,
)
from medisup.services.batches.writer import Writer, finish_batch, start_batch
from medisup.services.lead_rules import CLOSED, IN_PROGRESS, OUTCOMES, RECEIVED, REFERRED, VERIFIED
from medisup.services.masking import mask_id_number

if TYPE_CHECKING:
    from medisup.excel import CellProblem, Row
    from medisup.excel import Table as SheetTable
    from medisup.services.uow import UnitOfWork

KIND = "leads"
# Where a refusal of lead_rules.check_target lands in the workbook, by the field it names.
_TARGET_FIELDS = {"lead.field.target_name": "target_name", "lead.field.credit_code":
                  "target_credit_code", "lead.field.target_kind": "target_kind"}


@dataclass
class Supervisor:
    id: int
    name: str
    terms: list[tuple[int, str, date, date, date | None]] = field(default_factory=list)
    interests: list[Any] = field(default_factory=list)


@dataclass
class OnFile:
    """A lead already recorded, as far as an import may look at or change it."""

    id: int
    number: str
    department_code: str
    supervisor_id: int
    received_on: date
    target_name: str
    target_credit_code: str | None
    status: str
    handling_unit: str | None
    verified_amount: Decimal | None
    recovered_amount: Decimal | None
    referral_target: str | None
    closed_on: date | None
    accept_by: date | None
    handle_by: date | None
    updated_at: Any = None
    items: tuple[str, ...] = ()
    outcome: str | None = None
    last_step: date | None = None


@dataclass(frozen=True)
class _Interest:
    institution_name: str
    credit_code: str | None
    withdrawn_on: date | None


@dataclass
class _Plan:
    """One row's writes: a new lead (``lead_id`` None) or changes to one on file."""

    row: int
    department_code: str
    pack: Pack
    state: dict[str, Any]
    steps: list[tuple[str, str, str | None]]  # (from, to, handling unit)
    lead_id: int | None = None
    before: dict[str, Any] | None = None
    updated_at: Any = None
    items: tuple[str, ...] = ()
    supervisor_id: int | None = None
    term_id: int | None = None


def columns(packs: Sequence[Pack] | None = None) -> tuple:
    """The ledger's columns, with every known item label kept whole when splitting (the
    labels of Art. 8 contain commas)."""
    from medisup.excel import LEAD_COLUMNS, with_choices
    from medisup.packs import available_packs

    labels: list[str] = []
    for pack in packs or [load_pack(name) for name in available_packs()]:
        for item in pack.items:
            labels += [x for x in (item.code, item.label, item.short, item.label_en,
                                   item.short_en) if x]
    return with_choices(LEAD_COLUMNS, {"items": list(dict.fromkeys(labels))})


def resolve_item(pack: Pack, text: str, target_kind: str | None = None) -> str:
    """A taxonomy item by code, full label, short label (either language) or an
    unambiguous start of one; among several that start alike, those fitting the target's
    kind are preferred.  An ambiguous start names the candidates."""
    try:
        return pack.resolve("items", text).code
    except InvalidValue as unknown:
        wanted = " ".join(str(text).split()).casefold()
        if len(wanted) < 2:
            raise unknown from None
        found = [item for item in pack.items
                 if any(name and name.casefold().startswith(wanted)
                        for name in (item.label, item.short, item.label_en, item.short_en))]
        if target_kind is not None:
            fitting = [item for item in found if pack.fits_target(item.code, target_kind)]
            found = fitting or found
        if len(found) == 1:
            return found[0].code
        if not found:
            raise unknown from None
        candidates = t("pack.list_sep").join(f"{i.code} {i.text(short=True)}" for i in found)
        raise InvalidValue(t("lead.field.code"), text, t(
            "import.expect_item_ambiguous", item=text, candidates=candidates)) from None


def import_leads(
    uow: UnitOfWork,
    path: str | Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    department: str | None = None,
    dry_run: bool = False,
    errors_to: str | Path | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row of a lead ledger and, when none has a problem (and not
    ``dry_run``), write them all as one batch."""
    return run_import(
        uow, path, kind=KIND, columns=columns(), checker=_Checker, sheet=sheet,
        header_row=header_row, department=department, dry_run=dry_run, errors_to=errors_to,
        today=today, progress=progress,
    )


class _Checker:
    """Checks ledger rows against the facts on file, loaded in bulk, and plans the writes."""

    def __init__(self, uow: UnitOfWork, table: SheetTable, department: str | None,
                 today: date, tick: Progress) -> None:
        self.uow = uow
        self.table = table
        self.today = today
        self.tick = tick
        self.default_dept = department
        self.problems: list[CellProblem] = []
        self.warnings: list[str] = []
        self.tally = Tally()
        self.depts: dict[str, Pack] = {}
        self.supervisors: dict[str, Supervisor] = {}
        self.by_number: dict[str, OnFile] = {}
        self.by_key: dict[tuple[Any, ...], OnFile] = {}
        self.seen_keys: dict[tuple[Any, ...], int] = {}
        self.plans: list[_Plan] = []
        self.item = Memo(lambda pack, text, kind: resolve_item(self.packs[pack], text, kind))
        self.channel = Memo(lambda pack, text: rules.check_channel(self.packs[pack], text))
        self.kind = Memo(rules.resolve_target_kind)
        self.status = Memo(rules.resolve_status)
        self.packs: dict[str, Pack] = {}
        self.deadlines: dict[tuple[str, date, date | None], Any] = {}
        self.extensions: dict[int, list[int]] = {}

    # ---------------------------------------------------------------- problems

    def _problem(self, row: Row, key: str | None, expected: str) -> None:
        if key is not None and key not in self.table.positions:
            key = None
        self.problems.append(self.table.problem(row, key, expected))

    def _error(self, row: Row, key: str | None, exc: MedisupError) -> None:
        self._problem(row, key, getattr(exc, "expected", None) or exc.message)

    # ---------------------------------------------------------------- loading facts

    def _load(self) -> None:
        session = self.uow.session
        self.default_dept = self.default_dept or self.uow.require_dept()
        self.uow.check_scope(self.default_dept)
        for dept in session.scalars(select(Department).where(
                Department.code.in_(sorted(self.uow.scope)))):
            pack = self.packs.setdefault(dept.pack, load_pack(dept.pack))
            self.depts[dept.code] = pack
        conn = session.connection()
        rows = self.table.rows
        numbers = sorted({r.values["supervisor_id_number"] for r in rows
                          if r.values.get("supervisor_id_number")})
        person, term, interest = Person.__table__, Term.__table__, Interest.__table__
        query = select(person.c.id, person.c.id_number, person.c.name).where(
            person.c.id_number.in_(bindparam("keys", expanding=True)))
        by_id: dict[int, Supervisor] = {}
        for part in chunks(numbers):
            for r in conn.execute(query, {"keys": list(part)}):
                by_id[r.id] = self.supervisors[r.id_number] = Supervisor(r.id, r.name)
        for part in chunks(sorted(by_id)):
            for r in conn.execute(select(term.c.id, term.c.person_id, term.c.department_code,
                                         term.c.start_date, term.c.end_date,
                                         term.c.terminated_on)
                                  .where(term.c.person_id.in_(part))
                                  .order_by(term.c.start_date, term.c.id)):
                by_id[r.person_id].terms.append((r.id, r.department_code, r.start_date,
                                                 r.end_date, r.terminated_on))
            for r in conn.execute(select(interest.c.person_id, interest.c.institution_name,
                                         interest.c.credit_code, interest.c.withdrawn_on)
                                  .where(interest.c.person_id.in_(part))
                                  .order_by(interest.c.id)):
                by_id[r.person_id].interests.append(
                    _Interest(r.institution_name, r.credit_code, r.withdrawn_on))
        self._load_leads(conn, rows, sorted(by_id))

    def _load_leads(self, conn: Any, rows: Sequence[Row], people: list[int]) -> None:
        lead, item, event = Lead.__table__, LeadItem.__table__, LeadEvent.__table__
        wanted = [lead.c.id, lead.c.number, lead.c.department_code, lead.c.supervisor_id,
                  lead.c.received_on, lead.c.target_name, lead.c.target_credit_code,
                  lead.c.status, lead.c.handling_unit, lead.c.verified_amount,
                  lead.c.recovered_amount, lead.c.referral_target, lead.c.closed_on,
                  lead.c.accept_by, lead.c.handle_by, lead.c.updated_at]
        found: dict[int, OnFile] = {}
        numbers = sorted({str(r.values["number"]).strip().upper() for r in rows
                          if r.values.get("number")})
        for part in chunks(numbers):
            for r in conn.execute(select(*wanted).where(lead.c.number.in_(part))):
                found[r.id] = OnFile(*r)
        days = [r.values["received_on"] for r in rows if r.values.get("received_on")]
        if people and days:
            for part in chunks(people):
                for r in conn.execute(select(*wanted).where(
                        lead.c.supervisor_id.in_(part), lead.c.received_on >= min(days),
                        lead.c.received_on <= max(days))):
                    found.setdefault(r.id, OnFile(*r))
        ids = sorted(found)
        items: dict[int, list[str]] = {}
        for part in chunks(ids):
            for lead_id, code in conn.execute(select(item.c.lead_id, item.c.code)
                                              .where(item.c.lead_id.in_(part))):
                items.setdefault(lead_id, []).append(code)
            for r in conn.execute(select(event.c.lead_id, event.c.to_status, event.c.on_date)
                                  .where(event.c.lead_id.in_(part))
                                  .order_by(event.c.on_date, event.c.id)):
                on_file = found[r.lead_id]
                if r.to_status in OUTCOMES:
                    on_file.outcome = r.to_status
                on_file.last_step = r.on_date
        for lead_id, on_file in found.items():
            on_file.items = tuple(sorted(items.get(lead_id, ())))
            self.by_number[on_file.number] = on_file
            self.by_key[_natural_key(on_file.supervisor_id, on_file.received_on,
                                     on_file.target_name, on_file.target_credit_code,
                                     on_file.items)] = on_file

    def _extension_days(self, lead_id: int) -> list[int]:
        if lead_id not in self.extensions:
            ext = LeadExtension.__table__
            self.extensions[lead_id] = list(self.uow.session.connection().execute(
                select(ext.c.working_days).where(ext.c.lead_id == lead_id)
                .order_by(ext.c.id)).scalars())
        return self.extensions[lead_id]

    # ---------------------------------------------------------------- checking

    def run(self) -> None:
        table = self.table
        self.problems.extend(table.problems)
        self.problems.extend(table.duplicates("number"))
        self._load()
        rows = table.rows
        total = len(rows)
        self.tick("check", 0, total)
        for n, row in enumerate(rows, 1):
            self._row(row)
            if n % PROGRESS_STEP == 0:
                self.tick("check", n, total)
        self.tick("check", total, total)

    def _row(self, row: Row) -> None:
        v = row.values
        before = len(self.problems)
        bad = {p.column_key for p in row.problems}
        supervisor = self._supervisor(row, v)
        received = v.get("received_on")
        if received is not None and received > self.today:
            self._problem(row, "received_on", t("lead.expect_not_future",
                                                today=self.today.isoformat()))
            received = None
        term = self._serving_term(row, supervisor, received) if supervisor and received \
            else None
        code, pack = self._department(row, v, term)
        if pack is None:
            return
        channel = self._channel(row, v, pack, bad)
        kind, items = self._kind_and_items(row, v, pack, bad)
        target = self._target(row, v, kind)
        values = self._values(row, v)
        status = self._status(row, v)
        if len(self.problems) > before or row.problems or supervisor is None or term is None \
                or target is None or items is None or values is None or channel is None:
            return
        number = v.get("number")
        on_file = None
        if number is not None:
            on_file = self.by_number.get(str(number).strip().upper())
            if on_file is None or on_file.department_code not in self.uow.scope:
                self._problem(row, "number", t("import.expect_lead_number"))
                return
            if not self._same_lead(row, on_file, supervisor, received, target, items):
                return
        else:
            key = _natural_key(supervisor.id, received, target.name, target.credit_code, items)
            first = self.seen_keys.setdefault(key, row.number)
            if first != row.number:
                self._problem(row, None, t("excel.expected.duplicate", row=first))
                return
            on_file = self.by_key.get(key)
        if on_file is not None:
            self._plan_update(row, on_file, status, values)
            return
        self._plan_new(row, code, pack, supervisor, term, received, channel, target, items,
                       values, status)

    # -- one check each ------------------------------------------------------

    def _supervisor(self, row: Row, v: dict[str, Any]) -> Supervisor | None:
        number = v.get("supervisor_id_number")
        if number is None:
            return None
        found = self.supervisors.get(number)
        if found is None:
            self._problem(row, "supervisor_id_number", t(
                "lead.supervisor_not_found", id_number=mask_id_number(number) or "-"))
            return None
        name = v.get("supervisor_name")
        if name is not None and " ".join(name.split()) != found.name:
            self._problem(row, "supervisor_name", t("import.expect_supervisor_name",
                                                    name=found.name))
        return found

    def _serving_term(self, row: Row, supervisor: Supervisor, on: date
                      ) -> tuple[int, str, date, date, date | None] | None:
        """The term the supervisor serves on the day received, in the operator's scope —
        as ``roster.serving_clause`` reads a term."""
        for term in supervisor.terms:
            _, code, start, end, terminated = term
            if start <= on <= end and (terminated is None or terminated > on) \
                    and code in self.uow.scope:
                return term
        self._problem(row, "received_on", t("lead.not_serving", name=supervisor.name,
                                            id_number=mask_id_number(row.values[
                                                "supervisor_id_number"]),
                                            date=on.isoformat()))
        return None

    def _department(self, row: Row, v: dict[str, Any], term: Any) -> tuple[str, Pack | None]:
        from medisup.services.departments import validate_code

        text = v.get("department")
        if text is not None:
            try:
                code = validate_code(text)
            except InvalidValue as exc:
                self._error(row, "department", exc)
                return "", None
        elif term is not None:
            code = term[1]
        else:
            code = self.default_dept
        pack = self.depts.get(code)
        if pack is None:
            self._problem(row, "department", t("scope.outside", code=code,
                                               dept=self.uow.actor.dept))
        return code, pack

    def _channel(self, row: Row, v: dict[str, Any], pack: Pack, bad: set[str]) -> str | None:
        text = v.get("channel")
        if text is None:
            if "channel" not in bad:
                self._problem(row, "channel", t("excel.expected.required"))
            return None
        try:
            return self.channel(pack.name, text)
        except InvalidValue as exc:
            self._error(row, "channel", exc)
            return None

    def _kind_and_items(self, row: Row, v: dict[str, Any], pack: Pack, bad: set[str]
                        ) -> tuple[str | None, tuple[str, ...] | None]:
        """The target's kind (given, or read off the items' subjects when they settle it)
        and the items checked against it, as ``lead_rules.check_items`` checks them."""
        kind = None
        text = v.get("target_kind")
        if text is not None:
            try:
                kind = self.kind(text)
            except InvalidValue as exc:
                self._error(row, "target_kind", exc)
                return None, None
        texts = v.get("items") or ()
        codes: list[str] = []
        for item in texts:
            try:
                codes.append(self.item(pack.name, item, kind))
            except InvalidValue as exc:
                self._problem(row, "items", t("excel.expected.item", item=item,
                                              problem=exc.expected))
        if len(codes) < len(texts) or not texts:
            return kind, None
        if kind is None:
            kinds = set(pack.subject_of(codes[0]).targets)
            for code in codes[1:]:
                kinds &= set(pack.subject_of(code).targets)
            if len(kinds) != 1:
                choices = t("pack.list_sep").join(rules.target_label(k) for k in sorted(kinds))
                self._problem(row, "target_kind" if "target_kind" in self.table.positions
                              else None, t("import.expect_target_kind", choices=choices or "—"))
                return None, None
            kind = kinds.pop()
        try:
            return kind, rules.check_items(pack, codes, kind)
        except InvalidValue as exc:
            self._error(row, "items", exc)
            return kind, None

    def _target(self, row: Row, v: dict[str, Any], kind: str | None) -> rules.Target | None:
        if kind is None:
            return None
        try:
            return rules.check_target(kind, v.get("target_name"), v.get("target_credit_code"))
        except InvalidValue as exc:
            key = next((column for label, column in _TARGET_FIELDS.items()
                        if exc.field == t(label)), "target_name")
            self._error(row, key, exc)
            return None

    def _values(self, row: Row, v: dict[str, Any]) -> dict[str, Any] | None:
        """Amounts and free text checked as ``lead log`` and ``lead update`` check them."""
        out: dict[str, Any] = {}
        ok = True
        for key, label in (("amount", None), ("verified_amount", "lead.field.verified_amount"),
                           ("recovered_amount", "lead.field.recovered_amount")):
            try:
                out[key] = rules.check_amount(v.get(key), t(label) if label else None)
            except InvalidValue as exc:
                self._error(row, key, exc)
                ok = False
        for key in ("description", "handling_unit"):
            try:
                out[key] = rules.check_text(v.get(key), key)
            except InvalidValue as exc:
                self._error(row, key, exc)
                ok = False
        return out if ok else None

    def _status(self, row: Row, v: dict[str, Any]) -> str | None:
        text = v.get("status")
        if text is None:
            return None
        try:
            return self.status(text)
        except InvalidValue as exc:
            self._error(row, "status", exc)
            return None

    def _same_lead(self, row: Row, on_file: OnFile, supervisor: Supervisor, received: date,
                   target: rules.Target, items: tuple[str, ...]) -> bool:
        """A numbered row must describe the lead it names: a logged lead is not rewritten."""
        given = [
            ("supervisor_id_number", on_file.supervisor_id == supervisor.id,
             mask_id_number(row.values["supervisor_id_number"])),
            ("received_on", on_file.received_on == received, on_file.received_on.isoformat()),
            ("target_name", _target_key(target.name, target.credit_code)
             == _target_key(on_file.target_name, on_file.target_credit_code),
             on_file.target_credit_code or on_file.target_name),
            ("items", tuple(sorted(items)) == on_file.items, "、".join(on_file.items)),
        ]
        same = True
        for key, equal, recorded in given:
            if not equal:
                header = self.table.headers.get(key, key)
                self._problem(row, key, t("import.expect_same_lead", number=on_file.number,
                                          field=header, value=recorded))
                same = False
        return same

    # ---------------------------------------------------------------- planning

    def _steps(self, row: Row, pack: Pack, state: dict[str, Any], wanted: str | None,
               values: dict[str, Any], outcome: str | None, last_step: date | None,
               lead_id: int | None) -> list[tuple[str, str, str | None]] | None:
        """The status steps to take, each checked as ``lead update --to`` checks it, with
        the state changed as it would change it; ``None`` when refused."""
        current = state["status"]
        try:
            path = rules.status_path(current, wanted) if wanted else []
        except RuleViolation as exc:
            self._error(row, "status", exc)
            return None
        if path and last_step is not None and last_step > self.today:
            self._problem(row, "status", t("lead.expect_date_after",
                                           earliest=last_step.isoformat(),
                                           today=self.today.isoformat()))
            return None
        final = next((s for s in reversed(path) if s in OUTCOMES), None) or outcome
        unit = values["handling_unit"]
        verified, recovered = values["verified_amount"], values["recovered_amount"]
        if (verified is not None or recovered is not None) and final != VERIFIED:
            if verified != state["verified_amount"] or recovered != state["recovered_amount"]:
                self._problem(row, "verified_amount" if verified is not None
                              else "recovered_amount",
                              t("lead.amounts_only_verified",
                                status=rules.status_label(wanted or current)))
                return None
        if final == VERIFIED:
            try:
                state["verified_amount"], state["recovered_amount"] = rules.outcome_amounts(
                    verified, recovered,
                    on_file=(state["verified_amount"], state["recovered_amount"]))
            except MedisupError as exc:
                self._error(row, "recovered_amount", exc)
                return None
        if unit is not None:
            state["handling_unit"] = unit
        steps: list[tuple[str, str, str | None]] = []
        for step in path:
            try:
                rules.step(state["status"], step, outcome=final,
                           handling_unit=state["handling_unit"],
                           referral_target=state.get("referral_target"),
                           verified_amount=state["verified_amount"], number=state.get("number"))
            except MedisupError as exc:
                self._step_refused(row, step, exc)
                return None
            step_unit = None
            if step == IN_PROGRESS:
                step_unit = state["handling_unit"]
                state["handle_by"] = self._deadlines(pack, state["received_on"],
                                                     self.today, lead_id).handle_by
            if step == CLOSED:
                state["closed_on"] = self.today
            steps.append((state["status"], step, step_unit))
            state["status"] = step
        return steps

    def _step_refused(self, row: Row, step: str, exc: MedisupError) -> None:
        """A refused step on the column the clerk can fix; a referral cannot be imported."""
        if step == REFERRED:
            self._problem(row, "status", t("import.expect_referral"))
        elif step == IN_PROGRESS:
            self._error(row, "handling_unit", exc)
        elif step == CLOSED:
            self._error(row, "verified_amount", exc)
        else:
            self._error(row, "status", exc)

    def _deadlines(self, pack: Pack, received: date, accepted: date | None,
                   lead_id: int | None) -> Any:
        from medisup.services.deadlines import lead_deadlines

        extensions = self._extension_days(lead_id) if lead_id is not None else []
        if extensions:
            return lead_deadlines(received, pack, extensions=extensions, accepted=accepted)
        key = (pack.name, received, accepted)
        if key not in self.deadlines:
            self.deadlines[key] = lead_deadlines(received, pack, accepted=accepted)
        return self.deadlines[key]

    def _plan_update(self, row: Row, on_file: OnFile, status: str | None,
                     values: dict[str, Any]) -> None:
        pack = self.depts[on_file.department_code]
        state = _state(on_file)
        before = dict(state)
        state["received_on"], state["number"] = on_file.received_on, on_file.number
        steps = self._steps(row, pack, state, status, values, on_file.outcome,
                            on_file.last_step, on_file.id)
        if steps is None:
            return
        state.pop("received_on")
        state.pop("number")
        if state == before:
            self.tally.add("unchanged")
            return
        self.plans.append(_Plan(row.number, on_file.department_code, pack, state, steps,
                                lead_id=on_file.id, before=before,
                                updated_at=on_file.updated_at))
        self.tally.add("updated")

    def _plan_new(self, row: Row, code: str, pack: Pack, supervisor: Supervisor, term: Any,
                  received: date, channel: str, target: rules.Target, items: tuple[str, ...],
                  values: dict[str, Any], status: str | None) -> None:
        deadlines = self._deadlines(pack, received, None, None)
        active = [i for i in supervisor.interests
                  if i.withdrawn_on is None or i.withdrawn_on > received]
        conflict = rules.conflict_of(active, target)
        state = {
            "status": RECEIVED, "handling_unit": None, "verified_amount": None,
            "recovered_amount": None, "referral_target": None, "closed_on": None,
            "accept_by": deadlines.accept_by, "handle_by": deadlines.handle_by,
            "received_on": received, "number": None,
        }
        steps = self._steps(row, pack, state, status, values, None, received, None)
        if steps is None:
            return
        state.pop("number")
        state.update(
            department_code=code, year=received.year, supervisor_id=supervisor.id,
            term_id=term[0], channel=channel, target_kind=target.kind,
            target_name=target.name, target_credit_code=target.credit_code,
            description=values["description"], amount_involved=values["amount"],
            conflict=conflict is not None)
        if conflict is not None:
            self.warnings.append(t("import.conflict_flagged", row=row.number, target=target.name))
        self.plans.append(_Plan(row.number, code, pack, state, steps, items=items,
                                supervisor_id=supervisor.id, term_id=term[0]))
        self.tally.add("created")

    # ---------------------------------------------------------------- writing

    def release(self) -> None:
        """Nothing to let go of: the plan keeps only what it writes."""

    def write(self, report: ImportReport) -> None:
        from medisup.services.leads import next_number

        uow = self.uow
        batch = start_batch(uow, KIND, report)
        writer = Writer(uow)
        stamp = now()
        operator = uow.actor.operator
        note = t("import.event_note", batch=batch.id)
        new = [p for p in self.plans if p.lead_id is None]
        changed = [p for p in self.plans if p.lead_id is not None]
        self.tick("write", 0, len(self.plans))
        # Numbers from each department's counter for the year, locked, never reused.
        groups: dict[tuple[str, int], list[_Plan]] = {}
        for plan in new:
            groups.setdefault((plan.department_code, plan.state["year"]), []).append(plan)
        sequence: dict[int, tuple[int, str]] = {}
        for (code, year), plans in groups.items():
            pattern = plans[0].pack.lead_number_pattern
            first, _ = next_number(uow.session, code, year, pattern, count=len(plans))
            for offset, plan in enumerate(plans):
                seq = first + offset
                sequence[id(plan)] = (seq, rules.number(code, year, seq, pattern))
        uow.session.flush()
        ids = writer.allocate("lead", len(new))
        rows = []
        for lead_id, plan in zip(ids, new, strict=True):
            seq, number = sequence[id(plan)]
            rows.append({**plan.state, "id": lead_id, "number": number, "seq": seq,
                         "batch_id": batch.id, "created_at": stamp, "updated_at": stamp})
        if rows:
            keys = list(rows[0])
            writer.insert("lead", len(rows), {k: [r[k] for r in rows] for k in keys})
        items = [(lead_id, code) for lead_id, plan in zip(ids, new, strict=True)
                 for code in plan.items]
        writer.insert("lead_item", len(items), {"lead_id": [i[0] for i in items],
                                                "code": [i[1] for i in items]})
        writer.own("lead_item", "lead_id", "lead")
        events: list[tuple[Any, ...]] = []
        for lead_id, plan in zip(ids, new, strict=True):
            events.append((lead_id, None, RECEIVED, plan.state["received_on"], None, None))
            events += [(lead_id, a, b, self.today, unit, note) for a, b, unit in plan.steps]
        if changed:
            updates, befores = [], []
            for plan in changed:
                values = {k: v for k, v in plan.state.items() if plan.before.get(k) != v}
                updates.append({"id": plan.lead_id, **values, "updated_at": stamp})
                befores.append({**{k: plan.before[k] for k in values},
                                "updated_at": plan.updated_at})
                events += [(plan.lead_id, a, b, self.today, unit, note)
                           for a, b, unit in plan.steps]
            writer.update("lead", updates, befores)
        if events:
            cols = list(zip(*events, strict=True))
            writer.insert("lead_event", len(events), {
                "id": writer.allocate("lead_event", len(events)), "lead_id": list(cols[0]),
                "from_status": list(cols[1]), "to_status": list(cols[2]),
                "on_date": list(cols[3]), "operator": operator, "handling_unit": list(cols[4]),
                "note": list(cols[5]), "created_at": stamp})
        finish_batch(uow, batch, report, writer)
        self.tick("write", len(self.plans), len(self.plans))


def _state(on_file: OnFile) -> dict[str, Any]:
    return {
        "status": on_file.status, "handling_unit": on_file.handling_unit,
        "verified_amount": on_file.verified_amount, "recovered_amount": on_file.recovered_amount,
        "referral_target": on_file.referral_target, "closed_on": on_file.closed_on,
        "accept_by": on_file.accept_by, "handle_by": on_file.handle_by,
    }


def _target_key(name: str, credit_code: str | None) -> str:
    return credit_code or rules.normalise_name(name)


def _natural_key(supervisor_id: int, received: date, name: str, credit_code: str | None,
                 items: Sequence[str]) -> tuple[Any, ...]:
    """What makes two rows the same lead when neither has a number."""
    return (supervisor_id, received, _target_key(name, credit_code), tuple(sorted(items)))


__all__ = ["columns", "import_leads", "resolve_item"]
