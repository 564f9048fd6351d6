"""``medisup pack``: the regulation packs, printed from their data files."""

from __future__ import annotations

from typing import Annotated

import typer

from medisup.cli.common import FormatOption
from medisup.i18n import t
from medisup.render import Column, OutputFormat, render_record, render_rows

app = typer.Typer(no_args_is_help=True)

# Lists shown by `pack show`, in the regulation's order of topics.
SHOWN = ("criteria", "channels", "recommending_bodies", "categories", "backgrounds",
         "health_statuses", "discipline_rules", "termination_grounds", "report_channels",
         "activity_kinds", "subjects", "items")


@app.command("list", help=t("help.pack.list"))
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    from medisup.packs import available_packs, load_pack

    rows = []
    for name in available_packs():
        pack = load_pack(name)
        rows.append({
            "name": pack.name, "region": pack.text("region"),
            "regulation": pack.text("regulation"), "role_title": pack.text("role_title"),
            "term_years": pack.term_years, "items": len(pack.items),
            "reward": pack.reward is not None,
        })
    columns = [
        Column("name", t("col.pack")), Column("region", t("col.region")),
        Column("regulation", t("col.regulation")), Column("role_title", t("col.role_title")),
        Column("term_years", t("col.term_years"), "right"),
        Column("items", t("col.item_count"), "right"), Column("reward", t("col.reward")),
    ]
    render_rows(columns, rows, fmt, title=t("pack.list_title"))


def _flags(item) -> list[str]:
    flags = []
    for flag in ("auto", "preferred", "needs_recommender", "blocks_reapplication", "referral",
                 "from_discipline", "incompetence", "term_end", "confidential", "inspects",
                 "needs_credit_code"):
        value = getattr(item, flag, None)
        if value:
            flags.append(t(f"pack.flag.{flag}"))
    if item.adopted_from:
        flags.append(t("pack.flag.adopted_from", source=item.source_text()))
    if item.targets:
        flags.append(t("pack.flag.targets") + "：" + "、".join(t(f"pack.target.{k}") for k in item.targets))
    return flags


def _item_rows(pack, kind: str) -> list[dict]:
    return [
        {"code": i.code, "label": i.text(), "short": i.text(short=True), "article": i.cite(),
         "subject": i.subject, "flags": _flags(i), "note": i.note_text(),
         "adopted_from": i.source_text()}
        for i in getattr(pack, kind)
    ]


def _settings(pack) -> dict:
    duty = pack.meeting_duty
    return {
        "name": pack.name,
        "region": pack.text("region"),
        "regulation": pack.text("regulation"),
        "role_title": pack.text("role_title"),
        "term": t("pack.term", years=pack.term_years, article=pack.term_article),
        "renewal_consent": t(f"pack.consent.{pack.renewal_consent}", article=pack.renewal_article),
        "on_term_end": t(f"pack.term_end.{pack.on_term_end}", article=pack.on_term_end_article,
                         ground=pack.auto_dismiss_ground or ""),
        "age_range": (t("pack.age", low=pack.age_range[0], high=pack.age_range[1],
                        article=pack.cite("age_article") or "")
                      if pack.age_range else t("pack.none")),
        "quota": pack.quota if pack.quota is not None else t("pack.none"),
        "meeting_duty": (t("pack.meeting", kind=duty.text(), times=duty.per_year, article=duty.cite())
                         if duty else t("pack.none")),
        "deadlines": t("pack.deadlines", accept=pack.deadlines.accept_working_days,
                       handle=pack.deadlines.handle_working_days,
                       extension=pack.deadlines.max_extension_working_days,
                       basis=pack.deadlines.cite()),
        "certificate_pattern": pack.certificate_pattern,
        "lead_number_pattern": pack.lead_number_pattern,
        "reward": _reward_text(pack),
        "reward_eligible": _eligible_text(pack),
        "recusal_rule": _recusal_text(pack),
        "complaint_article": (t("pack.complaints", article=pack.cite("complaint_article"))
                              if pack.complaint_article else t("pack.none")),
        "open_lists": _open_text(pack),
        "health_article": (t("pack.health", article=pack.cite("health_article"))
                           if pack.health_article else t("pack.none")),
        "recruitment_article": (t("pack.recruitment", article=pack.cite("recruitment_article"))
                                if pack.recruitment_article else t("pack.none")),
        "discipline_ground": _discipline_ground_text(pack),
        "holidays": _holiday_text(pack),
    }


