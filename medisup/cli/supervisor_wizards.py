"""The questions of ``medisup supervisor``'s wizards — apply (with the criteria), terminate,
discipline and declared interests: each answer checked as it is given by the function the
service uses, then the summary (``cli/prompts.Wizard``).  The commands in ``cli/supervisor``
build these when a terminal is there to ask in and options were left out."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from medisup.cli import common, prompts, refs
from medisup.cli.common import parse_date, run
from medisup.i18n import t

if TYPE_CHECKING:
    from medisup.packs import Pack


def apply_wizard(ctx: typer.Context, values: dict[str, Any], pack: Pack):
    """The questions for what the options left out, with the pack's choices (SPEC §10); each
    answer is checked by the same function the service uses, as it is given."""
    from medisup.cli.prompts import Wizard, item_label, required, validator
    from medisup.render import message
    from medisup.services.supervisors import identity

    p = prompts.prompter()
    w = Wizard(t("wizard.apply.title"))

    def choices(kind: str) -> list[tuple[str, str]]:
        return [(i.code, item_label(i)) for i in getattr(pack, kind)]

    def label(kind: str, code: str | None) -> str:
        return pack.resolve(kind, code).text() if code else t("wizard.empty")

    def ask_text(key: str, question: str, check=None, *, optional: bool = False):
        def ask(prior):
            answer = p.text(question, default=prior or "",
                            validate=validator(check) if check else (None if optional else required))
            return answer.strip() or None
        w.step(key, question.split("（")[0].rstrip("：:"), ask)

    from medisup.services.supervisors import eligibility

    coded = {"categories": "categories", "channel": "channels",
             "recommending_body": "recommending_bodies", "background": "backgrounds"}
    for key in ("name", "id_number", "phone", "categories", "channel", "recommending_body",
                "work_unit", "background"):
        value = values[key]
        if value and key in coded and (key != "recommending_body" or pack.recommending_bodies):
            value = [label(coded[key], c) for c in value] if isinstance(value, list) \
                else pack.display(coded[key], value, short=False) if key == "recommending_body" \
                else label(coded[key], value)
        w.given(t(f"supervisor.col.{key}"), value)
    if not values["name"]:
        ask_text("name", t("supervisor.ask.name"),
                 lambda v: identity.check_text("name", v, required=True))
    if not values["id_number"]:
        ask_text("id_number", t("supervisor.ask.id_number"), identity.parse_id_number)
    if values["phone"] is None:
        ask_text("phone", t("supervisor.ask.phone"),
                 lambda v: identity.check_phone(v) if v.strip() else None, optional=True)
    if not values["categories"]:
        w.step("categories", t("wizard.apply.categories"),
               lambda prior: p.checkbox(t("wizard.apply.ask_categories"), choices("categories"),
                                        default=prior or ()),
               show=lambda v: t("wizard.list_sep").join(label("categories", c) for c in v or ()))
    if not values["channel"]:
        w.step("channel", t("wizard.apply.channel"),
               lambda prior: p.select(t("supervisor.ask.channel"), choices("channels"),
                                      default=prior),
               show=lambda v: label("channels", v))

    def channel_of(a: dict[str, Any]):
        return pack.resolve("channels", a.get("channel") or values["channel"])

    if not values["recommending_body"]:
        listed = pack.codes("recommending_bodies")

        def ask_body(prior):
            if pack.recommending_bodies:
                chosen = p.select(t("supervisor.ask.recommending_body"),
                                  choices("recommending_bodies"),
                                  default=prior if prior in listed or not prior else "other")
                if chosen != "other" or "recommending_bodies" not in pack.open_lists:
                    return chosen
                # gx Art. 5(二) "等部门": a body not listed is kept by its name, as typed
                check = lambda v: eligibility.check_channel(  # noqa: E731
                    pack, channel_of(w.answers).code, "other:" + v)[1]
                return check(p.text(t("supervisor.ask.recommending_other"),
                                    default="" if prior in listed else prior or "",
                                    validate=validator(check)))
            return p.text(t("supervisor.ask.recommending_unit"), default=prior or "",
                          validate=required).strip()
        w.step("recommending_body", t("wizard.apply.recommending_body"), ask_body,
               when=lambda a: channel_of(a).needs_recommender, depends=("channel",),
               show=lambda v: pack.display("recommending_bodies", v, short=False) or "")
    if values["work_unit"] is None:
        ask_text("work_unit", t("supervisor.ask.work_unit"),
                 lambda v: identity.check_text("work_unit", v), optional=True)
    if values["background"] is None and pack.backgrounds:
        w.step("background", t("wizard.apply.background"),
               lambda prior: p.select(t("supervisor.ask.background"),
                                      [("", t("supervisor.ask.none")), *choices("backgrounds")],
                                      default=prior or "") or None,
               show=lambda v: label("backgrounds", v))
    ask_record(w, p, pack, values)
    if values["all_met"]:
        return w
    stated = {f.split("=", 1)[0].strip() for f in values["findings"]}
    items = [c for c in pack.criteria if c.code not in stated]
    if not items:
        return w
    results = [(r, t(f"eligibility.result.{r}")) for r in ("met", "not_met", "not_checked")]

    def ask_criteria(prior):
        message(t("wizard.apply.criteria_intro"))
        for item in items:
            message(f"  {item.cite()} {item.text()}")
        if p.confirm(t("wizard.apply.all_met"), default=True):
            return [f"{item.code}=met" for item in items]
        before = {f.split("=", 1)[0]: f.split("=", 1)[1].split(":", 1) for f in prior or ()}
        out = []
        for item in items:
            old = before.get(item.code, ["met", ""])
            result = p.select(t("supervisor.ask.finding", article=item.cite(), label=item.text()),
                              results, default=old[0])
            note = ""
            if result != "met":
                note = p.text(t("wizard.apply.finding_note"),
                              default=old[1] if len(old) > 1 else "").strip()
            out.append(f"{item.code}={result}" + (f":{note}" if note else ""))
        return out

    def show_criteria(found) -> str:
        odd = [f for f in found or () if not f.split("=", 1)[1].startswith("met")]
        if not odd:
            return t("wizard.apply.all_met_short")
        by_code = {c.code: c for c in items}
        parts = []
        for f in odd:
            code, rest = f.split("=", 1)
            result, _, note = rest.partition(":")
            parts.append(f"{by_code[code].cite()} {t(f'eligibility.result.{result}')}"
                         + (f"（{note}）" if note else ""))
        return "；".join(parts)

    w.step("findings", t("wizard.apply.criteria"), ask_criteria, show=show_criteria)
    return w


def ask_record(w, p, pack: Pack, values: dict[str, Any]) -> None:
    """Health and the recruitment record, optional answers, asked where the pack cites the
    clause that weighs them (nm Art. 6 last paragraph; gx Art. 3(四), Art. 4): each checked
    as typed by the service's own rule."""
    from medisup.cli.prompts import validator
    from medisup.services.supervisors import rules as supervisor_rules

    def day_check(text: str) -> None:
        applied = parse_date(values.get("applied_on"), "--on") or date.today()
        supervisor_rules.check_form_date(parse_date(text, "--form-date"), applied, date.today())

    if pack.health_article and values.get("health") is None:
        article = pack.cite("health_article")
        if pack.health_statuses:
            w.step("health", t("supervisor.col.health_status"), lambda prior: p.select(
                t("supervisor.ask.health_status", article=article),
                [("", t("supervisor.ask.none")),
                 *[(i.code, i.text(short=True)) for i in pack.health_statuses]],
                default=prior or "") or None,
                show=lambda v: pack.display("health_statuses", v) or t("wizard.empty"))
        else:
            w.step("health", t("supervisor.col.health_status"), lambda prior: p.text(
                t("supervisor.ask.health_status", article=article), default=prior or "",
                validate=validator(lambda v: supervisor_rules.check_health(pack, v))
            ).strip() or None)
    if pack.recruitment_article and values.get("recruitment_ref") is None:
        article = pack.cite("recruitment_article")
        w.step("recruitment_ref", t("supervisor.col.recruitment_ref"), lambda prior: p.text(
            t("supervisor.ask.recruitment_ref", article=article), default=prior or "",
            validate=validator(supervisor_rules.check_recruitment_ref)).strip() or None)
    if pack.recruitment_article and values.get("form_date") is None:
        w.step("form_date", t("supervisor.col.form_on"), lambda prior: p.text(
            t("supervisor.ask.form_on"), default=prior or "",
            validate=validator(lambda v: day_check(v) if v.strip() else None)).strip() or None)


