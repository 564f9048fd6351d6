"""Reviews: renewals, terminations (with --apply twice), the annual review — services on
fixed dates across a year boundary and a leap day, one test per finding kind, and the
command line (JSON shape, exit status, workbook)."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.helpers_activities import activity, attend, person


def _renewals(env, dept="150100", **kw):
    from medisup.services import reviews

    with env.uow(dept, write=False) as uow:
        return reviews.renewals(uow, **kw)


def _terminations(env, dept="450000", **kw):
    from medisup.services import reviews

    with env.uow(dept) as uow:
        return reviews.terminations(uow, **kw)


def _annual(env, dept="450000", **kw):
    from medisup.services import reviews

    with env.uow(dept, write=False) as uow:
        return reviews.annual(uow, **kw)


# ---------------------------------------------------------------- renewals


def test_renewals_across_the_year_boundary(seeded):
    soon, _ = person(seeded, start=date(2024, 1, 6))            # ends 2026-01-05
    later, _ = person(seeded, start=date(2024, 3, 1))           # ends 2026-02-28
    gone, _ = person(seeded, start=date(2023, 12, 1))           # ended 2025-11-30
    review = _renewals(seeded, within=30, as_of=date(2025, 12, 20))
    states = {i.person_id: (i.state, i.days_left) for i in review.items}
    assert states == {soon: ("ending", 16), gone: ("ended", -20)}
    assert later not in states
    assert {f.kind for f in review.findings} == {"term_ending", "term_ended"}


def test_renewals_leap_day_term(seeded):
    leap, _ = person(seeded, start=date(2024, 2, 29))  # ends 2026-02-27 (pack rule)
    on_last_day = _renewals(seeded, within=0, as_of=date(2026, 2, 27))
    assert [(i.person_id, i.state, i.days_left) for i in on_last_day.items] == [(leap, "ending", 0)]
    next_day = _renewals(seeded, within=0, as_of=date(2026, 2, 28))
    assert [(i.person_id, i.state) for i in next_day.items] == [(leap, "ended")]


def test_renewed_terms_are_not_listed(seeded):
    person(seeded, start=date(2024, 1, 6), renewed=True)
    assert _renewals(seeded, within=30, as_of=date(2025, 12, 20)).items == ()


def test_renewal_record_counts_leads_and_attendance(seeded):
    from tests.helpers_leads import log_lead, move

    pid, number = person(seeded, start=date(2024, 1, 6))
    lead = log_lead(seeded, number, received=date(2025, 3, 3))
    move(seeded, lead.number, ("in_progress", {"handling_unit": "基金监管科", "on": date(2025, 3, 4)}),
         ("verified", {"on": date(2025, 4, 1), "verified_amount": Decimal("5000")}))
    log_lead(seeded, number, received=date(2025, 5, 6))
    held = activity(seeded, held_on=date(2025, 6, 10), participants=[number])
    attend(seeded, held.number, attended=[number])
    missed = activity(seeded, held_on=date(2025, 7, 10), participants=[number])
    attend(seeded, missed.number, absent=[number])
    item = _renewals(seeded, within=30, as_of=date(2025, 12, 20)).items[0]
    assert item.person_id == pid
    record = item.record
    assert (record.leads, record.leads_verified) == (2, 1)
    assert (record.activities_attended, record.activities_absent) == (1, 1)


def test_gx_renewal_needs_consent(seeded):
    person(seeded, dept="450102", start=date(2024, 1, 6))
    item = _renewals(seeded, dept="450000", within=30, as_of=date(2025, 12, 20)).items[0]
    assert item.consent_required and item.on_term_end == "auto_dismiss"
    nm = person(seeded, start=date(2024, 1, 6))
    assert not _renewals(seeded, within=30, as_of=date(2025, 12, 20)).items[0].consent_required
    assert nm


def test_gx_consent_on_file_is_shown(seeded):
    """Consent given during the term (gx Art. 8) is on file for the renewal decision; a
    term without it is listed as needing it."""
    from sqlmodel import select

    from medisup.models import Term

    asked, _ = person(seeded, dept="450102", start=date(2024, 1, 6))
    silent, _ = person(seeded, dept="450102", start=date(2024, 1, 8))
    with seeded.uow("450000") as uow:
        term = uow.session.exec(select(Term).where(Term.person_id == asked)).one()
        term.renewal_consent_on = date(2025, 11, 3)
        uow.session.add(term)
    items = {i.person_id: i for i in _renewals(seeded, dept="450000", within=30,
                                               as_of=date(2025, 12, 20)).items}
    assert (items[asked].consent_on_file, items[asked].consent_on) == (True, date(2025, 11, 3))
    assert (items[silent].consent_on_file, items[silent].consent_on) == (False, None)


# ---------------------------------------------------------------- terminations


def test_discipline_breach_indicates_the_linked_ground(seeded):
    from medisup.services.supervisors import terms

    pid, number = person(seeded, dept="450102", start=date(2025, 1, 1))
    with seeded.uow("450000") as uow:
        terms.record_discipline(uow, number, rule="secrecy", occurred_on=date(2025, 5, 1))
    review = _terminations(seeded, as_of=date(2025, 6, 1))
    [item] = review.items
    assert (item.person_id, item.basis, item.ground, item.automatic) == (
        pid, "discipline", "violation", False)
    assert item.evidence["breaches"][0]["rule"] == "secrecy"
    assert [f.kind for f in review.findings] == ["ground_discipline"]
    # before the breach: nothing
    assert _terminations(seeded, as_of=date(2025, 4, 30)).items == ()


def test_term_ended_unrenewed_under_gx_is_automatic_under_nm_not(seeded):
    gx, _ = person(seeded, dept="450102", start=date(2023, 1, 1))   # ended 2024-12-31
    person(seeded, dept="150102", start=date(2023, 1, 1))
    review = _terminations(seeded, as_of=date(2025, 3, 1))
    [item] = review.items
    assert (item.person_id, item.basis, item.ground, item.automatic) == (
        gx, "term_ended", "term_expired", True)
    assert item.effective_on == date(2025, 1, 1)
    assert _terminations(seeded, dept="150000", as_of=date(2025, 3, 1)).items == ()


def test_apply_twice_second_run_changes_nothing(seeded):
    from sqlmodel import func, select

    from medisup.models import AuditEntry, Certificate, Term, Termination

    pid, _ = person(seeded, dept="450102", start=date(2023, 1, 1))
    with seeded.uow("450000") as uow:
        term = uow.session.exec(select(Term).where(Term.person_id == pid)).one()
        uow.session.add(Certificate(number="450102-2023-0001", term_id=term.id, person_id=pid,
                                    department_code="450102", issued_on=date(2023, 1, 1),
                                    status="valid", verify_code="ABCDEFGH",
                                    created_at=term.created_at))
    first = _terminations(seeded, as_of=date(2025, 3, 1), apply=True)
    assert [a["person_id"] for a in first.applied] == [pid]
    assert first.applied[0]["revoked_certificates"] == ["450102-2023-0001"]
    assert first.findings == ()
    with seeded.uow("450000", write=False) as uow:
        row = uow.session.exec(select(Termination)).one()
        assert (row.ground, row.effective_on, row.automatic) == ("term_expired", date(2025, 1, 1),
                                                                  True)
        assert uow.session.exec(select(Certificate)).one().status == "revoked"
        audits = uow.session.exec(select(func.count()).select_from(AuditEntry)).one()
    second = _terminations(seeded, as_of=date(2025, 3, 1), apply=True)
    assert second.applied == () and second.items == ()
    with seeded.uow("450000", write=False) as uow:
        assert uow.session.exec(select(func.count()).select_from(Termination)).one() == 1
        assert uow.session.exec(select(func.count()).select_from(AuditEntry)).one() == audits


def test_review_without_apply_writes_nothing(seeded):
    from medisup.models import Termination
    from tests.helpers_leads import count_rows

    person(seeded, dept="450102", start=date(2023, 1, 1))
    _terminations(seeded, as_of=date(2025, 3, 1))
    assert count_rows(seeded, Termination) == 0


def test_idle_whole_term_is_a_proposal(seeded):
    from medisup.models import Term

    pid, number = person(seeded, dept="150102", start=date(2022, 1, 1), renewed=True)
    with seeded.uow("150000") as uow:  # the successor term, being served
        from datetime import UTC, datetime

        uow.session.add(Term(person_id=pid, department_code="150102", number=2,
                             start_date=date(2024, 1, 1), end_date=date(2025, 12, 31),
                             created_at=datetime.now(UTC)))
    busy, busy_no = person(seeded, dept="150102", start=date(2022, 1, 1), renewed=True)
    with seeded.uow("150000") as uow:
        uow.session.add(Term(person_id=busy, department_code="150102", number=2,
                             start_date=date(2024, 1, 1), end_date=date(2025, 12, 31),
                             created_at=datetime.now(UTC)))
    held = activity(seeded, held_on=date(2023, 5, 5), kind="visit", participants=[busy_no])
    attend(seeded, held.number, attended=[busy_no])
    review = _terminations(seeded, dept="150000", as_of=date(2024, 6, 1))
    [item] = review.items
    assert (item.person_id, item.basis, item.ground, item.automatic) == (
        pid, "idle_term", "incompetent", False)
    assert number  # the ID number stays masked in the item
    assert "*" in item.id_number


# ---------------------------------------------------------------- annual


def test_annual_meeting_duty_missed_and_met(seeded):
    _, a = person(seeded, dept="450102", start=date(2025, 1, 1), background="law")
    report = _annual(seeded, year=2025)
    missed = [f for f in report.findings if f.kind == "meeting_duty_missed"]
    assert [f.department_code for f in missed] == ["450102"]
    assert "广西办法第十一条（一）" in missed[0].message
    activity(seeded, dept="450102", kind="forum", held_on=date(2025, 12, 30), participants=[a])
    report = _annual(seeded, year=2025)
    assert not [f for f in report.findings if f.kind == "meeting_duty_missed"]
    # the 2025 meeting does not count for 2026
    assert [f.kind for f in _annual(seeded, year=2026).findings].count("meeting_duty_missed") == 1


def test_annual_meeting_next_year_does_not_count(seeded):
    _, a = person(seeded, dept="450102", start=date(2025, 1, 1))
    activity(seeded, dept="450102", kind="forum", held_on=date(2026, 1, 2), participants=[a])
    assert "meeting_duty_missed" in {f.kind for f in _annual(seeded, year=2025).findings}


def test_annual_over_quota(seeded):
    for _ in range(4):  # 150102 has a quota of 3
        person(seeded, dept="150102", start=date(2025, 1, 1))
    report = _annual(seeded, dept="150000", year=2025)
    assert [f.department_code for f in report.findings if f.kind == "over_quota"] == ["150102"]


def test_annual_overdue_leads(seeded):
    from tests.helpers_leads import log_lead

    _, number = person(seeded, dept="150102", start=date(2025, 1, 1))
    log_lead(seeded, number, received=date(2025, 3, 3))
    report = _annual(seeded, dept="150000", year=2025)
    kinds = [f for f in report.findings if f.kind == "overdue_leads"]
    assert kinds and kinds[0].detail["overdue"] == 1


def test_annual_figures_and_roll_up(seeded):
    from tests.helpers_leads import log_lead, move

    _, a = person(seeded, dept="150102", start=date(2025, 1, 1), gender="F",
                  birth=date(1996, 1, 1), categories=("npc_deputy", "insured"))  # 29 on 31 Dec
    _, b = person(seeded, dept="150103", start=date(2024, 1, 1), birth=date(1960, 1, 1))
    lead = log_lead(seeded, a, received=date(2025, 3, 3), codes=("A1", "A2"))
    move(seeded, lead.number, ("in_progress", {"handling_unit": "基金监管科", "on": date(2025, 3, 4)}),
         ("verified", {"on": date(2025, 4, 1), "verified_amount": Decimal("1200.50")}))
    log_lead(seeded, b, received=date(2025, 5, 6))
    log_lead(seeded, b, received=date(2024, 5, 6))  # other year
    held = activity(seeded, dept="150102", held_on=date(2025, 6, 10), participants=[a])
    attend(seeded, held.number, attended=[a])
    report = _annual(seeded, dept="150100", year=2025)
    city = report.departments[0]
    assert city["code"] == "150100"
    total = city["total"]
    assert total["headcount"] == 2 and city["own"]["headcount"] == 0
    assert total["composition"]["gender"] == {"F": 1, "M": 1}
    assert total["composition"]["age_band"] == {"under_30": 1, "60_plus": 1}
    assert total["composition"]["category"]["npc_deputy"] == 1
    assert total["composition"]["division"] == {"150102": 1, "150103": 1}
    assert total["leads"]["total"] == 2
    assert total["leads"]["by_subject"] == {"A": 2}
    assert total["leads"]["by_item"] == {"A1": 2, "A2": 1}
    assert total["leads"]["verified_amount"] == Decimal("1200.50")
    assert total["activities"]["by_kind"] == {"inspection": 1}
    assert total["activities"]["attended"] == 1
    assert city["meetings"] is None  # nm-2024 has no meeting duty


def test_annual_year_in_range(seeded):
    from medisup.errors import InvalidValue

    with pytest.raises(InvalidValue):
        _annual(seeded, year=20)


# ---------------------------------------------------------------- command line


def test_cli_renewals_json_and_fail_on_findings(cli, seeded):
    person(seeded, start=date(2024, 1, 6))
    res = cli("review", "renewals", "--within", "30", "--as-of", "2025-12-20", "--format", "json",
              "--fail-on-findings")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert set(doc) == {"review", "as_of", "within", "department", "items", "findings"}
    item = doc["items"][0]
    assert item["state"] == "ending" and item["end_date"] == "2026-01-05"
    assert set(item["record"]) == {"leads", "leads_verified", "activities_attended",
                                   "activities_absent", "opinions", "discipline", "complaints"}
    assert (item["consent_on_file"], item["consent_on"]) == (False, None)
    assert "*" in item["id_number"]
    res = cli("review", "renewals", "--within", "30", "--as-of", "2025-12-20")
    assert res.exit_code == 0 and "2026-01-05" in res.stdout


def test_cli_terminations_apply_twice(cli, seeded):
    person(seeded, dept="450102", start=date(2023, 1, 1))
    res = cli("review", "terminations", "--as-of", "2025-03-01", "--apply", "--yes",
              "--format", "json", dept="450000")
    assert res.exit_code == 0, res.stderr
    assert len(json.loads(res.stdout)["applied"]) == 1
    res = cli("review", "terminations", "--as-of", "2025-03-01", "--apply", dept="450000")
    assert res.exit_code == 0
    assert "未作任何更改" in res.stderr


def test_cli_annual_json_table_and_workbook(cli, seeded, tmp_path):
    person(seeded, dept="450102", start=date(2025, 1, 1))
    res = cli("review", "annual", "--year", "2025", "--format", "json", dept="450000")
    doc = json.loads(res.stdout)
    assert set(doc) == {"review", "year", "as_of", "department", "departments", "findings"}
    dept = doc["departments"][0]
    assert set(dept) == {"code", "name", "parent", "pack", "quota", "meetings", "own", "total"}
    assert set(dept["total"]) == {"headcount", "composition", "appointments", "renewals",
                                  "terminations", "leads", "rewards", "activities", "opinions",
                                  "complaints"}
    res = cli("review", "annual", "--year", "2025", "--fail-on-findings", dept="450000")
    assert res.exit_code == 1 and "座谈会" in res.stdout and "发现问题 1 项" in res.stderr
    out = tmp_path / "年度报告.xlsx"
    res = cli("review", "annual", "--year", "2025", "--out", str(out), dept="450000")
    assert res.exit_code == 0, res.stderr
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames == ["概况", "人员构成", "聘任与解聘", "线索", "金额与奖励",
                               "活动与意见建议", "会议制度", "发现的问题"]
    assert book["概况"]["B3"].value.strip() == "广西壮族自治区医疗保障局"
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/charts/")]  # no leads, no chart


def test_cli_annual_chart_on_leads_sheet(cli, seeded, tmp_path):
    from tests.helpers_leads import log_lead

    _, number = person(seeded, dept="150102", start=date(2025, 1, 1))
    log_lead(seeded, number, received=date(2025, 3, 3))
    out = tmp_path / "report.xlsx"
    res = cli("review", "annual", "--year", "2025", "--out", str(out))
    assert res.exit_code == 0, res.stderr
    with zipfile.ZipFile(out) as z:
        assert "xl/charts/chart1.xml" in z.namelist()


def test_cli_annual_needs_year(cli):
    res = cli("review", "annual", "--format", "json")
    assert res.exit_code == 2 and "--year" in res.stderr


def test_renewals_leave_out_nm_terms_past_the_grace_period(seeded):
    from medisup.services.supervisors.terms import RENEWAL_GRACE_DAYS

    person(seeded, start=date(2023, 1, 1))  # nm: ended 2024-12-31
    gx, _ = person(seeded, dept="450102", start=date(2023, 1, 1))
    late = date(2024, 12, 31) + timedelta(days=RENEWAL_GRACE_DAYS + 1)
    assert _renewals(seeded, dept="150000", within=0, as_of=late).items == ()
    # under gx-trial the ended term stays until it is dismissed
    assert [i.person_id for i in _renewals(seeded, dept="450000", within=0, as_of=late).items] \
        == [gx]


def test_planned_meeting_with_no_attendance_does_not_count(seeded):
    _, a = person(seeded, dept="450102", start=date(2025, 1, 1))
    activity(seeded, dept="450102", kind="forum", held_on=date(2025, 11, 3), participants=[a],
             today=date(2025, 10, 1))  # planned, never recorded as held
    assert "meeting_duty_missed" in {f.kind for f in _annual(seeded, year=2025).findings}


def test_annual_rewards_granted_and_paid(seeded):
    from datetime import UTC, datetime

    from sqlmodel import select

    from medisup.models import Lead, Reward
    from tests.helpers_leads import GX_HOSPITAL, GX_HOSPITAL_CODE, log_lead

    _, number = person(seeded, dept="450102", start=date(2025, 1, 1))
    log_lead(seeded, number, dept="450000", received=date(2025, 3, 3), name=GX_HOSPITAL,
             credit_code=GX_HOSPITAL_CODE)
    with seeded.uow("450000") as uow:
        lead = uow.session.exec(select(Lead)).one()
        for notice, claimed, amount in ((date(2025, 5, 1), date(2025, 6, 1), "800"),
                                        (date(2025, 12, 1), None, "300"),
                                        (date(2024, 12, 1), date(2025, 1, 5), "200")):
            uow.session.add(Reward(lead_id=lead.id, computed=Decimal(amount),
                                   amount=Decimal(amount), basis="test", status="notified",
                                   notice_on=notice, claimed_on=claimed,
                                   created_at=datetime.now(UTC)))
    rewards = _annual(seeded, year=2025).departments[0]["total"]["rewards"]
    assert (rewards["granted"], rewards["granted_amount"]) == (2, Decimal("1100"))
    assert (rewards["paid"], rewards["paid_amount"]) == (2, Decimal("1000"))
    assert _annual(seeded, dept="450000", year=2025).departments[0]["own"]["rewards"][
        "granted"] == 0
