"""Supervisor roster import on a real database: appointments and applications checked with
the same rules as the interactive commands, every problem named by row and column,
nothing written unless every row is right, and a second import changing nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from clock import TODAY
from helpers_supervisors import apply, appoint, make_credit_code, make_id
from sqlmodel import col, func, select

from medisup import i18n
from medisup.models import (
    Application,
    AuditEntry,
    Finding,
    ImportBatch,
    Interest,
    Person,
    PersonCategory,
    Term,
)
from medisup.services import supervisors
from medisup.services.supervisors.import_roster import import_supervisors

T = TODAY
START = T - timedelta(days=20)
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HEADERS = ["序号", "姓名", "性别", "公民身份号码", "人员类别", "手机号", "聘任方式", "推荐单位",
           "所属部门代码", "聘期起始", "利益关系机构"]


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def roster(path: Path, rows: list[list], headers: list[str] = HEADERS, *,
           title: str | None = "新城区医疗保障基金社会监督员花名册") -> Path:
    """A workbook as a bureau makes it: a merged title row above the header, notes below."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append(["填表说明：身份证号请设为文本格式。"])
    book.save(path)
    return path


def row(number: str, name: str = "王建国", *, dept: str = "150103", start: date | None = START,
        category: str = "参保群众", channel: str = "公开选聘", body: str = "",
        gender: str | None = None, phone: str = "13812345678", interests: str = "",
        seq: int = 1) -> list:
    if gender is None:
        gender = "男" if int(number[16]) % 2 else "女"
    return [seq, name, gender, number, category, phone, channel, body, dept, start, interests]


def run(env, path: Path, *, dept: str = "150100", **options):
    with env.uow(dept, command="import supervisors") as uow:
        return import_supervisors(uow, path, **options)


def count(env, model, *where) -> int:
    with env.uow(write=False) as uow:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return uow.session.exec(query).one()


def snapshot(env) -> dict:
    return {m.__name__: count(env, m) for m in (Person, PersonCategory, Interest, Application,
                                                 Finding, Term, ImportBatch, AuditEntry)}


def messages(report) -> list[str]:
    return [p.message for p in report.problems]


# ── appointments and applications ─────────────────────────────────────────


def test_roster_rows_become_people_approved_applications_and_terms(seeded, tmp_path):
    code = make_credit_code()
    ids = [make_id(), make_id(female=True), make_id()]
    path = roster(tmp_path / "花名册.xlsx", [
        row(ids[0], "王建国", category="人大代表、参保群众", interests=f"新城区人民医院({code})"),
        row(ids[1], "李秀英", channel="单位推荐", body="新城区人大常委会", seq=2),
        row(ids[2], "张志强", category="专家学者", seq=3),
    ])
    report = run(seeded, path)
    assert report.ok, messages(report)
    assert (report.rows, report.created, report.updated, report.unchanged, report.rejected) \
        == (3, 3, 0, 0, 0)
    assert report.batch_id is not None
    with seeded.uow("150100", write=False) as uow:
        detail = supervisors.show(uow, ids[0], reveal=True)
        assert detail.person.categories == ("insured", "npc_deputy")
        assert detail.person.gender == "M"
        assert [s.status for s in detail.statuses] == ["serving"]
        term = detail.terms[0]
        assert (term.start_date, term.number) == (START, 1)
        assert term.end_date == date(START.year + 2, START.month, START.day) - timedelta(days=1)
        app = detail.applications[0]
        assert app.status == "approved" and app.channel == "open"
        assert f"名册导入，批次 {report.batch_id}" in app.decision_note
        assert [(i.institution_name, i.credit_code) for i in detail.interests] == [
            ("新城区人民医院", code)]
        second = supervisors.show(uow, ids[1], reveal=True)
        assert second.applications[0].recommending_body == "新城区人大常委会"
        batch = uow.session.get(ImportBatch, report.batch_id)
        assert (batch.kind, batch.rows, batch.created, batch.dept) == ("supervisors", 3, 3,
                                                                       "150100")
        entries = uow.session.exec(select(AuditEntry).where(
            AuditEntry.batch_id == report.batch_id)).all()
    assert [(e.action, e.entity) for e in entries] == [("import", "import_batch")]
    journal = json.loads(entries[0].after)["journal"]
    assert set(journal["created"]) >= {"person", "application", "term", "interest"}
    # Imported appointments keep their findings compactly: the decision note, no rows.
    assert count(seeded, Finding) == 0