def terminate_wizard(ctx: typer.Context, id_number: str, department: str | None, *,
                      effective: str | None, note: str | None, referral: str | None):
    """The ground with its full label and article, the effective date (default today), and
    where the pack links the ground to a referral, where the case goes."""
    from medisup.cli.prompts import Wizard, item_label, validator

    pack = common.department_pack(ctx, department)
    p = prompts.prompter()
    w = Wizard(t("wizard.terminate.title", person=refs.who(ctx, id_number)))
    w.given(t("supervisor.col.effective_on"), effective)
    w.given(t("supervisor.col.referral"), referral)
    w.given(t("supervisor.col.note"), note)

    def item(a: dict[str, Any]):
        return pack.resolve("termination_grounds", a["ground"])

    from medisup.services.supervisors.terms import offered_ground

    offered = run(ctx, lambda uow: offered_ground(  # a recorded breach: its ground first
        uow, id_number, on=parse_date(effective, "--on") or date.today(), department=department),
        write=False)
    w.step("ground", t("supervisor.col.ground"), lambda prior: p.select(
        t("supervisor.ask.ground"), [(i.code, item_label(i)) for i in pack.termination_grounds],
        default=prior or offered), show=lambda v: f"{item({'ground': v}).text()}（{item({'ground': v}).cite()}）")
    if effective is None:
        w.step("effective", t("supervisor.col.effective_on"), lambda prior: p.text(
            t("wizard.terminate.ask_effective"), default=prior or date.today().isoformat(),
            validate=validator(lambda v: parse_date(v, "--on"))).strip())
    if referral is None:
        w.step("referral", t("supervisor.col.referral"), lambda prior: p.text(
            t("wizard.terminate.ask_referral", note=item(w.answers).note_text() or ""),
            default=prior or "").strip() or None,
            when=lambda a: item(a).referral, depends=("ground",))
    w.step("rule", t("supervisor.col.rule"), lambda prior: p.select(
        t("wizard.terminate.ask_rule"),
        [("", t("wizard.terminate.rule_recorded")),
         *[(i.code, item_label(i)) for i in pack.discipline_rules]], default=prior or "") or None,
        when=lambda a: item(a).from_discipline, depends=("ground",),
        show=lambda v: pack.resolve("discipline_rules", v).text() if v
        else t("wizard.terminate.rule_recorded"))
    w.step("breach_on", t("supervisor.col.occurred_on"), lambda prior: p.text(
        t("wizard.terminate.ask_breach_on"),
        default=prior or w.answers.get("effective") or effective or date.today().isoformat(),
        validate=validator(lambda v: parse_date(v, "--on"))).strip(),
        when=lambda a: item(a).from_discipline and bool(a.get("rule")), depends=("rule",))
    if note is None:
        w.step("note", t("supervisor.col.note"), lambda prior: p.text(
            t("wizard.terminate.ask_note"), default=prior or "").strip() or None)
    return w


