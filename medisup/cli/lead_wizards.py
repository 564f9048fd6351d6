"""The questions of ``medisup lead``'s wizards — logging a lead (the pack's channels, target
kinds and Art. 8 items as choices) and moving it to its next status — asked only when a
terminal is there to ask in and options were left out."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from medisup.cli import prompts
from medisup.cli.common import parse_date, run
from medisup.errors import MedisupError, NotFound
from medisup.i18n import t
from medisup.render import success

if TYPE_CHECKING:
    from medisup.packs import Pack


def status_label(code: str | None) -> str:
    return t(f"lead.status.{code}") if code else ""


def log_wizard(ctx: typer.Context, given: dict[str, Any], pack: Pack):
    """The questions for what the options left out, with the pack's lists as choices; each
    answer is checked as it is given by the function ``lead log`` itself calls."""
    from medisup.cli.prompts import Wizard, item_label, required, validator
    from medisup.packs import TARGET_KINDS
    from medisup.services.leads import reporters
    from medisup.services.leads import rules as lead_rules
    ask = prompts.prompter()
    w = Wizard(t("wizard.lead.title"))
    labels = {"supervisor": t("lead.col.supervisor_name"), "received": t("lead.col.received_on"),
              "channel": t("lead.col.channel"), "target_kind": t("lead.col.target_kind"),
              "target_name": t("lead.col.target_name"),
              "credit_code": t("lead.col.target_credit_code"), "codes": t("lead.col.items"),
              "description": t("lead.col.description"), "amount": t("lead.col.amount_involved")}
    for key, label in labels.items():
        w.given(label, given[key])

    def value(a: dict[str, Any], key: str) -> Any:
        return a.get(key) or given[key]

    def received_on(a: dict[str, Any]):
        return parse_date(value(a, "received"), "--on") or date.today()

    def check_day(text: str) -> None:
        day = parse_date(text, t("lead.field.received_on"))
        if day is not None:
            reporters.check_received_on(day)

    if not given["received"]:
        w.step("received", labels["received"], lambda prior: ask.text(
            t("lead.ask.received"), default=prior or date.today().isoformat(),
            validate=validator(check_day)).strip())

    if not given["supervisor"]:
        def find(text: str, on) -> list:
            return run(ctx, lambda uow: reporters.find_reporters(uow, text, on), write=False)

        def ask_reporter(prior):
            on = received_on(w.answers)

            def check(text: str) -> None:
                found = find(text, on)
                if not found:
                    raise NotFound(t("wizard.lead.no_reporter", text=text.strip()))
                if len(found) == 1:
                    run(ctx, lambda uow: reporters.check_reporter(uow, found[0].id_number, on),
                        write=False)

            while True:
                text = ask.text(t("wizard.lead.ask_reporter"), default=prior or "",
                                validate=lambda s: required(s) if not s.strip()
                                else validator(check)(s)).strip()
                found = find(text, on)
                pick = found[0]
                if len(found) > 1:
                    chosen = ask.select(t("wizard.lead.pick_reporter", count=len(found)), [
                        (r.id_number, f"{r.describe()}  {r.masked_id}") for r in found])
                    pick = next(r for r in found if r.id_number == chosen)
                try:
                    pick = run(ctx, lambda uow, number=pick.id_number: reporters.check_reporter(
                        uow, number, on), write=False)
                except MedisupError as exc:
                    from medisup.render import message

                    message(exc.message, style="red")
                    continue
                success(f"  {pick.describe()}")
                shown[pick.id_number] = pick.describe()
                return pick.id_number

        shown: dict[str, str] = {}
        w.step("supervisor", labels["supervisor"], ask_reporter, depends=("received",),
               show=lambda v: shown.get(v, v or ""))

    if not given["channel"]:
        listed = pack.codes("report_channels")

        def ask_channel(prior):
            # An open list (the text's "等形式"): 其他形式 asks the channel's name, kept as typed.
            chosen = ask.select(
                t("lead.ask.channel"), [(c.code, item_label(c)) for c in pack.report_channels],
                default=prior if prior in listed else ("other" if prior else None))
            if chosen != "other" or "report_channels" not in pack.open_lists:
                return chosen
            return lead_rules.check_channel(pack, "other:" + ask.text(
                t("lead.ask.channel_name"), default="" if prior in listed else prior or "",
                validate=validator(lambda v: lead_rules.check_channel(pack, "other:" + v))))

        w.step("channel", labels["channel"], ask_channel,
               show=lambda v: pack.display("report_channels", v, short=False) or "")

    def kind_of(a: dict[str, Any]) -> str:
        return lead_rules.resolve_target_kind(value(a, "target_kind"))

    if not given["target_kind"]:
        w.step("target_kind", labels["target_kind"], lambda prior: ask.select(
            t("lead.ask.target_kind"), [(k, t(f"pack.target.{k}")) for k in TARGET_KINDS],
            default=prior), show=lambda v: t(f"pack.target.{v}"))
    if not given["target_name"]:
        w.step("target_name", labels["target_name"], lambda prior: ask.text(
            t(f"lead.ask.target_name.{kind_of(w.answers)}"), default=prior or "",
            validate=lambda v: required(v) if not v.strip() else validator(
                lambda x: lead_rules.check_text(x, "target_name"))(v)).strip())
    if not given["credit_code"]:
        w.step("credit_code", labels["credit_code"], lambda prior: ask.text(
            t("lead.ask.credit_code"), default=prior or "",
            validate=validator(lambda v: lead_rules.check_credit_code(v, required=False))).strip(),
            when=lambda a: kind_of(a) in lead_rules.INSTITUTION_KINDS, depends=("target_kind",))
    if not given["codes"]:
        w.step("codes", labels["codes"],
               lambda prior: ask_items(pack, kind_of(w.answers), prior or ()),
               depends=("target_kind",), show=lambda v: " ".join(v or ()))
    if not given["description"]:
        w.step("description", labels["description"], lambda prior: ask.text(
            t("lead.ask.description"), default=prior or "",
            validate=lambda v: required(v) if not v.strip() else validator(
                lambda x: lead_rules.check_text(x, "description"))(v)).strip())
    if given["amount"] is None:
        w.step("amount", labels["amount"], lambda prior: ask.text(
            t("lead.ask.amount"), default=prior or "",
            validate=validator(lead_rules.check_amount)).strip() or None)
    return w


def ask_items(pack: Pack, kind: str, prior=()) -> list[str]:
    """Subject first, then that subject's items; another subject on request."""
    from medisup.cli.prompts import item_label

    ask = prompts.prompter()
    chosen: list[str] = []
    subjects = [(s, items) for s, items in pack.taxonomy() if kind in s.targets]
    while True:
        remaining = [(s, items) for s, items in subjects
                     if not any(i.code in chosen for i in items)]
        if not remaining:
            break
        first = next((s.code for s, items in remaining if any(i.code in prior for i in items)),
                     None)
        code = ask.select(t("lead.ask.subject"),
                          [(s.code, f"{s.code} {item_label(s)}") for s, _ in remaining],
                          default=first)
        items = next(items for s, items in remaining if s.code == code)
        if len(items) == 1:
            picked = [items[0].code]
        else:
            picked = ask.checkbox(t("wizard.lead.ask_items"),
                                  [(i.code, f"{i.code} {item_label(i)}") for i in items],
                                  default=[i.code for i in items if i.code in prior])
        chosen.extend(p for p in picked if p not in chosen)
        if not chosen:
            continue
        if len(remaining) == 1 or not ask.confirm(t("lead.ask.another_subject"), default=False):
            break
    return chosen


