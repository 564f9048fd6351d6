"""Importing a lead ledger: every row checked with the rules of ``lead log`` and ``lead
update`` (serving supervisor, channel, taxonomy items against the target, credit codes,
amounts, the status machine), conflicts of interest flagged, then leads written in bulk.

A row with 线索编号 updates that lead — handling unit, outcome amounts, and a status
change along the machine, one recorded step at a time.  A row without one is a new lead,
unless the same lead (same supervisor, day, target and items) is already on file, which
makes re-importing a ledger without numbers change nothing.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medisup.clock import now
from medisup.errors import InvalidValue, MedisupError
from medisup.i18n import t
from medisup.packs import Pack, load_pack
from medisup.services.batches.pipeline import (
    ImportReport,
    Memo,
    Progress,
    Tally,
    run_import,
)
from medisup.services.batches.writer import Writer, finish_batch, start_batch
from medisup.services.leads import rules
from medisup.services.leads.items import with_openers
from medisup.services.leads.rules import RECEIVED

if TYPE_CHECKING:
    from medisup.excel import CellProblem, Row
    from medisup.excel import Table as SheetTable
    from medisup.services.uow import UnitOfWork

from medisup.services.leads.import_facts import KIND, Loading, OnFile, Plan, Supervisor
from medisup.services.leads.import_rows import RowChecks

# Columns a ledger file may lack, but whose absence changes what every row means
# (required columns are needed anyway): an unknown column that looks like one is
# refused with the --map that would read it, never dropped without a word.
NEEDED = ("department",)


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
        return pack.resolve_item(text, target_kind).code
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
    force: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Check every row of a lead ledger and, when none has a problem (and not
    ``dry_run``), write them all as one batch."""
    return run_import(
        uow, path, kind=KIND, columns=columns(), checker=_Checker, sheet=sheet,
        header_row=header_row, department=department, dry_run=dry_run, errors_to=errors_to,
        today=today, progress=progress, force=force, mapping=mapping, needed=NEEDED,
    )

class _Checker(Loading, RowChecks):
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
        self.plans: list[Plan] = []
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
    # ---------------------------------------------------------------- writing

    def release(self) -> None:
        """Nothing to let go of: the plan keeps only what it writes."""

    def write(self, report: ImportReport) -> None:
        from medisup.services.leads.handling import next_number

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
        groups: dict[tuple[str, int], list[Plan]] = {}
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
        items = [(lead_id, code, opens) for lead_id, plan in zip(ids, new, strict=True)
                 for code, opens in with_openers(plan.items)]
        writer.insert("lead_item", len(items), {"lead_id": [i[0] for i in items],
                                                "code": [i[1] for i in items],
                                                "opens_subject": [i[2] for i in items]})
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


__all__ = ["columns", "import_leads", "resolve_item"]
