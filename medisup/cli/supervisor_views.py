"""What ``medisup supervisor`` shows: the columns and rows of its lists, records and
findings (eligibility, terminations, discipline, interests, the roster and a person's
record), with codes turned into the pack's and the catalogue's labels."""

from __future__ import annotations

from medisup.i18n import t
from medisup.render import Column


def text(value: str | None) -> str:
    return "" if value is None else value


def status(code: str | None) -> str:
    return t(f"supervisor.status.{code}") if code else ""


def gender(code: str | None) -> str:
    return t(f"supervisor.gender.{code}") if code else ""


def result(code: str) -> str:
    return t(f"eligibility.result.{code}")


def finding_columns(explain: bool) -> list[Column]:
    cols = [Column("criterion", t("supervisor.col.criterion")),
            Column("label", t("supervisor.col.criterion_label")),
            Column("result", t("supervisor.col.result"))]
    if explain:
        cols.append(Column("article", t("supervisor.col.article")))
    cols += [Column("note", t("supervisor.col.note")),
             Column("automatic", t("supervisor.col.automatic"))]
    return cols


def finding_rows(findings, table: bool, application_id: int | None = None) -> list[dict]:
    rows = []
    for f in findings:
        row = {"application_id": application_id, "criterion": f.criterion, "label": f.label,
               "result": result(f.result) if table else f.result, "article": f.article,
               "note": f.note, "automatic": f.automatic}
        rows.append(row)
    return rows


def application_fields() -> list[Column]:
    return [
        Column("id", t("supervisor.col.application")),
        Column("department_code", t("supervisor.col.department")),
        Column("channel", t("supervisor.col.channel")),
        Column("recommending_body", t("supervisor.col.recommending_body")),
        Column("applied_on", t("supervisor.col.applied_on")),
        Column("status", t("supervisor.col.application_status")),
        Column("decided_on", t("supervisor.col.decided_on")),
        Column("decision_note", t("supervisor.col.decision_note")),
        Column("override_reason", t("supervisor.col.override_reason")),
        Column("health_status", t("supervisor.col.health_status")),
        Column("recruitment_ref", t("supervisor.col.recruitment_ref")),
        Column("form_on", t("supervisor.col.form_on")),
    ]


def application_row(a, table: bool) -> dict:
    return {
        "id": a.id, "department_code": a.department_code,
        "channel": a.channel_label if table else a.channel,
        "recommending_body": a.recommending_body_label if table else a.recommending_body,
        "applied_on": a.applied_on,
        "status": t(f"supervisor.application_status.{a.status}") if table else a.status,
        "decided_on": a.decided_on, "decision_note": a.decision_note,
        "override_reason": a.override_reason,
        "health_status": a.health_status_label if table else a.health_status,
        "recruitment_ref": a.recruitment_ref, "form_on": a.form_on,
    }


def term_columns() -> list[Column]:
    return [
        Column("id", t("supervisor.col.term_id"), "right"),
        Column("department_code", t("supervisor.col.department")),
        Column("number", t("supervisor.col.term_number"), "right"),
        Column("start_date", t("supervisor.col.term_start")),
        Column("end_date", t("supervisor.col.term_end")),
        Column("consent_on", t("supervisor.col.consent_on")),
        Column("renewal_consent_on", t("supervisor.col.renewal_consent_on")),
        Column("renewed", t("supervisor.col.renewed")),
        Column("terminated_on", t("supervisor.col.terminated_on")),
    ]


def termination_columns() -> list[Column]:
    return [
        Column("id", t("supervisor.col.id"), "right"),
        Column("department_code", t("supervisor.col.department")),
        Column("term_id", t("supervisor.col.term_id"), "right"),
        Column("ground", t("supervisor.col.ground")),
        Column("label", t("supervisor.col.ground_label")),
        Column("article", t("supervisor.col.article")),
        Column("effective_on", t("supervisor.col.effective_on")),
        Column("note", t("supervisor.col.note")),
        Column("referral", t("supervisor.col.referral")),
        Column("discipline_id", t("supervisor.col.discipline_id"), "right"),
        Column("breach", t("supervisor.col.breach")),
        Column("revoked_certificates", t("supervisor.col.revoked")),
    ]


def discipline_columns() -> list[Column]:
    return [
        Column("id", t("supervisor.col.id"), "right"),
        Column("department_code", t("supervisor.col.department")),
        Column("term_id", t("supervisor.col.term_id"), "right"),
        Column("rule", t("supervisor.col.rule")),
        Column("label", t("supervisor.col.rule_label")),
        Column("article", t("supervisor.col.article")),
        Column("occurred_on", t("supervisor.col.occurred_on")),
        Column("note", t("supervisor.col.note")),
    ]