# ---------------------------------------------------------------- list and show


def update_wizard(ctx: typer.Context, number: str, *, unit: str | None,
                   referral_target: str | None):
    """The next step, offered only among those the lead's status allows, and what it needs."""
    from medisup.cli.prompts import Wizard, required
    from medisup.services import leads
    from medisup.services.leads import rules as lead_rules
    current = run(ctx, lambda uow: leads.get_lead(uow, number).status, write=False)
    allowed = lead_rules.TRANSITIONS.get(current, ())
    if not allowed:
        lead_rules.check_transition(current, lead_rules.CLOSED)
    ask = prompts.prompter()
    w = Wizard(t("wizard.lead.update_title", number=number))
    w.given(t("lead.col.handling_unit"), unit)
    w.given(t("lead.col.referral_target"), referral_target)
    w.step("to", t("lead.col.status"), lambda prior: ask.select(
        t("lead.ask.to_status", current=status_label(current)), [(s, status_label(s)) for s in allowed],
        default=prior), show=status_label)
    if not unit:
        w.step("unit", t("lead.col.handling_unit"), lambda prior: ask.text(
            t("lead.ask.unit"), default=prior or "", validate=required).strip(),
            when=lambda a: a.get("to") == lead_rules.IN_PROGRESS, depends=("to",))
    if not referral_target:
        w.step("referral_target", t("lead.col.referral_target"), lambda prior: ask.text(
            t("lead.ask.referral_target"), default=prior or "", validate=required).strip(),
            when=lambda a: a.get("to") == lead_rules.REFERRED, depends=("to",))
    return w
