"""Exports on a real database: the import headers, values that read back as the database
holds them, the same selection as the lists, masking and audited reveals, neutralised
formulas, safe file handling, and templates whose drop-downs import back."""

from __future__ import annotations

import os
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from clock import TODAY
from helpers_leads import (
    HOSPITAL,
    HOSPITAL_CODE,
    OTHER_HOSPITAL,
    OTHER_HOSPITAL_CODE,
    PHARMACY,
    PHARMACY_CODE,
    add_supervisor,
    log_lead,
    move,
)
from helpers_supervisors import apply, appoint, make_credit_code, make_id
from sqlmodel import select

from medisup import i18n
from medisup.errors import InvalidValue, ScopeError, UsageError
from medisup.excel import LEAD_COLUMNS, SUPERVISOR_COLUMNS, Interest, read_table
from medisup.excel.normalise import text as normalised_text
from medisup.services import audit, exports, leads, supervisors
from medisup.services.exports import SUPERVISOR_EXPORT_COLUMNS
from medisup.services.leads import import_ledger

T = TODAY
ID_X = "15010219900307004X"  # a valid ID number ending in X (female, born 1990-03-07)


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def values(path: Path, columns=SUPERVISOR_COLUMNS) -> list[dict]:
    """The rows of a revealed export as import reads them: no cell may be refused."""
    table = read_table(path, columns, allow_empty=True)
    assert table.problems == []
    return [row.values for row in table.rows]


def export(env, path: Path, dept: str = "150100", **options):
    reveal = options.get("reveal", False)
    with env.uow(dept, write=reveal) as uow:
        return exports.export_supervisors(uow, path, **options)


def export_leads(env, path: Path, dept: str = "150100", as_of=date(2026, 1, 1), **filters):
    reveal = filters.pop("reveal", False)
    force = filters.pop("force", False)
    with env.uow(dept, write=reveal) as uow:
        return exports.export_leads(uow, path, leads.LeadFilter(**filters), reveal=reveal,
                                    as_of=as_of, force=force)


def listed(env, dept: str = "150100", **filters):
    with env.uow(dept, write=False) as uow:
        return supervisors.list_supervisors(uow, **filters)


def reveal_entries(env) -> list[dict]:
    with env.uow(write=False) as uow:
        return [e for e in audit.log(uow.session, action="reveal", reveal=True)
                if e["entity"] == "export"]


