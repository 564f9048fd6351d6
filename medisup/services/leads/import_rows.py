"""The lead import's row checks and planning: each row checked as ``lead log`` and
``lead update`` check it, and the writes it needs planned."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from medisup.errors import InvalidValue, MedisupError, RuleViolation
from medisup.i18n import t
from medisup.packs import Pack
from medisup.services.batches.pipeline import (
    PROGRESS_STEP,
)
from medisup.services.leads import rules
from medisup.services.leads.rules import CLOSED, IN_PROGRESS, OUTCOMES, RECEIVED, REFERRED, VERIFIED
from medisup.services.masking import mask_id_number
from medisup.services.supervisors.rules import serves_on

if TYPE_CHECKING:
    from medisup.excel import Row

from medisup.services.leads.import_facts import (
    TARGET_FIELDS,
    OnFile,
    Plan,
    Supervisor,
    _natural_key,
    _state,
    _target_key,
)


class RowChecks:
    """Row checks and the plan of writes (a part of the import's checker)."""

    # ---------------------------------------------------------------- checking

    def run(self) -> None:
        from medisup.excel.headers import refuse_masked_export

        table = self.table
        # A masked export imported back: one message, not an error on every row.
        refuse_masked_export(table, "supervisor_id_number")
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
        """The term the supervisor serves on the day received, in the operator's scope."""
        for term in supervisor.terms:
            _, code, start, end, terminated = term
            if serves_on(start, end, terminated, on) and code in self.uow.scope:
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
        and the items checked against it, as ``rules.check_items`` checks them."""
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
            key = next((column for label, column in TARGET_FIELDS.items()
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
        from medisup.services.leads.deadlines import lead_deadlines

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
        self.plans.append(Plan(row.number, on_file.department_code, pack, state, steps,
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
        self.plans.append(Plan(row.number, code, pack, state, steps, items=items,
                                supervisor_id=supervisor.id, term_id=term[0]))
        self.tally.add("created")