def _eligible_text(pack) -> str:
    """Which leads the reward rule rewards (gx Art. 12: proven reports of fraud only)."""
    rule = pack.reward
    if rule is None:
        return t("pack.none")
    if not rule.eligible:
        return t("pack.eligible_all", article=rule.cite())
    note = rule.eligible_note_en if _english() and rule.eligible_note_en else rule.eligible_note
    return t("pack.eligible", codes="、".join(rule.eligible), note=note or rule.cite())


def _recusal_text(pack) -> str:
    if not pack.recusal_rule:
        return t("pack.none")
    rule = pack.item("discipline_rules", pack.recusal_rule)
    return t("pack.recusal", code=rule.code, label=rule.text(short=True), article=rule.cite())


def _open_text(pack) -> str:
    if not pack.open_lists:
        return t("pack.none")
    parts = []
    for kind in pack.open_lists:
        other = pack.item(kind, "other")
        parts.append(t("pack.open_list", kind=t(f"pack.kind.{kind}"), other=other.text(),
                       article=other.cite()))
    return "；".join(parts)


def _discipline_ground_text(pack) -> str:
    """The ground a recorded breach leads to, and which grounds may carry a referral."""
    ground = pack.ground("from_discipline")
    referral = [f"{g.code}（{g.cite()}）" for g in pack.termination_grounds if g.referral]
    return t("pack.discipline_ground", code=ground.code, article=ground.cite(),
             referral="、".join(referral) or t("pack.none"))


def _holiday_text(pack) -> str:
    if not pack.holiday_overrides and not pack.holiday_years:
        return t("pack.holidays_default")
    return t("pack.holidays", days=len(pack.holiday_overrides),
             years="、".join(str(y) for y in pack.holiday_years) or t("pack.none"))


def _english() -> bool:
    from medisup.i18n import language

    return language() == "en"


def _reward_text(pack) -> str:
    if pack.reward is None:
        return pack.text("reward_note") or t("pack.no_reward")
    from medisup.services.leads.reward_rules import describe_rule

    return "；".join(describe_rule(pack.reward))


@app.command("show", help=t("help.pack.show"))
def show(
    name: Annotated[str, typer.Argument(help=t("help.arg.pack"), show_default=False)],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.packs import load_pack, load_pack_file

    # A path checks a new pack file before a bureau installs it.
    pack = load_pack_file(name) if name.endswith(".toml") else load_pack(name)
    fields = [Column(k, t(f"pack.field.{k}")) for k in _settings(pack)]
    item_columns = [
        Column("code", t("col.code")), Column("label", t("col.label")),
        Column("article", t("col.article")), Column("flags", t("col.flags")),
        Column("note", t("col.note")),
    ]
    taxonomy_columns = [
        Column("code", t("col.code")), Column("subject", t("col.subject")),
        Column("label", t("col.label")), Column("article", t("col.article")),
        Column("note", t("col.note")),
    ]
    if fmt is not OutputFormat.table:  # scripts get every key of every entry
        item_columns = taxonomy_columns = [
            Column(key, key) for key in ("code", "label", "short", "article", "subject",
                                         "flags", "note", "adopted_from")]
    sections = {
        kind: (taxonomy_columns if kind == "items" else item_columns, _item_rows(pack, kind))
        for kind in SHOWN if getattr(pack, kind)
    }
    render_record(fields, _settings(pack), fmt, title=f"{pack.name} {pack.text('regulation')}",
                  sections=sections, section_titles={k: t(f"pack.kind.{k}") for k in sections})