def discipline_wizard(ctx: typer.Context, id_number: str, *, on: str | None,
                       note: str | None):
    """The rule breached, with its full label and article, the day it happened (default
    today) and a note; then the summary."""
    from medisup.cli.prompts import Wizard, item_label, validator

    pack = common.department_pack(ctx, None)
    p = prompts.prompter()
    w = Wizard(t("wizard.discipline.title", person=refs.who(ctx, id_number)))
    w.given(t("supervisor.col.occurred_on"), on)
    w.given(t("supervisor.col.note"), note)
    w.step("rule", t("supervisor.col.rule"), lambda prior: p.select(
        t("supervisor.ask.rule"), [(i.code, item_label(i)) for i in pack.discipline_rules],
        default=prior), show=lambda v: f"{pack.resolve('discipline_rules', v).text()}"
                                      f"（{pack.resolve('discipline_rules', v).cite()}）")
    if on is None:
        w.step("on", t("supervisor.col.occurred_on"), lambda prior: p.text(
            t("wizard.discipline.ask_on"), default=prior or date.today().isoformat(),
            validate=validator(lambda v: parse_date(v, "--on"))).strip())
    if note is None:
        w.step("note", t("supervisor.col.note"), lambda prior: p.text(
            t("wizard.discipline.ask_note"), default=prior or "").strip() or None)
    return w


def interest_wizard(id_number: str, *, credit_code: str | None, on: str | None,
                     note: str | None):
    """The institution, its unified social credit code (checked as typed), the day the
    interest was declared and a note; then the summary."""
    from medisup.cli.prompts import Wizard, required, validator
    from medisup.services.supervisors.identity import check_credit_code

    p = prompts.prompter()
    w = Wizard(t("wizard.interest.title", person=common.masked(id_number)))
    w.given(t("supervisor.col.credit_code"), credit_code)
    w.given(t("supervisor.col.declared_on"), on)
    w.given(t("supervisor.col.note"), note)
    w.step("name", t("supervisor.col.institution"), lambda prior: p.text(
        t("supervisor.ask.institution"), default=prior or "", validate=required).strip())
    if credit_code is None:
        w.step("credit_code", t("supervisor.col.credit_code"), lambda prior: p.text(
            t("wizard.interest.ask_credit_code"), default=prior or "",
            validate=validator(lambda v: check_credit_code(v, required=False))
        ).strip() or None)
    if on is None:
        w.step("on", t("supervisor.col.declared_on"), lambda prior: p.text(
            t("wizard.interest.ask_on"), default=prior or date.today().isoformat(),
            validate=validator(lambda v: parse_date(v, "--on"))).strip())
    if note is None:
        w.step("note", t("supervisor.col.note"), lambda prior: p.text(
            t("wizard.discipline.ask_note"), default=prior or "").strip() or None)
    return w
