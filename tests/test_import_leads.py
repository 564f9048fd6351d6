"""Lead ledger import on a real database: the rules of ``lead log`` and ``lead update`` on
every row, items by code, label or an unambiguous start, conflicts flagged, status moved
one recorded step at a time, and re-importing a ledger changing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from clock import TODAY
from helpers_leads import (
    HOSPITAL,
    HOSPITAL_CODE,
    PHARMACY,
    PHARMACY_CODE,
    add_supervisor,
    count_rows,
)
from sqlmodel import col, select

from medisup import i18n
from medisup.errors import RuleViolation
from medisup.models import AuditEntry, ImportBatch, Lead, LeadEvent, LeadItem
from medisup.packs import load_pack
from medisup.services import leads
from medisup.services.leads.import_ledger import import_leads, resolve_item
from medisup.services.leads.rules import status_path

T = TODAY
DAY = T - timedelta(days=40)
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HEADERS = ["线索编号", "受理日期", "反映人", "反映人身份证号", "反映方式", "对象类型", "被反映对象",
           "统一社会信用代码", "问题类别", "线索内容", "涉及金额（元）", "办理状态", "承办科室",
           "查实金额（元）"]


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


@pytest.fixture
def sup(seeded) -> str:
    return add_supervisor(seeded, start=T - timedelta(days=300), end=T + timedelta(days=400),
                          interests=((HOSPITAL, HOSPITAL_CODE),))


def ledger(path: Path, rows: list[list], headers: list[str] = HEADERS) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["医疗保障基金社会监督员反映线索登记台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    sheet.append([])
    sheet.append(["注：问题类别可填代码或《办法》第八条原文。"])
    book.save(path)
    return path


def lead(sup: str, *, number: str = "", day: date = DAY, kind: str | None = "定点零售药店",
         name: str = PHARMACY, credit: str | None = PHARMACY_CODE, items: str = "B1",
         text: str = "药店用医保卡为顾客购买生活用品", amount=2380, status: str = "",
         unit: str = "基金监管科", verified=None, who: str = "张三") -> list:
    return [number, day, who, sup, "电话", kind, name, credit, items, text, amount, status, unit,
            verified]


def run(env, path: Path, *, dept: str = "150100", **options):
    with env.uow(dept, command="import leads") as uow:
        return import_leads(uow, path, **options)


def messages(report) -> list[str]:
    return [p.message for p in report.problems]


def stored(env) -> list[Lead]:
    with env.uow(write=False) as uow:
        return list(uow.session.exec(select(Lead).order_by(col(Lead.id))))


def items_of(env, lead_id: int) -> list[str]:
    with env.uow(write=False) as uow:
        return sorted(uow.session.exec(select(LeadItem.code).where(LeadItem.lead_id == lead_id)))


def events_of(env, lead_id: int) -> list[tuple]:
    with env.uow(write=False) as uow:
        rows = uow.session.exec(select(LeadEvent).where(LeadEvent.lead_id == lead_id)
                                .order_by(col(LeadEvent.id)))
        return [(e.from_status, e.to_status, e.on_date) for e in rows]


# ── new leads ─────────────────────────────────────────────────────────────


def test_ledger_rows_become_numbered_leads_with_deadlines_and_history(seeded, sup, tmp_path):
    report = run(seeded, ledger(tmp_path / "a.xlsx", [
        lead(sup), lead(sup, kind="定点医疗机构", name="新城区人民医院", credit=None, items="A7",
                        day=DAY + timedelta(days=1))]))
    assert messages(report) == [f"第 4 行，列“统一社会信用代码”：{_needs_code()}"]
    report = run(seeded, ledger(tmp_path / "b.xlsx", [
        lead(sup), lead(sup, kind="参保人员", name="张某某", credit=None, items="C2",
                        day=DAY + timedelta(days=1))]))
    assert report.ok, messages(report)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    first, second = stored(seeded)
    assert first.number == f"150102-{DAY.year}-0001" and second.number.endswith("-0002")
    assert first.department_code == "150102" and first.term_id is not None
    assert first.status == "received" and first.channel == "phone"
    assert first.amount_involved == Decimal("2380.00") and first.batch_id == report.batch_id
    assert first.accept_by > DAY and first.handle_by > first.accept_by
    assert items_of(seeded, first.id) == ["B1"]
    assert events_of(seeded, first.id) == [(None, "received", DAY)]
    with seeded.uow(write=False) as uow:
        batch = uow.session.get(ImportBatch, report.batch_id)
        entries = uow.session.exec(select(AuditEntry).where(
            AuditEntry.batch_id == report.batch_id)).all()
    assert batch.kind == "leads" and [e.action for e in entries] == ["import"]


def _needs_code() -> str:
    from medisup.i18n import t

    return t("lead.expect_credit_code_needed", kind="定点医疗机构")


def test_reimporting_a_ledger_without_numbers_changes_nothing(seeded, sup, tmp_path):
    path = ledger(tmp_path / "a.xlsx", [lead(sup), lead(sup, items="B1、B4")])
    assert run(seeded, path).created == 2
    again = run(seeded, path)
    assert (again.created, again.unchanged, again.batch_id) == (0, 2, None)
    assert len(stored(seeded)) == 2


def test_a_repeated_row_inside_the_file_is_a_problem(seeded, sup, tmp_path):
    report = run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup), lead(sup)]))
    assert messages(report) == ["第 4 行：与第 3 行重复"]
    assert stored(seeded) == []


@pytest.mark.parametrize("given,code", [
    ("B1", "B1"),
    ("b1", "B1"),
    ("盗刷医疗保障身份凭证，为参保人员套取现金或购买营养保健品、化妆品、生活用品等非医疗物品的", "B1"),
    ("盗刷凭证套现或购买非医疗物品", "B1"),
    ("盗刷医疗保障", "B1"),
    ("串换药品", "B2"),   # A5 starts so too, but only B fits a pharmacy
])
def test_items_by_code_label_or_unambiguous_start(seeded, sup, tmp_path, given, code):
    report = run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup, items=given)]))
    assert report.ok, messages(report)
    assert items_of(seeded, stored(seeded)[0].id) == [code]


def test_an_ambiguous_start_lists_the_candidates(seeded, sup, tmp_path):
    report = run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup, items="为参保人员")]))
    assert len(report.problems) == 1
    message = report.problems[0].message
    assert message.startswith("第 3 行，列“问题类别”：值“为参保人员”")
    assert "B2" in message and "B4" in message and "请填写代码" in message


def test_resolve_item_without_a_target_kind():
    pack = load_pack("nm-2024")
    assert resolve_item(pack, "A5") == "A5"
    assert resolve_item(pack, "冒名顶替住院") == "A2"
    with pytest.raises(Exception) as raised:
        resolve_item(pack, "串换药品")
    assert "A5" in str(raised.value) and "B2" in str(raised.value)


def test_item_not_fitting_the_target_kind(seeded, sup, tmp_path):
    report = run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup, items="A1")]))
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.header == "问题类别" and "定点零售药店" in problem.message
    assert "A 定点医疗机构及其工作人员" in problem.message


def test_target_kind_is_read_from_the_items_when_the_column_is_missing(seeded, sup, tmp_path):
    headers = [h for h in HEADERS if h != "对象类型"]
    rows = [[c for n, c in enumerate(lead(sup)) if n != 5],
            [c for n, c in enumerate(lead(sup, items="E1", day=DAY + timedelta(days=2)))
             if n != 5]]
    report = run(seeded, ledger(tmp_path / "a.xlsx", rows, headers))
    assert len(report.problems) == 1 and report.problems[0].row == 4
    assert "对象类型" in report.problems[0].message
    report = run(seeded, ledger(tmp_path / "b.xlsx", rows[:1], headers))
    assert report.ok and stored(seeded)[0].target_kind == "pharmacy"


def test_supervisor_unknown_or_not_serving(seeded, sup, tmp_path):
    former = add_supervisor(seeded, start=T - timedelta(days=800), end=T - timedelta(days=100))
    stranger = add_supervisor(seeded, dept="450102", start=T - timedelta(days=300),
                              end=T + timedelta(days=300))
    from helpers_leads import id_number

    report = run(seeded, ledger(tmp_path / "a.xlsx", [
        lead(former), lead(id_number(), day=DAY + timedelta(days=1)),
        lead(stranger, day=DAY + timedelta(days=2)),
        lead(sup, day=T + timedelta(days=3))]))
    got = messages(report)
    assert got[0].startswith("第 3 行，列“受理日期”") and "不在聘期内" in got[0]
    assert got[1].startswith("第 4 行，列“反映人身份证号”") and "不存在" in got[1]
    assert got[2].startswith("第 5 行，列“受理日期”") and "不在聘期内" in got[2]
    assert got[3].startswith("第 6 行，列“受理日期”") and "不晚于今天" in got[3]
    assert stored(seeded) == []


def test_a_target_the_supervisor_declared_is_flagged(seeded, sup, tmp_path):
    report = run(seeded, ledger(tmp_path / "a.xlsx", [
        lead(sup, kind="定点医疗机构", name=HOSPITAL, credit=HOSPITAL_CODE, items="A1")]))
    assert report.ok, messages(report)
    assert stored(seeded)[0].conflict is True
    assert report.warnings and "回避" in report.warnings[0]


def test_amounts_and_text_are_checked(seeded, sup, tmp_path):
    report = run(seeded, ledger(tmp_path / "a.xlsx", [
        lead(sup, amount=-200), lead(sup, amount="约五千元", day=DAY + timedelta(days=1)),
        lead(sup, amount="1.5万元", day=DAY + timedelta(days=2))]))
    assert [p.row for p in report.problems] == [3, 4]
    assert "负数" in report.problems[0].message


# ── updates by number, along the status machine ─────────────────────────


def test_status_moves_along_the_machine_one_recorded_step_at_a_time(seeded, sup, tmp_path):
    run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup)]))
    number = stored(seeded)[0].number
    report = run(seeded, ledger(tmp_path / "b.xlsx", [
        lead(sup, number=number, status="已查实", verified=1800)]))
    assert report.ok, messages(report)
    assert (report.created, report.updated) == (0, 1)
    done = stored(seeded)[0]
    assert done.status == "verified" and done.verified_amount == Decimal("1800.00")
    assert done.handling_unit == "基金监管科"
    assert events_of(seeded, done.id) == [(None, "received", DAY),
                                          ("received", "in_progress", T),
                                          ("in_progress", "verified", T)]
    assert run(seeded, ledger(tmp_path / "b.xlsx", [
        lead(sup, number=number, status="已查实", verified=1800)])).unchanged == 1
    closed = run(seeded, ledger(tmp_path / "c.xlsx", [
        lead(sup, number=number, status="已办结", verified=1800)]))
    assert closed.ok, messages(closed)
    assert stored(seeded)[0].closed_on == T
    with seeded.uow("150100", write=False) as uow:
        assert leads.show(uow, number).status == "closed"


def test_status_out_of_order_is_refused(seeded, sup, tmp_path):
    run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup)]))
    number = stored(seeded)[0].number
    report = run(seeded, ledger(tmp_path / "b.xlsx", [lead(sup, number=number,
                                                            status="已办结")]))
    assert len(report.problems) == 1
    assert report.problems[0].header == "办理状态" and "路径不唯一" in report.problems[0].message
    run(seeded, ledger(tmp_path / "c.xlsx", [lead(sup, number=number, status="不属实")]))
    back = run(seeded, ledger(tmp_path / "d.xlsx", [lead(sup, number=number, status="办理中")]))
    assert "下一步只能是：“已办结”（closed）" in back.problems[0].message
    assert stored(seeded)[0].status == "unfounded"


def test_status_path():
    assert status_path("received", "received") == []
    assert status_path("received", "verified") == ["in_progress", "verified"]
    assert status_path("verified", "closed") == ["closed"]
    with pytest.raises(RuleViolation):
        status_path("received", "closed")
    with pytest.raises(RuleViolation):
        status_path("closed", "received")


def test_a_numbered_row_must_describe_its_lead(seeded, sup, tmp_path):
    run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup)]))
    number = stored(seeded)[0].number
    report = run(seeded, ledger(tmp_path / "b.xlsx", [
        lead(sup, number=number, items="B4", day=DAY - timedelta(days=1)),
        lead(sup, number="150102-2099-9999")]))
    assert [(p.row, p.header) for p in report.problems] == [
        (3, "受理日期"), (3, "问题类别"), (4, "线索编号")]


def test_amounts_only_for_verified_leads(seeded, sup, tmp_path):
    run(seeded, ledger(tmp_path / "a.xlsx", [lead(sup)]))
    number = stored(seeded)[0].number
    report = run(seeded, ledger(tmp_path / "b.xlsx", [
        lead(sup, number=number, status="办理中", verified=500)]))
    assert [p.header for p in report.problems] == ["查实金额（元）"]


# ── the sample ledger ────────────────────────────────────────────────────


def test_the_sample_ledger_imports_after_the_roster(seeded):
    from test_import_supervisors import _room
    from test_import_supervisors import run as import_roster

    _room(seeded)
    assert import_roster(seeded, SAMPLES / "呼和浩特市监督员花名册.xlsx").ok
    report = run(seeded, SAMPLES / "线索登记台账-2026Q1.xlsx")
    assert report.ok, messages(report)
    assert (report.rows, report.created) == (10, 10)
    found = stored(seeded)
    assert {x.target_kind for x in found} >= {"medical_institution", "pharmacy",
                                               "insured_person", "agency", "other"}
    assert items_of(seeded, found[3].id) == ["A1"]   # the full label with a comma in it
    assert items_of(seeded, found[5].id) == ["B2"]   # 串换药品, a pharmacy
    assert items_of(seeded, found[7].id) == ["A6", "A7"]
    assert run(seeded, SAMPLES / "线索登记台账-2026Q1.xlsx").unchanged == 10


def test_the_sample_ledger_with_mistakes_fails(seeded, tmp_path):
    from openpyxl import load_workbook
    from test_import_supervisors import _room
    from test_import_supervisors import run as import_roster

    _room(seeded)
    import_roster(seeded, SAMPLES / "呼和浩特市监督员花名册.xlsx")
    out = tmp_path / "台账-错误说明.xlsx"
    report = run(seeded, SAMPLES / "线索登记台账-2026Q1-含错误.xlsx", errors_to=out)
    assert [(p.row, p.header) for p in report.problems] == [
        (5, "问题类别"), (6, "问题类别"), (7, "涉及金额（元）"), (8, "反映人身份证号"),
        (9, "涉及金额（元）")]
    assert count_rows(seeded, Lead) == 0
    header = [c.value for c in load_workbook(out)["线索登记台账"][3]]
    assert header[-1] == "错误说明"