def test_importing_the_same_workbook_twice_changes_nothing(seeded, tmp_path):
    path = roster(tmp_path / "r.xlsx", [row(make_id(), seq=n) for n in range(1, 4)])
    assert run(seeded, path).created == 3
    before = snapshot(seeded)
    again = run(seeded, path)
    assert (again.created, again.updated, again.unchanged, again.batch_id) == (0, 0, 3, None)
    assert snapshot(seeded) == before


def test_changed_rows_update_the_person_and_count_as_updated(seeded, tmp_path):
    first, second = make_id(), make_id()
    run(seeded, roster(tmp_path / "a.xlsx", [row(first), row(second, "李四", seq=2)]))
    changed = roster(tmp_path / "b.xlsx", [
        row(first, phone="13900001111", category="政协委员"), row(second, "李四", seq=2)])
    report = run(seeded, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    with seeded.uow("150100", write=False) as uow:
        person = supervisors.show(uow, first, reveal=True).person
    assert person.phone == "13900001111" and person.categories == ("cppcc_member",)
    with seeded.uow(write=False) as uow:
        entry = uow.session.exec(select(AuditEntry).where(
            AuditEntry.batch_id == report.batch_id)).one()
    before = json.loads(entry.after)["journal"]["updated"]["person"]
    assert {"phone": "13812345678"} == {k: v for k, v in before[0]["before"].items()
                                        if k == "phone"}


def test_rows_without_a_term_start_are_pending_applications(seeded, tmp_path):
    number = make_id()
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(number, start=None)]))
    assert report.ok and report.created == 1
    with seeded.uow("150103", write=False) as uow:
        detail = supervisors.show(uow, number)
    app = detail.applications[0]
    assert app.status == "pending" and detail.terms == ()
    results = {f.criterion: f.result for f in app.findings}
    assert results["dedication"] == "not_checked" and results["not_serving"] == "met"
    # The interactive approval takes it from there.
    with seeded.uow("150103") as uow:
        done = supervisors.approve(uow, number, all_met=True)
    assert done.term.start_date == T
    assert run(seeded, roster(tmp_path / "a.xlsx", [row(number, start=None)])).unchanged == 1


def test_an_appointment_row_approves_a_pending_application(seeded, tmp_path):
    number = make_id()
    apply(seeded, "150103", number, name="王建国", applied_on=START - timedelta(days=5))
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(number)]))
    assert report.ok, messages(report)
    assert (report.created, report.updated) == (1, 0)
    with seeded.uow("150103", write=False) as uow:
        detail = supervisors.show(uow, number)
    assert len(detail.applications) == 1
    assert detail.applications[0].status == "approved"
    assert detail.terms[0].application_id == detail.applications[0].id


def test_csv_in_gbk_is_read(seeded, tmp_path):
    number = make_id()
    path = tmp_path / "名单.csv"
    lines = ["新城区监督员名单", ",".join(HEADERS),
             ",".join(map(str, row(number, start=START.isoformat())))]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    report = run(seeded, path)
    assert report.ok, messages(report)
    assert report.created == 1 and count(seeded, Person) == 1


def test_department_option_and_operator_default(seeded, tmp_path):
    headers = [h for h in HEADERS if h != "所属部门代码"]
    rows = [[c for n, c in enumerate(row(make_id())) if n != 8]]
    path = roster(tmp_path / "a.xlsx", rows, headers)
    assert run(seeded, path, dept="150103").ok
    other = roster(tmp_path / "b.xlsx", [[c for n, c in enumerate(row(make_id())) if n != 8]],
                   headers)
    assert run(seeded, other, department="150103").ok
    assert count(seeded, Term, Term.department_code == "150103") == 2


# ── problems: all or nothing ──────────────────────────────────────────────


def test_one_bad_row_means_nothing_is_written(seeded, tmp_path):
    before = snapshot(seeded)
    good = [row(make_id(), seq=n) for n in range(1, 4)]
    bad = row(make_id(), "错误", category="离退休干部", seq=4)
    report = run(seeded, roster(tmp_path / "a.xlsx", [*good, bad]))
    assert not report.ok and report.rejected == 1 and report.batch_id is None
    [message] = messages(report)
    assert message.startswith("第 6 行，列“人员类别”：值“离退休干部”——“离退休干部”：以下之一：")
    assert "insured" in message and "npc_deputy" in message
    assert snapshot(seeded) == before


