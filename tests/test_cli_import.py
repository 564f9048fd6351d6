"""``medisup import`` as a user runs it: summaries and problems on stderr, one line each,
exit codes 0 / 1 / 3, JSON for scripts, the marked workbook, every kind of bad file
refused in one line with nothing written, and batches listed and undone."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers_supervisors import make_id
from sqlmodel import func, select
from test_excel_safety import BILLION_LAUGHS, ole2, rebuilt
from test_import_supervisors import HEADERS, START, roster, row

from medisup.models import ImportBatch, Person

ID = make_id()


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def nothing_written(env) -> bool:
    with env.uow(write=False) as uow:
        people = uow.session.exec(select(func.count()).select_from(Person)).one()
        batches = uow.session.exec(select(func.count()).select_from(ImportBatch)).one()
    return people == 0 and batches == 0


@pytest.fixture
def good(tmp_path) -> Path:
    return roster(tmp_path / "花名册.xlsx", [row(make_id(), seq=n) for n in range(1, 4)])


# ── help ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("command", [(), ("supervisors",), ("leads",), ("undo",), ("list",)])
def test_every_import_command_has_help(cli, command):
    result = cli("import", *command, "--help")
    assert result.exit_code == 0
    assert "import" in result.stdout


# ── success, dry run, JSON ────────────────────────────────────────────────


def test_import_writes_and_says_so_in_one_line(cli, seeded, good):
    result = cli("import", "supervisors", str(good), dept="150100")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    line = one_line(result)
    assert "读取 3 行，新建 3，更新 0，未变 0，拒绝 0" in line and "批次号 1" in line
    again = cli("import", "supervisors", str(good), dept="150100")
    assert again.exit_code == 0 and "未变 3" in one_line(again)


def test_dry_run_writes_nothing(cli, seeded, good):
    result = cli("import", "supervisors", str(good), "--dry-run", dept="150100")
    assert result.exit_code == 0
    assert "试运行，未写入任何数据" in one_line(result)
    assert nothing_written(seeded)


def test_json_report_for_scripts(cli, seeded, good):
    result = cli("import", "supervisors", str(good), "-f", "json", dept="150100")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["kind"] == "supervisors" and report["created"] == 3
    assert report["written"] is True and report["batch_id"] == 1 and report["problems"] == []


def test_english(cli, seeded, good):
    result = cli("import", "supervisors", str(good), "--dry-run", dept="150100",
                 env={"MEDISUP_LANG": "en"})
    assert "3 rows read" in one_line(result) and "nothing written" in result.stderr


# ── row problems: exit 1 ─────────────────────────────────────────────────


def test_row_problems_exit_1_one_line_each_and_the_marked_workbook(cli, seeded, tmp_path):
    from openpyxl import load_workbook

    bad = row(make_id(), seq=2)
    bad[3] = float(bad[3][:15] + "000")
    path = roster(tmp_path / "名册.xlsx", [row(make_id()), bad,
                                          row(make_id(), category="离退休干部", seq=3)])
    out = tmp_path / "名册-错误说明.xlsx"
    result = cli("import", "supervisors", str(path), "--errors", str(out), dept="150100")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("第 4 行，列“公民身份号码”") and "末几位已经丢失" in lines[0]
    assert lines[1].startswith("第 5 行，列“人员类别”：值“离退休干部”")
    assert "2 行存在错误" in lines[2] and "未写入任何数据" in lines[2]
    assert str(out) in lines[3]
    assert nothing_written(seeded)
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[2]]
    assert header[-1] == "错误说明"
    assert "人员类别" in sheet.cell(5, len(header)).value
    # The clerk fixes the returned file and imports that same file again.
    sheet.cell(4, 4).value = make_id()
    sheet.cell(5, 5).value = "参保群众"
    sheet.parent.save(out)
    again = cli("import", "supervisors", str(out), dept="150100")
    assert again.exit_code == 0, again.stderr
    assert "新建 3" in one_line(again)


def test_problems_in_json(cli, seeded, tmp_path):
    path = roster(tmp_path / "名册.xlsx", [row(make_id(), phone="123")])
    result = cli("import", "supervisors", str(path), "-f", "json", dept="150100")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["written"] is False and report["rejected"] == 1
    problem = report["problems"][0]
    assert (problem["row"], problem["column"], problem["header"], problem["value"]) == (
        3, "phone", "手机号", "123")
    assert problem["message"].startswith("第 3 行，列“手机号”：值“123”——")


def test_many_problems_are_all_listed_when_not_on_a_terminal(cli, seeded, tmp_path):
    path = roster(tmp_path / "名册.xlsx", [row(make_id(), phone="1", seq=n)
                                          for n in range(1, 61)])
    result = cli("import", "supervisors", str(path), dept="150100")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 61


# ── bad files: exit 3, one line, nothing written ─────────────────────────


def _book(path: Path, *sheets: tuple[str, list[list]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for r in rows:
            sheet.append(r)
    book.save(path)
    return path


def _bad_files(tmp_path: Path, good: Path) -> dict[str, tuple[Path, list[str], str]]:
    text = tmp_path / "名单.xlsx"
    text.write_text("姓名,身份证号\n", encoding="utf-8")
    big = tmp_path / "大文件.xlsx"
    with open(big, "wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    return {
        "not a workbook": (text, [], "不是有效的 Excel 工作簿"),
        "password": (ole2(tmp_path / "加密.xlsx", "EncryptionInfo", "EncryptedPackage"), [],
                     "密码"),
        "too large": (big, [], "太大"),
        "zip bomb": (rebuilt(good, tmp_path / "bomb.xlsx",
                             extra={"xl/media/image1.bin": b"\x00" * (3 << 20)}), [], "压缩炸弹"),
        "xml attack": (rebuilt(good, tmp_path / "dtd.xlsx",
                               replace={"xl/workbook.xml": BILLION_LAUGHS}), [], "DTD"),
        "empty sheet": (_book(tmp_path / "空.xlsx", ("名单", [[ID]]), ("空白", [])),
                        ["--sheet", "空白"], "是空的"),
        "no sheet": (_book(tmp_path / "缺表.xlsx", ("名单", [["姓名", "身份证号"]])),
                     ["--sheet", "第二季度"], "没有名为“第二季度”的工作表"),
        "no header": (_book(tmp_path / "无表头.xlsx", ("名单", [["说明"], ["张三", "李四"]])), [],
                      "找不到表头"),
        "two headers": (_book(tmp_path / "两个表头.xlsx", ("名单", [
            ["姓名", "身份证号"], ["张三", ID], [], ["姓名", "身份证号"], ["李四", make_id()]])),
            [], "都像表头"),
        "missing columns": (_book(tmp_path / "缺列.xlsx", ("名单", [["姓名", "电话"],
                                                                   ["张三", "13812345678"]])),
                            [], "缺少必填的列"),
        "header row out of range": (good, ["--header-row", "99"], "没有第 99 行"),
        "no rows": (_book(tmp_path / "无数据.xlsx", ("名单", [["姓名", "身份证号"]])), [],
                    "下面没有数据"),
    }


def test_every_kind_of_bad_file_is_one_line_exit_3_and_nothing_written(cli, seeded,
                                                                         tmp_path, good):
    for kind, (path, options, expected) in _bad_files(tmp_path, good).items():
        result = cli("import", "supervisors", str(path), *options, dept="150100")
        assert result.exit_code == 3, (kind, result.stderr)
        assert expected in one_line(result), kind
        assert path.name in result.stderr, kind
    assert nothing_written(seeded)


def test_a_missing_file_and_a_bad_department_option(cli, seeded, tmp_path):
    missing = cli("import", "supervisors", str(tmp_path / "无.xlsx"), dept="150100")
    assert missing.exit_code == 3 and "找不到文件" in one_line(missing)
    result = cli("import", "leads", str(tmp_path / "无.xlsx"), "--department", "12",
                 dept="150100")
    assert result.exit_code == 1 and "行政区划代码" in one_line(result)


# ── sheets, header rows, CSV ──────────────────────────────────────────────


def test_sheet_and_header_row_options(cli, seeded, tmp_path):
    rows = [["说明：本表为第二批"], ["姓名", "性别"], HEADERS, row(make_id())]
    path = _book(tmp_path / "两表.xlsx", ("封面", [["封面"]]), ("第二批", rows))
    result = cli("import", "supervisors", str(path), "--sheet", "第二批", "--header-row", "3",
                 dept="150100")
    assert result.exit_code == 0, result.stderr
    assert "新建 1" in one_line(result)


def test_csv_in_gbk_through_the_command_line(cli, seeded, tmp_path):
    path = tmp_path / "名单.csv"
    lines = [",".join(HEADERS), ",".join(map(str, row(make_id(), start=START.isoformat())))]
    path.write_bytes("\n".join(lines).encode("gbk"))
    result = cli("import", "supervisors", str(path), dept="150100")
    assert result.exit_code == 0, result.stderr


# ── list and undo ─────────────────────────────────────────────────────────


def test_list_and_undo(cli, seeded, good):
    assert cli("import", "supervisors", str(good), dept="150100").exit_code == 0
    listed = cli("import", "list", "-f", "json", dept="150100")
    batches = json.loads(listed.stdout)
    assert [(b["id"], b["kind"], b["created"], b["undone_at"]) for b in batches] == [
        (1, "supervisors", 3, None)]
    table = cli("import", "list", dept="150100")
    assert "花名册.xlsx" in table.stdout and "监督员" in table.stdout
    done = cli("import", "undo", "--yes", "1", dept="150100")
    assert done.exit_code == 0 and "已撤销导入批次 1" in one_line(done)
    assert nothing_written(seeded) is False  # the batch row stays, marked undone
    again = cli("import", "undo", "--yes", "1", dept="150100")
    assert again.exit_code == 1 and "不能重复撤销" in one_line(again)
    unknown = cli("import", "undo", "--yes", "42", dept="150100")
    assert unknown.exit_code == 1 and "没有找到导入批次 42" in one_line(unknown)


def test_undo_refused_when_something_depends_on_the_batch(cli, seeded, tmp_path):
    number = make_id()
    path = roster(tmp_path / "a.xlsx", [row(number, "张三", dept="150102",
                                            start=date.today() - timedelta(days=30))])
    assert cli("import", "supervisors", str(path), dept="150100").exit_code == 0
    logged = cli("lead", "log", "--supervisor", number, "--received",
                 (date.today() - timedelta(days=1)).isoformat(), "--channel", "电话",
                 "--target-kind", "参保人员", "--target-name", "赵某", "--code", "C1",
                 "--description", "转借医保卡",
                 dept="150100")
    assert logged.exit_code == 0, logged.stderr
    result = cli("import", "undo", "--yes", "1", dept="150100")
    assert result.exit_code == 1
    assert "不能撤销" in one_line(result) and "线索" in result.stderr


def test_leads_through_the_command_line(cli, seeded, tmp_path):
    from helpers_leads import add_supervisor
    from test_import_leads import lead, ledger

    sup = add_supervisor(seeded, start=date.today() - timedelta(days=300),
                         end=date.today() + timedelta(days=300))
    path = ledger(tmp_path / "台账.xlsx", [lead(sup, day=date.today() - timedelta(days=9))])
    result = cli("import", "leads", str(path), "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 1
    assert zipfile.is_zipfile(path)


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import io
    import sys

    from medisup.cli import imports as commands
    from medisup.render import err_console

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with commands._progress() as tick:
        assert tick is None
    terminal = io.StringIO()
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("TERM", raising=False)
    err_console.cache_clear()  # a console made for this terminal, not an earlier test's
    with commands._progress() as tick:
        tick("read", 0, 1)
        tick("read", 1, 1)
        tick("check", 500, 1000)
        tick("check", 1000, 1000)
    err_console.cache_clear()
    assert "逐行核查" in terminal.getvalue()