@pytest.fixture
def out(tmp_path) -> Path:
    """An empty folder for the workbooks (the test database sits in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# ---------------------------------------------------------------- a roster


@pytest.fixture
def roster(seeded):
    """One person in each status in the 150100 subtree, with the fields an export writes."""
    people = {s: make_id() for s in ("pending", "serving", "terminated", "expired", "rejected",
                                      "appointed")}
    people["serving"] = ID_X
    apply(seeded, "150102", people["pending"], name="申请人", applied_on=T - timedelta(days=3))
    apply(seeded, "150102", ID_X, name="在聘人", applied_on=T - timedelta(days=40),
          channel="invited", recommending_body="市人大常委会",
          categories=["npc_deputy", "expert"], ethnicity="蒙古族",
          email="zai@example.com", address="呼和浩特市新城区中山东路1号",
          work_unit="内蒙古医科大学附属医院主任医师", background="medicine",
          interests=[f"某某医院:{make_credit_code()}", "某药店"])
    with seeded.uow("150102") as uow:
        supervisors.approve(uow, ID_X, start=T - timedelta(days=30), on=T - timedelta(days=30))
    appoint(seeded, "150103", people["terminated"], name="解聘人")
    with seeded.uow("150103") as uow:
        supervisors.terminate(uow, people["terminated"], ground="resigned",
                              effective=T - timedelta(days=2))
    appoint(seeded, "150103", people["expired"], name="期满人",
            start=T - timedelta(days=2 * 366 + 10), channel="self")
    apply(seeded, "150103", people["rejected"], name="驳回人")
    with seeded.uow("150103") as uow:
        supervisors.reject(uow, people["rejected"], reason="不符合条件")
    apply(seeded, "150102", people["appointed"], name="待任人", applied_on=T - timedelta(days=3))
    with seeded.uow("150102") as uow:
        supervisors.approve(uow, people["appointed"], start=T + timedelta(days=30))
    return seeded, people


def test_headers_are_the_import_headers(roster, tmp_path):
    from openpyxl import load_workbook

    env, _ = roster
    path = tmp_path / "roster.xlsx"
    export(env, path)
    sheet = load_workbook(path).active
    headers = [cell.value for cell in sheet[2]]
    assert headers == [spec.header for spec in SUPERVISOR_EXPORT_COLUMNS]
    assert set(headers) <= {spec.header for spec in SUPERVISOR_COLUMNS}
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.header_row == 2  # the title row above is skipped
    assert list(table.positions) == [spec.key for spec in SUPERVISOR_EXPORT_COLUMNS]
    assert sheet["A1"].value.startswith("监督员名单（150100 呼和浩特市医疗保障局及下级")


def test_lead_headers_are_the_import_headers(seeded, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "leads.xlsx"
    export_leads(seeded, path)
    headers = [cell.value for cell in load_workbook(path).active[2]]
    # The import headers, then the deadlines the export adds (import passes over them).
    assert headers == [spec.header for spec in LEAD_COLUMNS] + ["受理期限", "办结期限", "是否逾期"]
    table = read_table(path, LEAD_COLUMNS, allow_empty=True)
    assert table.header_row == 2 and table.unknown_headers == []


def test_english_headers_read_back(roster, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    env, people = roster
    monkeypatch.setattr(i18n, "_language", "en")
    path = tmp_path / "roster-en.xlsx"
    export(env, path, reveal=True)
    headers = [cell.value for cell in load_workbook(path).active[2]]
    assert headers[:5] == ["Name", "Gender", "Ethnicity", "Birth date", "ID number"]
    rows = {r["id_number"]: r for r in values(path)}
    serving = rows[ID_X]
    assert serving["status"] == "serving" and serving["channel"] == "invitation"
    assert serving["gender"] == "female"


def test_header_style_and_frozen_panes(roster, tmp_path):
    from openpyxl import load_workbook

    env, _ = roster
    path = tmp_path / "roster.xlsx"
    export(env, path)
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A3"
    header = sheet["A2"]
    assert header.font.b and header.fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.column_dimensions["E"].width >= 20  # 身份证号
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A2:")


# ---------------------------------------------------------------- masking and reveals


def test_masked_by_default_and_not_audited(roster, tmp_path):
    env, people = roster
    path = tmp_path / "roster.xlsx"
    report = export(env, path)
    assert report.masked and report.rows == 6 and report.kind == "supervisors"
    table = read_table(path, SUPERVISOR_COLUMNS)
    raw = [row.raw for row in table.rows]
    assert {r["id_number"] for r in raw} == {p[:6] + "********" + p[-4:] for p in people.values()}
    assert {r["phone"] for r in raw} == {"138****5678"}
    # The hidden digits of an ID are the birth date: beside a masked ID only the year shows.
    assert all(len(str(r["birth_date"])) == 4 for r in raw if r["birth_date"])
    # A masked ID number is refused on import: the file cannot go back by mistake.
    assert {p.column_key for p in table.problems} == {"id_number", "phone", "birth_date"}
    assert reveal_entries(env) == []


def test_reveal_writes_everything_and_is_audited(roster, tmp_path):
    env, people = roster
    path = tmp_path / "roster.xlsx"
    report = export(env, path, reveal=True)
    assert not report.masked
    rows = values(path)
    assert {r["id_number"] for r in rows} == set(people.values())
    assert {r["phone"] for r in rows} == {"13812345678"}
    entry = reveal_entries(env)[0]
    assert entry["entity"] == "export" and entry["entity_id"] == "roster.xlsx"
    after = entry["after"]
    assert after["file"] == str(path.resolve()) and after["rows"] == 6
    assert after["table"] == "supervisors" and after["department"] == "150100"
    assert len(after["people"]) == 6


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_revealed_workbook_is_readable_by_its_owner_only(roster, tmp_path):
    env, _ = roster
    umask = os.umask(0o022)
    try:
        export(env, tmp_path / "masked.xlsx")
        export(env, tmp_path / "revealed.xlsx", reveal=True)
    finally:
        os.umask(umask)
    assert (tmp_path / "revealed.xlsx").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "masked.xlsx").stat().st_mode & 0o777 == 0o644


def test_revealed_export_reads_back_as_the_database_holds_it(roster, tmp_path):
    from medisup.models import Certificate, Term
    from medisup.models import Interest as InterestRow
    from medisup.packs import load_pack

    env, people = roster
    with env.uow("150102") as uow:
        term = uow.session.exec(
            select(Term).where(Term.department_code == "150102",
                                                      Term.number == 1)).all()
        serving_term = next(x for x in term if x.start_date <= T)
        uow.session.add(Certificate(
            number="150102-2026-0007", term_id=serving_term.id, person_id=serving_term.person_id,
            department_code="150102", issued_on=T - timedelta(days=29), status="valid",
            verify_code="ABCD1234", created_at=datetime.now(UTC)))
        interests = uow.session.exec(select(InterestRow).where(
            InterestRow.person_id == serving_term.person_id)).all()
    path = tmp_path / "roster.xlsx"
    export(env, path, reveal=True)
    rows = {r["id_number"]: r for r in values(path)}
    pack = load_pack("nm-2024")
    with env.uow("150100", write=False) as uow:
        detail = supervisors.show(uow, ID_X, reveal=False)
    serving = rows[ID_X]
    person = detail.person
    assert serving["name"] == person.name == "在聘人"
    assert serving["gender"] == "女" and person.gender == "F"
    assert serving["birth_date"] == date(1990, 3, 7)
    assert person.birth_date == 1990  # beside a masked ID number: the year only
    assert serving["ethnicity"] == "蒙古族"
    assert serving["email"] == "zai@example.com"
    assert serving["address"] == "呼和浩特市新城区中山东路1号"
    assert serving["work_unit"] == normalised_text(person.work_unit)
    assert tuple(pack.resolve("categories", c).code for c in serving["categories"]) \
        == person.categories == ("expert", "npc_deputy")
    assert pack.resolve("backgrounds", serving["background"]).code == "medicine"
    assert pack.resolve("channels", serving["channel"]).code == "invited"
    assert serving["department"] == "150102"
    assert serving["applied_on"] == T - timedelta(days=40)
    assert supervisors.status_label("serving") == serving["status"]
    assert (serving["term_start"], serving["term_end"]) == (
        serving_term.start_date, serving_term.end_date)
    assert serving["certificate"] == "150102-2026-0007"
    assert serving["interests"] == tuple(
        Interest(i.institution_name, i.credit_code) for i in interests)
    assert serving["recommending_body"] == "市人大常委会"  # free text where the pack has no list
    pending = rows[people["pending"]]
    assert pending["status"] == "申请中" and pending["term_start"] is None


def test_withdrawn_interests_are_not_exported(roster, tmp_path):
    env, _ = roster
    with env.uow("150102") as uow:
        supervisors.remove_interest(uow, ID_X, name="某药店", on=T)
    path = tmp_path / "roster.xlsx"
    export(env, path, reveal=True)
    serving = next(r for r in values(path) if r["id_number"] == ID_X)
    assert [i.name for i in serving["interests"]] == ["某某医院"]
    back = tmp_path / "back.xlsx"
    export(env, back, reveal=True, as_of=T - timedelta(days=1))
    serving = next(r for r in values(back) if r["id_number"] == ID_X)
    assert [i.name for i in serving["interests"]] == ["某某医院", "某药店"]


def test_recommending_body_label_of_a_gx_department(seeded, tmp_path):
    from medisup.packs import load_pack

    number = make_id("450102")
    appoint(seeded, "450102", number, name="推荐人", channel="directed",
            recommending_body="卫生健康委")
    path = tmp_path / "gx.xlsx"
    export(seeded, path, dept="450000", reveal=True)
    (row,) = values(path)
    assert row["recommending_body"] == "卫生健康委"
    assert load_pack("gx-trial").resolve("recommending_bodies", row["recommending_body"]).code \
        == "health_commission"
    assert row["channel"] == "定向选聘"


# ---------------------------------------------------------------- the same selection as the list


FILTERS = [
    {},
    {"status": "serving"},
    {"status": "期满未续聘"},
    {"department": "150102"},
    {"category": "专家学者"},
    {"channel": "self"},
    {"channel": "个人自荐", "status": "serving"},
    {"ending_before": T},
    {"ending_within": 800},
    {"ending_within": 10},
    {"as_of": T - timedelta(days=20)},
    {"as_of": T - timedelta(days=1), "status": "pending"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "all")
def test_filters_select_what_the_list_shows(roster, tmp_path, filters):
    env, _ = roster
    path = tmp_path / "roster.xlsx"
    report = export(env, path, reveal=True, **filters)
    with env.uow("150100") as uow:
        shown = supervisors.list_supervisors(uow, reveal=True, **filters)
    exported = [(r["department"], r["id_number"], r["status"]) for r in values(path)]
    assert exported == [(r.department_code, r.id_number, supervisors.status_label(r.status))
                        for r in shown]
    assert report.rows == len(shown)


def test_filters_are_checked_like_the_list(roster, out):
    env, _ = roster
    with pytest.raises(InvalidValue):
        export(env, out / "a.xlsx", status="retired")
    with pytest.raises(InvalidValue):
        export(env, out / "a.xlsx", category="astronaut")
    with pytest.raises(InvalidValue):
        export(env, out / "a.xlsx", ending_within=-1)
    with pytest.raises(ScopeError):
        export(env, out / "a.xlsx", dept="150102", department="150103")
    assert sorted(p.name for p in out.iterdir()) == []


def test_export_of_a_sub_department_of_a_larger_database(roster, tmp_path):
    env, people = roster
    appoint(env, "450102", make_id("450102"), name="广西人")
    path = tmp_path / "county.xlsx"
    export(env, path, dept="150103", reveal=True)
    assert {r["id_number"] for r in values(path)} == {
        people["terminated"], people["expired"], people["rejected"]}


# ---------------------------------------------------------------- formulas


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_stay_text(seeded, tmp_path, start):
    from openpyxl import load_workbook

    from medisup.models import Person

    number = add_supervisor(seeded, dept="150102", start=T - timedelta(days=10),
                            end=T + timedelta(days=300), name=f"{start}SUM(A1)")
    with seeded.uow("150102") as uow:
        person = uow.session.exec(select(Person).where(
            Person.id_number == number)).one()
        person.work_unit = f"{start}1+1"
        person.address = f'{start}HYPERLINK("http://example.com")'
        uow.session.add(person)
    path = tmp_path / "formula.xlsx"
    export(seeded, path, reveal=True)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(path).active
    columns = {cell.value: cell.column for cell in sheet[2]}
    for header in ("姓名", "工作单位及职务", "通讯地址"):
        cell = sheet.cell(3, columns[header])
        assert cell.data_type == "s"
        if start not in "\t\r":
            assert cell.quotePrefix and cell.value.startswith(start)


def test_lead_formula_starts_stay_text(seeded, tmp_path):
    sup = add_supervisor(seeded)
    log_lead(seeded, sup, name="=cmd|' /C calc'!A0", credit_code=HOSPITAL_CODE,
             description="+SUM(1)")
    path = tmp_path / "leads.xlsx"
    export_leads(seeded, path, reveal=True)
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    (row,) = values(path, LEAD_COLUMNS)
    assert row["target_name"] == "=cmd|' /C calc'!A0" and row["description"] == "+SUM(1)"


# ---------------------------------------------------------------- files


def test_no_overwrite_without_force(roster, out):
    env, _ = roster
    path = out / "roster.xlsx"
    path.write_bytes(b"the clerk's own file")
    with pytest.raises(UsageError) as err:
        export(env, path)
    assert "--force" in err.value.message
    assert path.read_bytes() == b"the clerk's own file"
    report = export(env, path, force=True)
    assert report.rows == 6 and zipfile.is_zipfile(path)
    assert [p.name for p in out.iterdir()] == ["roster.xlsx"]


def test_bad_targets_are_refused_before_any_work(roster, out):
    env, _ = roster
    for target in (out / "roster.csv", out / "missing" / "roster.xlsx", out):
        with pytest.raises(UsageError):
            export(env, target)
    (out / "folder.xlsx").mkdir()
    with pytest.raises(UsageError):
        export(env, out / "folder.xlsx", force=True)


def test_an_interrupted_export_leaves_no_file_and_no_audit(roster, out, monkeypatch):
    import medisup.excel

    env, _ = roster

    def interrupted(path, columns, rows, **options):
        Path(path).write_bytes(b"half a workbook")
        next(iter(rows))
        raise KeyboardInterrupt

    monkeypatch.setattr(medisup.excel, "write_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export(env, out / "roster.xlsx", reveal=True)
    assert list(out.iterdir()) == []
    assert reveal_entries(env) == []


def test_an_empty_selection_writes_the_headers(seeded, tmp_path):
    path = tmp_path / "empty.xlsx"
    report = export(seeded, path, reveal=True)
    assert report.rows == 0
    assert read_table(path, SUPERVISOR_COLUMNS, allow_empty=True).rows == []
    assert reveal_entries(seeded) == []  # nothing was disclosed


# ---------------------------------------------------------------- leads


@pytest.fixture
def ledger(seeded):
    """Three leads of two supervisors, one in progress, one verified and closed."""
    sup = add_supervisor(seeded, interests=((HOSPITAL, HOSPITAL_CODE),))
    other = add_supervisor(seeded, dept="150103", name="赵六")
    a = log_lead(seeded, sup, codes=("A1", "A5"), received=date(2024, 3, 1),
                 amount="12800.5").number
    b = log_lead(seeded, sup, kind="pharmacy", name=PHARMACY, credit_code=PHARMACY_CODE,
                 codes=("B2",), received=date(2024, 5, 1), channel="letter").number
    c = log_lead(seeded, other, name=OTHER_HOSPITAL, credit_code=OTHER_HOSPITAL_CODE,
                 codes=("A7", "E1"), received=date(2024, 7, 1)).number
    move(seeded, b, ("in_progress", {"handling_unit": "基金监管科", "on": date(2024, 5, 6)}),
         ("verified", {"on": date(2024, 6, 3), "verified_amount": Decimal("3000")}),
         ("closed", {"on": date(2024, 6, 20), "recovered_amount": Decimal("2500.25")}))
    move(seeded, c, ("in_progress", {"handling_unit": "稽核科", "on": date(2024, 7, 3)}))
    return seeded, {"sup": sup, "other": other, "a": a, "b": b, "c": c}


def test_lead_export_masks_and_hides_by_default(ledger, tmp_path):
    env, ids = ledger
    path = tmp_path / "leads.xlsx"
    report = export_leads(env, path)
    assert report.masked and report.rows == 3
    table = read_table(path, LEAD_COLUMNS)
    raw = table.rows[0].raw
    assert raw["supervisor_id_number"] == ids["sup"][:6] + "********" + ids["sup"][-4:]
    assert raw["description"] == "******"
    assert reveal_entries(env) == []


def test_revealed_leads_read_back_as_the_database_holds_them(ledger, tmp_path):
    env, ids = ledger
    path = tmp_path / "leads.xlsx"
    export_leads(env, path, reveal=True)
    rows = {r["number"]: r for r in values(path, import_ledger.columns())}
    with env.uow("150100", write=False) as uow:
        shown = {r.number: r for r in leads.list_leads(uow, reveal=False)}
    assert list(rows) == [ids["a"], ids["b"], ids["c"]]
    a, b, c = rows[ids["a"]], rows[ids["b"]], rows[ids["c"]]
    assert a["supervisor_id_number"] == ids["sup"] and a["supervisor_name"] == "张三"
    assert a["received_on"] == date(2024, 3, 1)
    assert a["channel"] == "电话" and b["channel"] == "来函"
    assert a["target_kind"] == "定点医疗机构" and b["target_kind"] == "定点零售药店"
    assert a["target_name"] == HOSPITAL and a["target_credit_code"] == HOSPITAL_CODE
    assert a["items"] == ("A1", "A5") and c["items"] == ("A7", "E1")
    assert a["description"] == "该院虚构住院病历套取医保基金"
    assert a["amount"] == Decimal("12800.50") and b["amount"] is None
    assert b["status"] == "已办结" and c["status"] == "办理中" and a["status"] == "已登记"
    assert b["handling_unit"] == "基金监管科" and c["handling_unit"] == "稽核科"
    assert b["verified_amount"] == Decimal("3000.00")
    assert b["recovered_amount"] == Decimal("2500.25")
    for number, row in rows.items():
        assert row["department"] == shown[number].department_code
        assert row["verified_amount"] == shown[number].verified_amount
    entry = reveal_entries(env)[0]
    assert entry["after"]["leads"] == [ids["a"], ids["b"], ids["c"]]
    assert entry["after"]["table"] == "leads" and entry["after"]["rows"] == 3


def lead_filters(ids):
    return [
        {},
        {"status": "办理中"},
        {"subject": "A"},
        {"code": "E1"},
        {"supervisor": ids["other"]},
        {"target": "康宁"},
        {"target": OTHER_HOSPITAL_CODE.lower()},
        {"received_from": date(2024, 4, 1), "received_to": date(2024, 6, 30)},
        {"conflict": True},
        {"department": "150103"},
        {"limit": 2},
        {"overdue": True},
    ]


def test_lead_filters_select_what_the_list_shows(ledger, tmp_path):
    env, ids = ledger
    for n, filters in enumerate(lead_filters(ids)):
        path = tmp_path / f"leads{n}.xlsx"
        export_leads(env, path, reveal=True, as_of=date(2024, 8, 1), **filters)
        with env.uow("150100", write=False) as uow:
            shown = leads.list_leads(uow, leads.LeadFilter(**filters), as_of=date(2024, 8, 1))
        table = read_table(path, LEAD_COLUMNS, allow_empty=True)
        assert [r.values["number"] for r in table.rows] == [r.number for r in shown], filters
    with pytest.raises(InvalidValue):
        export_leads(env, tmp_path / "x.xlsx", status="done")
    with pytest.raises(ScopeError):
        export_leads(env, tmp_path / "x.xlsx", dept="150102", department="150103")


def test_lead_export_of_a_county(ledger, tmp_path):
    env, ids = ledger
    path = tmp_path / "county.xlsx"
    export_leads(env, path, dept="150102", reveal=True)
    assert [r["number"] for r in values(path, LEAD_COLUMNS)] == [ids["a"], ids["b"]]


# ---------------------------------------------------------------- templates


def lists_of(path: Path) -> dict[str, list[str]]:
    """Each data column's header → the values its drop-down offers."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    main = workbook.worksheets[0]
    headers = {cell.column_letter: cell.value for cell in main[1]}
    found = {}
    for validation in main.data_validations.dataValidation:
        if validation.type != "list":
            continue
        sheet_name, _, cells = validation.formula1.lstrip("=").partition("!")
        source = workbook[sheet_name.strip("'")]
        first, _, last = cells.replace("$", "").partition(":")
        column = "".join(ch for ch in first if ch.isalpha())
        start, end = int(first[len(column):]), int(last[len(column):])
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[headers[letter]] = [source[f"{column}{r}"].value for r in range(start, end + 1)]
    return found