def interest_columns() -> list[Column]:
    return [
        Column("id", t("supervisor.col.id"), "right"),
        Column("institution_name", t("supervisor.col.institution")),
        Column("credit_code", t("supervisor.col.credit_code")),
        Column("declared_on", t("supervisor.col.declared_on")),
        Column("withdrawn_on", t("supervisor.col.withdrawn_on")),
        Column("note", t("supervisor.col.note")),
    ]


def list_columns(table: bool) -> list[Column]:
    cols = [
        Column("id_number", t("supervisor.col.id_number")),
        Column("name", t("supervisor.col.name")),
        Column("gender", t("supervisor.col.gender")),
        Column("age", t("supervisor.col.age"), "right"),
        Column("phone", t("supervisor.col.phone")),
        Column("department_code", t("supervisor.col.department")),
        Column("department_name", t("supervisor.col.department_name")),
        Column("status", t("supervisor.col.status")),
        Column("categories", t("supervisor.col.categories")),
        Column("channel", t("supervisor.col.channel")),
        Column("term_number", t("supervisor.col.term_number"), "right"),
        Column("term_start", t("supervisor.col.term_start")),
        Column("term_end", t("supervisor.col.term_end")),
    ]
    extra = [Column("birth_date", t("supervisor.col.birth_date")),
             Column("work_unit", t("supervisor.col.work_unit")),
             Column("background", t("supervisor.col.background"))]
    if not table:
        return [Column("person_id", "person_id"), *cols, *extra]
    # People read a table name first; the ID number identifies.
    return [cols[1], cols[0], *cols[2:], *extra]


def list_row(r, table: bool) -> dict:
    row = r.as_dict()
    if table:
        row.update(gender=gender(r.gender), status=status(r.status),
                   categories=list(r.category_labels), channel=r.channel_label)
    return row


def person_fields() -> list[Column]:
    return [
        Column("id", t("supervisor.col.person_id"), "right"),
        Column("id_number", t("supervisor.col.id_number")),
        Column("name", t("supervisor.col.name")),
        Column("gender", t("supervisor.col.gender")),
        Column("birth_date", t("supervisor.col.birth_date")),
        Column("age", t("supervisor.col.age")),
        Column("ethnicity", t("supervisor.col.ethnicity")),
        Column("phone", t("supervisor.col.phone")),
        Column("email", t("supervisor.col.email")),
        Column("address", t("supervisor.col.address")),
        Column("work_unit", t("supervisor.col.work_unit")),
        Column("background", t("supervisor.col.background")),
        Column("categories", t("supervisor.col.categories")),
        Column("as_of", t("supervisor.col.as_of")),
    ]


def show_sections(detail, table: bool, explain: bool) -> dict:
    status_cols = [Column("department_code", t("supervisor.col.department")),
                   Column("department_name", t("supervisor.col.department_name")),
                   Column("status", t("supervisor.col.status")),
                   Column("term_number", t("supervisor.col.term_number"), "right"),
                   Column("term_start", t("supervisor.col.term_start")),
                   Column("term_end", t("supervisor.col.term_end"))]
    statuses = [dict(s.as_dict(), status=status(s.status) if table else s.status)
                for s in detail.statuses]
    findings = []
    for a in detail.applications:
        findings += finding_rows(a.findings, table, a.id)
        if a.status == "approved" and all(f.automatic for f in a.findings):
            # an appointment with no reviewer finding (a roster import): say so, and whence
            findings.append({"application_id": a.id, "criterion": "*",
                             "label": t("supervisor.roster.all_criteria"),
                             "result": t("supervisor.roster.not_reviewed") if table
                             else "not_reviewed", "article": "", "note": a.decision_note,
                             "automatic": False})
    finding_cols = [Column("application_id", t("supervisor.col.application"), "right"),
                    *finding_columns(explain or not table)]
    certificate_cols = [Column("number", t("supervisor.col.certificate")),
                        Column("department_code", t("supervisor.col.department")),
                        Column("term_id", t("supervisor.col.term_id"), "right"),
                        Column("issued_on", t("supervisor.col.issued_on")),
                        Column("status", t("supervisor.col.certificate_status")),
                        Column("revoked_on", t("supervisor.col.revoked_on"))]
    certificates = [dict(c.as_dict(), status=t(f"supervisor.certificate_status.{c.status}")
                         if table else c.status) for c in detail.certificates]
    terminations = [dict(x.as_dict(), ground=x.label if table else x.ground)
                    for x in detail.terminations]  # breach: its rule and date (+ discipline_id)
    discipline = [dict(x.as_dict(), rule=x.label if table else x.rule) for x in detail.discipline]
    return {
        "statuses": (status_cols, statuses),
        "applications": (application_fields(),
                         [application_row(a, table) for a in detail.applications]),
        "findings": (finding_cols, findings),
        "terms": (term_columns(), [x.as_dict() for x in detail.terms]),
        "certificates": (certificate_cols, certificates),
        "terminations": (termination_columns(), terminations),
        "discipline": (discipline_columns(), discipline),
        "interests": (interest_columns(), [x.as_dict() for x in detail.interests]),
    }