def test_dry_run_checks_everything_and_writes_nothing(seeded, tmp_path):
    before = snapshot(seeded)
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(make_id()), row(make_id(), seq=2)]),
                 dry_run=True)
    assert report.ok and report.dry_run and report.created == 2 and report.batch_id is None
    assert snapshot(seeded) == before


def test_every_problem_is_named_by_row_column_value_and_expectation(seeded, tmp_path):
    number = make_id()
    rows = [
        row(number[:-1] + ("0" if number[-1] != "0" else "1")),          # check digit
        row(make_id(), gender="女" if True else "男", seq=2),              # gender vs ID
        row(make_id(), channel="单位推荐", seq=3),                          # body missing
        row(make_id(), dept="150000", seq=4),                             # not a child of op
        row(make_id(), channel="抽签", seq=5),                              # unknown channel
        row(make_id(), phone="12345", seq=6),
    ]
    rows[1][2] = "女" if int(rows[1][3][16]) % 2 else "男"
    report = run(seeded, roster(tmp_path / "a.xlsx", rows))
    got = messages(report)
    masked = rows[0][3][:6] + "********" + rows[0][3][-4:]  # personal values masked in messages
    assert got[0] == f"第 3 行，列“公民身份号码”：值“{masked}”——身份证号的校验位不对，请逐位核对"
    assert got[1].startswith("第 4 行，列“性别”") and "与身份证号一致的性别" in got[1]
    assert got[2].startswith("第 5 行，列“推荐单位”") and "单位推荐" in got[2]
    assert got[3].startswith("第 6 行，列“所属部门代码”：值“150000”") and "不在当前操作部门" in got[3]
    assert got[4].startswith("第 7 行，列“聘任方式”：值“抽签”")
    assert got[5].startswith("第 8 行，列“手机号”：值“12345”")
    assert report.rejected == 6 and count(seeded, Person) == 0


def test_an_id_number_excel_turned_into_a_number_is_refused(seeded, tmp_path):
    number = make_id()
    data = row(number)
    data[3] = float(number[:15] + "000")
    report = run(seeded, roster(tmp_path / "a.xlsx", [data]))
    assert len(report.problems) == 1
    message = report.problems[0].message
    assert message.startswith("第 3 行，列“公民身份号码”：值“1.50")
    assert "末几位已经丢失" in message and "文本格式" in message


def test_duplicate_id_numbers_inside_the_file(seeded, tmp_path):
    number = make_id()
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(number), row(make_id(), seq=2),
                                                       row(number, seq=3)]))
    masked = number[:6] + "********" + number[-4:]
    assert messages(report) == [f"第 5 行，列“公民身份号码”：值“{masked}”——与第 3 行重复"]
    assert number not in report.as_dict()["problems"][0]["value"]
    assert count(seeded, Person) == 0


def test_status_serving_needs_a_term_start_and_term_end_must_agree(seeded, tmp_path):
    headers = [*HEADERS, "状态", "聘期截止"]
    rows = [row(make_id(), start=None) + ["在聘", None],
            row(make_id(), seq=2) + [None, START + timedelta(days=400)],
            row(make_id(), seq=3) + ["申请中", None]]
    report = run(seeded, roster(tmp_path / "a.xlsx", rows, headers))
    got = messages(report)
    assert got[0].startswith("第 3 行，列“聘期起始”") and "在聘" in got[0]
    end = date(START.year + 2, START.month, START.day) - timedelta(days=1)
    assert got[1].startswith("第 4 行，列“聘期截止”") and end.isoformat() in got[1]
    assert got[2].startswith("第 5 行，列“状态”：值“申请中”")


def test_quota_counts_the_rows_of_the_file(seeded, tmp_path):
    appoint(seeded, "150102", start=START - timedelta(days=100))
    rows = [row(make_id(), dept="150102", seq=n) for n in range(1, 5)]
    report = run(seeded, roster(tmp_path / "a.xlsx", rows))
    assert [p.row for p in report.problems] == [5, 6]
    assert "名额已满" in report.problems[0].message and "在聘 3 人，名额 3 人" in \
        report.problems[0].message
    assert report.problems[0].header == "聘期起始"
    assert count(seeded, Term) == 1
    assert run(seeded, roster(tmp_path / "b.xlsx", rows[:2])).created == 2


