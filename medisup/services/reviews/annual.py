"""``review annual``: the report a bureau sends up each year — per department and rolled
up the tree: headcount against quota, roster composition, appointments, renewals and
terminations, leads, amounts, rewards, overdue leads, activities, and the pack's
meeting duty (GX Art. 11(一)) with a finding when it was missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.models import Department
from medisup.services.reviews import facts
from medisup.services.reviews.common import Finding, scope_codes

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass(frozen=True)
class AnnualReport:
    year: int
    as_of: date
    department: str
    departments: tuple[dict[str, Any], ...]
    findings: tuple[Finding, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"review": "annual", "year": self.year, "as_of": self.as_of,
                "department": self.department, "departments": list(self.departments),
                "findings": [f.as_dict() for f in self.findings]}


def _split(tally: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k.split(":", 1)[1]: v for k, v in sorted(tally.items()) if k.startswith(prefix + ":")}


def _figures(code: str, counts: dict[str, Any]) -> dict[str, Any]:
    """One department's (or one subtree's) figures in the documented JSON shape."""
    comp, appt, lead, rew, act = (counts.get(k, {}) for k in
                                  ("composition", "appointments", "leads", "rewards",
                                   "activities"))
    return {
        "headcount": counts.get("headcount", 0),
        "composition": {dim: _split(comp, dim) for dim in
                        ("category", "channel", "age_band", "gender", "division")},
        "appointments": appt.get("appointments", 0),
        "renewals": appt.get("renewals", 0),
        "terminations": _split(appt, "ground"),
        "leads": {
            "total": lead.get("total", 0),
            "by_subject": _split(lead, "subject"), "by_item": _split(lead, "item"),
            "by_channel": _split(lead, "channel"), "by_status": _split(lead, "status"),
            "verified_amount": lead.get("verified_amount", Decimal(0)),
            "recovered_amount": lead.get("recovered_amount", Decimal(0)),
            "overdue": lead.get("overdue", 0),
        },
        "rewards": {k: rew.get(k, Decimal(0) if k.endswith("amount") else 0)
                    for k in ("granted", "granted_amount", "paid", "paid_amount")},
        "activities": {"held": act.get("held", 0), "by_kind": _split(act, "kind"),
                       "invited": act.get("invited", 0), "attended": act.get("attended", 0),
                       "absent": act.get("absent", 0)},
        "opinions": act.get("opinions", 0),
        "complaints": act.get("complaints", 0),
    }


def _add(into: dict[str, dict[str, Any]], other: dict[str, dict[str, Any]]) -> None:
    for section, values in other.items():
        if section == "headcount":
            into["headcount"] = into.get("headcount", 0) + values
            continue
        target = into.setdefault(section, {})
        for key, value in values.items():
            target[key] = target.get(key, 0) + value


def annual(uow: UnitOfWork, *, year: int, department: str | None = None,
           as_of: date | None = None) -> AnnualReport:
    """Read-only figures for ``year``, taken on 31 December (or ``as_of`` if earlier)."""
    from medisup.services.departments import pack_of
    from medisup.services.supervisors.terms import quota_of

    session = uow.session
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidValue("--year", year, t("review.expect_year", low=MIN_YEAR, high=MAX_YEAR))
    on = facts.year_end(year, as_of)
    codes = scope_codes(uow, department)
    depts = {d.code: d for d in session.exec(select(Department).where(
        col(Department.code).in_(codes)))}
    heads = facts.serving_on(session, codes, on)
    tallies = {
        "composition": facts.composition(session, codes, on),
        "appointments": facts.appointments(session, codes, year),
        "leads": facts.leads(session, codes, year, on),
        "rewards": facts.rewards(session, codes, year),
        "activities": facts.activities(session, codes, year, on),
    }
    own: dict[str, dict[str, Any]] = {}
    for code in codes:
        counts: dict[str, Any] = {"headcount": heads.get(code, 0)}
        for section, tally in tallies.items():
            counts[section] = dict(tally.get(code, {}))
        if heads.get(code):
            counts["composition"][f"division:{code}"] = heads[code]
        own[code] = counts
    # Roll up: children after parents in tree order, so walk it backwards.
    total = {code: {s: (dict(v) if isinstance(v, dict) else v) for s, v in own[code].items()}
             for code in codes}
    for code in reversed(codes):
        parent = depts[code].parent_code
        if parent in total and code != codes[0]:
            _add(total[parent], total[code])

    active = facts.active_in_year(session, codes, year)
    findings: list[Finding] = []
    entries = []
    for code in codes:
        dept, pack = depts[code], pack_of(session, code)
        quota = quota_of(dept, pack)
        duty = pack.meeting_duty
        meetings = None
        if duty is not None:
            held = own[code]["activities"].get(f"kind:{duty.kind}", 0)
            required = duty.per_year if code in active else 0
            meetings = {"kind": duty.kind, "label": duty.text(), "required": required,
                        "held": held, "article": duty.cite()}
            if held < required:
                findings.append(Finding(
                    "meeting_duty_missed", code, t("review.finding.meeting_duty_missed",
                                                   dept=code, name=dept.name, label=duty.text(),
                                                   held=held, required=required, year=year,
                                                   article=duty.cite()),
                    duty.cite(), detail={"held": held, "required": required}))
        if quota is not None and own[code]["headcount"] > quota:
            findings.append(Finding("over_quota", code, t(
                "review.finding.over_quota", dept=code, name=dept.name,
                headcount=own[code]["headcount"], quota=quota, on=on.isoformat()),
                pack.cite("term_article") or "", detail={"headcount": own[code]["headcount"],
                                                         "quota": quota}))
        overdue = own[code]["leads"].get("overdue", 0)
        if overdue:
            findings.append(Finding("overdue_leads", code, t(
                "review.finding.overdue_leads", dept=code, name=dept.name, count=overdue,
                on=on.isoformat()), pack.deadlines.cite(), detail={"overdue": overdue}))
        entries.append({
            "code": code, "name": dept.name, "parent": dept.parent_code, "pack": pack.name,
            "quota": quota, "meetings": meetings,
            "own": _figures(code, own[code]), "total": _figures(code, total[code]),
        })
    return AnnualReport(year, on, codes[0], tuple(entries), tuple(findings))
