"""The annual report as sections of rows — one per sheet of the workbook, one table each
on the terminal: overview, composition, appointments, leads, rewards, activities,
meetings and findings.  Labels in the user's language; JSON uses the report itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medisup.i18n import t
from medisup.services.reviews.labels import label

if TYPE_CHECKING:
    from medisup.packs import Pack
    from medisup.services.reviews.annual import AnnualReport


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: tuple[tuple[str, str, str], ...]  # key, label, kind (text / int / money)
    rows: tuple[dict[str, Any], ...]


def _col(key: str, kind: str = "int") -> tuple[str, str, str]:
    return key, t(f"review.col.{key}"), kind


def _dims(pack: Pack, figures: dict[str, Any], dims: list[tuple[str, str]]) -> list[dict]:
    rows = []
    for dim, source in dims:
        for code, n in figures[source].items() if source != "-" else ():
            rows.append({"dimension": t(f"review.dim.{dim}"), "value": label(pack, dim, code),
                         "count": n})
    return rows


def sections(report: AnnualReport, pack: Pack) -> list[Section]:
    depts = report.departments
    root = depts[0]
    total = root["total"]
    indent = {d["code"]: 0 for d in depts}
    for d in depts[1:]:
        indent[d["code"]] = indent.get(d["parent"], 0) + 1
    overview = []
    for d in depts:
        f = d["total"]
        meetings = d["meetings"]
        overview.append({
            "code": d["code"], "dept_name": "  " * indent[d["code"]] + d["name"],
            "headcount": f["headcount"], "quota": d["quota"],
            "appointments": f["appointments"], "renewals": f["renewals"],
            "terminations": sum(f["terminations"].values()), "leads": f["leads"]["total"],
            "verified_amount": f["leads"]["verified_amount"],
            "recovered_amount": f["leads"]["recovered_amount"], "overdue": f["leads"]["overdue"],
            "rewards_paid_amount": f["rewards"]["paid_amount"],
            "activities_held": f["activities"]["held"], "attended": f["activities"]["attended"],
            "meetings": f"{meetings['held']}/{meetings['required']}" if meetings else "",
        })
    comp = total["composition"]
    composition = _dims(pack, comp, [(d, d) for d in
                                     ("category", "channel", "age_band", "gender", "division")])
    for row, (dim, code) in zip(composition, [(d, c) for d in ("category", "channel", "age_band",
                                                               "gender", "division")
                                              for c in comp[d]], strict=True):
        if dim == "division":
            row["value"] = next((x["name"] for x in depts if x["code"] == code), code)
    appointments = [{"dimension": t("review.col.appointments"), "value": "",
                     "count": total["appointments"]},
                    {"dimension": t("review.col.renewals"), "value": "",
                     "count": total["renewals"]}]
    appointments += [{"dimension": t("review.dim.ground"), "value": label(pack, "ground", g),
                      "count": n} for g, n in total["terminations"].items()]
    leads = total["leads"]
    lead_rows = []
    for dim, key in (("subject", "by_subject"), ("item", "by_item"),
                     ("lead_channel", "by_channel"), ("status", "by_status")):
        for code, n in leads[key].items():
            lead_rows.append({"dimension": t(f"review.dim.{dim}"), "value":
                              f"{code} {label(pack, dim, code)}" if dim in ("subject", "item")
                              else label(pack, dim, code), "count": n})
    money = [{"dimension": t(f"review.col.{k}"), "value": "", "count": leads[k]}
             for k in ("verified_amount", "recovered_amount")]
    money.append({"dimension": t("review.col.overdue"), "value": "", "count": leads["overdue"]})
    money += [{"dimension": t(f"review.col.rewards_{k}"), "value": "",
               "count": total["rewards"][k]} for k in ("granted", "granted_amount", "paid",
                                                       "paid_amount")]
    acts = total["activities"]
    act_rows = [{"dimension": t("review.dim.kind"), "value": label(pack, "kind", k), "count": n}
                for k, n in acts["by_kind"].items()]
    act_rows += [{"dimension": t(f"activity.attendance.{k}"), "value": "", "count": acts[k]}
                 for k in ("invited", "attended", "absent")]
    act_rows += [{"dimension": t(f"review.col.{k}"), "value": "", "count": total[k]}
                 for k in ("opinions", "complaints")]
    meetings = [{"code": d["code"], "dept_name": d["name"], "value": d["meetings"]["label"],
                 "required": d["meetings"]["required"], "count": d["meetings"]["held"],
                 "article": d["meetings"]["article"]} for d in depts if d["meetings"]]
    findings = [{"kind": t(f"review.finding_kind.{f.kind}"), "code": f.department_code, "message": f.message,
                 "article": f.article} for f in report.findings]
    dim_cols = (_col("dimension", "text"), _col("value", "text"), _col("count", "number"))
    return [
        Section("overview", t("review.annual_title", year=report.year,
                              as_of=report.as_of.isoformat()),
                (_col("code", "text"), _col("dept_name", "text"), _col("headcount"),
                 _col("quota"), _col("appointments"), _col("renewals"), _col("terminations"),
                 _col("leads"), _col("verified_amount", "money"), _col("recovered_amount", "money"),
                 _col("overdue"), _col("rewards_paid_amount", "money"), _col("activities_held"),
                 _col("attended"), _col("meetings", "text")), tuple(overview)),
        Section("composition", t("review.composition_title", dept=root["name"],
                                 as_of=report.as_of.isoformat()), dim_cols, tuple(composition)),
        Section("appointments", t("review.section.appointments"), dim_cols, tuple(appointments)),
        Section("leads", t("review.leads_title", dept=root["name"], year=report.year), dim_cols,
                tuple(lead_rows)),
        Section("amounts", t("review.section.amounts"), dim_cols, tuple(money)),
        Section("activities", t("review.section.activities"), dim_cols, tuple(act_rows)),
        Section("meetings", t("review.section.meetings"),
                (_col("code", "text"), _col("dept_name", "text"), _col("value", "text"),
                 _col("required"), _col("count"),
                 _col("article", "text")), tuple(meetings)),
        Section("findings", t("review.findings_title"),
                (_col("kind", "text"), _col("code", "text"), _col("message", "text"),
                 _col("article", "text")), tuple(findings)),
    ]