def resolver(pack, key: str):
    from medisup.services.leads import rules as lead_rules
    from medisup.services.supervisors import identity
    from medisup.services.supervisors.records import parse_status

    kinds = {"categories": "categories", "background": "backgrounds", "channel": "channels",
             "recommending_body": "recommending_bodies"}
    if key == "items":  # "A1 虚构医药服务、伪造文书票据": import reads the code before the label
        from medisup.excel import normalise

        spec = next(s for s in import_ledger.columns() if s.key == "items")
        return lambda v: pack.resolve("items", normalise(v, spec)[0]).code
    if key in kinds:
        return lambda v: pack.resolve(kinds[key], v).code
    return {
        "gender": identity.parse_gender,
        "status": parse_status,
        "lead_status": lead_rules.resolve_status,
        "lead_channel": lambda v: pack.resolve("report_channels", v).code,
        "target_kind": lead_rules.resolve_target_kind,
        "department": lambda v: v if v in {"150100", "150102", "150103"} else 1 / 0,
    }[key]


@pytest.mark.parametrize("table,dept,pack_name", [
    ("supervisors", "150100", "nm-2024"), ("supervisors", "450100", "gx-trial"),
    ("leads", "150100", "nm-2024"), ("leads", "450100", "gx-trial")])
def test_template_drop_downs_resolve_through_the_pack(seeded, tmp_path, table, dept, pack_name):
    from openpyxl import load_workbook

    from medisup.packs import load_pack

    pack = load_pack(pack_name)
    path = tmp_path / f"{table}.xlsx"
    with seeded.uow(dept, write=False) as uow:
        report = exports.export_template(uow, table, path)
    assert report.kind == "template" and report.table == table
    columns = SUPERVISOR_COLUMNS if table == "supervisors" else LEAD_COLUMNS
    by_title = {spec.header: spec for spec in columns}
    lists = {by_title[header].key: options for header, options in lists_of(path).items()}
    coded = {"supervisors": {"gender", "categories", "background", "channel", "status",
                             "department"},
             "leads": {"channel", "target_kind", "items", "status", "department"}}[table]
    if table == "supervisors" and pack.recommending_bodies:
        coded.add("recommending_body")
    assert set(lists) == coded
    for key, options in lists.items():
        name = f"lead_{key}" if table == "leads" and key in ("status", "channel") else key
        check = resolver(pack, name) if key != "department" else None
        assert options, key
        for option in options:
            if check is not None:
                check(option)
    if table == "supervisors":
        assert lists["categories"] == [i.text(short=True) for i in pack.categories]
        assert len(lists["status"]) == 6
    else:
        # Each item's code with its label beside it, and the code is what import reads.
        assert lists["items"] == [f"{i.code} {i.text(short=True)}" for i in pack.items]
        assert "A2 冒名、挂床、分解住院" in lists["items"]
        assert [resolver(pack, "items")(o) for o in lists["items"]] == list(pack.codes("items"))
        assert "F1 依法行政" in lists["items"] or pack_name == "nm-2024"
    assert set(lists["department"]) == ({"150100", "150102", "150103"} if dept == "150100"
                                        else {"450100", "450102"})

    # A row filled from the drop-downs reads back and resolves.
    workbook = load_workbook(path)
    main = workbook.worksheets[0]
    positions = {cell.value: cell.column for cell in main[1]}
    for key, options in lists.items():
        main.cell(2, positions[next(s.header for s in columns if s.key == key)], options[-1])
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    read_with = columns if table == "supervisors" else import_ledger.columns()
    row = read_table(filled, read_with).rows[0].values
    for key, options in lists.items():
        value = row[key]
        value = value[0] if isinstance(value, tuple) else value
        assert value == (options[-1] if key != "items" else options[-1].split(" ")[0])
        name = f"lead_{key}" if table == "leads" and key in ("status", "channel") else key
        if key != "department":
            resolver(pack, name)(value)