def test_serving_elsewhere_is_refused(seeded, tmp_path):
    number = make_id()
    appoint(seeded, "150102", number, name="王建国", start=START - timedelta(days=100))
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(number)]))
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.header == "聘期起始" and "150102" in problem.message
    assert "同一时间只在一个部门聘任" in problem.message


def test_a_blocking_termination_is_refused_without_override(seeded, tmp_path):
    number = make_id()
    appoint(seeded, "150102", number, name="王建国", start=START - timedelta(days=300))
    with seeded.uow("150102") as uow:
        supervisors.record_discipline(uow, number, rule="secrecy",
                                      occurred_on=START - timedelta(days=12))
        supervisors.terminate(uow, number, ground="violation",
                              effective=START - timedelta(days=10))
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(number)]))
    assert len(report.problems) == 1
    assert "第十二条（一）" in report.problems[0].message
    assert "supervisor apply/approve" in report.problems[0].message


def test_a_known_person_under_another_name_is_refused(seeded, tmp_path):
    number = make_id()
    appoint(seeded, "150102", number, name="王建国", start=START - timedelta(days=900))
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(number, "王建军")]))
    assert [p.header for p in report.problems] == ["姓名"]


def test_bureau_workbook_layout_columns_in_any_order_and_extras_ignored(seeded, tmp_path):
    headers = ["备注", "身份证号码", "联系电话", "姓名", "类别", "选聘方式", "部门代码", "聘任日期",
               "籍贯"]
    number = make_id()
    rows = [["", number, "0471-6661234", "王建国", "参保群众", "个人自荐", "150103",
             f"{START.year}年{START.month}月{START.day}日", "内蒙古"]]
    report = run(seeded, roster(tmp_path / "a.xlsx", rows, headers, title=None))
    assert report.ok, messages(report)
    with seeded.uow("150103", write=False) as uow:
        detail = supervisors.show(uow, number, reveal=True)
    assert detail.person.phone == "0471-6661234"
    assert detail.terms[0].start_date == START


def test_id_numbers_with_an_impossible_birth_date_are_refused_on_each_row(seeded, tmp_path):
    # The birth date and birthplace verdicts are taken once per date and per code and
    # year: every row that carries a bad one is still named, beside rows that share
    # its birthplace and are right.
    future = f"{TODAY.year + 1}0101"
    rows = [row(make_id(birth=future), seq=1), row(make_id(), seq=2),
            row(make_id(birth=future), seq=3), row(make_id(region="159999"), seq=4)]
    report = run(seeded, roster(tmp_path / "a.xlsx", rows))
    assert [(p.row, p.column_key) for p in report.problems] == [(3, "id_number"),
                                                                (5, "id_number")]
    assert all("有效出生日期" in p.expected for p in report.problems)
    assert count(seeded, Person) == 0


def test_unknown_birthplace_code_is_kept_as_a_warning_finding(seeded, tmp_path):
    number = make_id(region="159999")
    report = run(seeded, roster(tmp_path / "a.xlsx", [row(number)]))
    assert report.ok, messages(report)
    with seeded.uow("150103", write=False) as uow:
        findings = uow.session.exec(select(Finding)).all()
    assert [(f.criterion, f.result) for f in findings] == [("id_valid", "warning")]


# ── the sample workbooks ─────────────────────────────────────────────────


def _room(env) -> None:
    from medisup.services import departments

    with env.uow("150000") as uow:
        for code in ("150100", "150102", "150103"):
            departments.update(uow, code, quota=50)


def test_the_sample_roster_imports(seeded):
    _room(seeded)
    report = run(seeded, SAMPLES / "呼和浩特市监督员花名册.xlsx")
    assert report.ok, messages(report)
    assert (report.rows, report.created) == (36, 36)
    assert report.sheet == "监督员花名册"
    assert count(seeded, Term, col(Term.start_date) == date(2026, 1, 1)) == 36
    assert run(seeded, SAMPLES / "呼和浩特市监督员花名册.xlsx").unchanged == 36


def test_the_sample_roster_with_mistakes_fails_and_returns_the_marked_workbook(seeded,
                                                                                tmp_path):
    from openpyxl import load_workbook

    _room(seeded)
    out = tmp_path / "花名册-错误说明.xlsx"
    report = run(seeded, SAMPLES / "呼和浩特市监督员花名册-含错误.xlsx", errors_to=out)
    assert [(p.row, p.header) for p in report.problems] == [
        (6, "公民身份号码"), (8, "公民身份号码"), (9, "性别"), (10, "人员类别"), (11, "聘期起始"),
        (12, "公民身份号码")]
    assert "末几位已经丢失" in report.problems[1].message
    assert count(seeded, Person) == 0
    sheet = load_workbook(out)["监督员花名册"]
    header = [c.value for c in sheet[4]]
    assert header[-1] == "错误说明"
    assert "校验位" in sheet.cell(6, len(header)).value
    assert sheet.cell(6, 6).comment is not None


# ── renewals and where imported findings come from (gx Art. 8) ────────────


def gx_renewal(seeded, tmp_path, consent):
    number = make_id("450102")
    first = T - timedelta(days=2 * 365 + 5)
    appoint(seeded, "450102", number, start=first, categories=["npc_deputy"])
    with seeded.uow(write=False) as uow:
        term = uow.session.exec(select(Term)).one()
    headers = [*HEADERS, "同意续聘日期"]
    line = row(number, "张三", dept="450102", start=term.end_date + timedelta(days=1),
               category="人大代表")
    path = roster(tmp_path / "续聘.xlsx", [[*line, consent(term)]], headers)
    return number, term, run(seeded, path, dept="450102")


def test_gx_renewal_row_without_consent_is_an_error_naming_the_column(seeded, tmp_path):
    number, term, report = gx_renewal(seeded, tmp_path, lambda term: None)
    assert not report.ok and count(seeded, Term) == 1
    assert any("同意续聘日期" in m and "广西办法第八条" in m for m in messages(report))


def test_gx_renewal_row_with_consent_after_the_decision_is_refused(seeded, tmp_path):
    _, term, report = gx_renewal(seeded, tmp_path,
                                 lambda term: term.end_date + timedelta(days=3))
    assert not report.ok and count(seeded, Term) == 1
    assert any("广西办法第八条" in m for m in messages(report))


def test_gx_renewal_row_records_consent_and_renews(seeded, tmp_path):
    number, term, report = gx_renewal(seeded, tmp_path,
                                      lambda term: term.end_date - timedelta(days=10))
    assert report.ok, messages(report)
    with seeded.uow(write=False) as uow:
        terms = uow.session.exec(select(Term).order_by(col(Term.start_date))).all()
        assert [x.number for x in terms] == [1, 2] and terms[0].renewed
        assert terms[1].consent_on == term.end_date - timedelta(days=10)


def test_undoing_a_renewal_batch_leaves_the_term_unrenewed(seeded, tmp_path):
    """The renewal row marked the old term renewed; undoing the batch takes the new term
    away and the mark with it, so the term is open to a renewal decision again."""
    from medisup.services.batches import undo as batches

    _, term, report = gx_renewal(seeded, tmp_path, lambda term: term.end_date - timedelta(days=10))
    assert report.ok, messages(report)
    with seeded.uow("450102", command="import undo") as uow:
        batches.undo(uow, report.batch_id)
    with seeded.uow(write=False) as uow:
        terms = uow.session.exec(select(Term)).all()
    assert [(x.id, x.renewed) for x in terms] == [(term.id, False)]


def test_imported_appointment_says_its_findings_come_from_the_roster(seeded, tmp_path, cli):
    number = make_id()
    report = run(seeded, roster(tmp_path / "花名册.xlsx", [row(number)]))
    assert report.ok, messages(report)
    with seeded.uow("150100", write=False) as uow:
        app = supervisors.show(uow, number).applications[0]
    assert app.decision_note.startswith(f"来源：名册导入，批次 {report.batch_id}")
    assert "未经审查人逐项认定" in app.decision_note
    shown = cli("supervisor", "show", number, "-f", "json")
    assert shown.exit_code == 0, shown.stderr
    findings = json.loads(shown.stdout)["findings"]
    assert [(f["criterion"], f["result"]) for f in findings] == [("*", "not_reviewed")]