def test_template_columns_are_typed(seeded, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    with seeded.uow("150100", write=False) as uow:
        exports.export_template(uow, "supervisors", path)
    workbook = load_workbook(path)
    main = workbook.worksheets[0]
    assert [c.value for c in main[1]] == [spec.header for spec in SUPERVISOR_COLUMNS]
    letters = {cell.value: cell.column_letter for cell in main[1]}
    assert main.column_dimensions[letters["身份证号"]].number_format == "@"
    assert main.column_dimensions[letters["联系电话"]].number_format == "@"
    assert main.column_dimensions[letters["出生日期"]].number_format == "yyyy-mm-dd"
    types = {str(v.sqref).split(":")[0].rstrip("0123456789"): v.type
             for v in main.data_validations.dataValidation}
    assert types[letters["聘期起始"]] == "date"


def test_template_refuses_unknown_tables_and_existing_files(seeded, tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"x")
    with seeded.uow("150100", write=False) as uow:
        with pytest.raises(InvalidValue):
            exports.export_template(uow, "activities", tmp_path / "a.xlsx")
        with pytest.raises(UsageError):
            exports.export_template(uow, "leads", path)
        exports.export_template(uow, "leads", path, force=True)
    assert zipfile.is_zipfile(path)


def test_labels_with_separators_are_written_as_codes():
    from dataclasses import replace

    from medisup.packs import load_pack

    pack = load_pack("nm-2024")
    odd = replace(pack.categories[0], label="人大代表、政协委员", short=None)
    patched = replace(pack, categories=(odd, *pack.categories[1:]))
    labels = exports.safe_labels(patched, "categories")
    assert labels[odd.code] == odd.code and labels["insured"] == "参保群众"
