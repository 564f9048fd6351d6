"""Lists a clerk reads in a terminal: a table that fits 80, 100 or 120 columns (or one
block per record when it cannot), codes, dates and amounts never split across lines,
a default set of columns with ``--columns`` and ``--wide`` for the rest, a fixed wide
layout when piped, ``--sort`` and ``--limit`` with a count line, and overdue leads
that stand out."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from helpers_certificates import appointed
from helpers_leads import HOSPITAL_CODE, add_supervisor
from helpers_supervisors import appoint, make_id

from medisup.render import Column, draw_table, table_widths

WIDTHS = (80, 100, 120)
FIXED = re.compile(r"^(\d{6}-\d{4}-\d{4}|\d{6}-[A-Z]{2}-\d{4}-\d{4}|\d{4}-\d{2}-\d{2}|"
                   r"\d{6}\*{8}[\dX]{4}|\d{3}\*{4}\d{4}|\d+\.\d{2}|\d{6})$")


def _fixed_values(csv_text: str) -> set[str]:
    """Every code, date, masked ID, phone and amount a list's CSV holds."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    return {cell for row in rows[1:] for cell in row if FIXED.match(cell)}


def _lines_fit(text: str, width: int) -> bool:
    from rich.cells import cell_len

    return all(cell_len(line.rstrip()) <= width for line in text.splitlines())


@pytest.fixture
def county(seeded):
    """A county with people of long names and departments, certificates and leads."""
    ids = appointed(seeded, "150103", 3, start=date(2026, 1, 5))
    for i, name in enumerate(("阿拉坦其其格·巴特尔", "欧阳娜仁高娃", "李")):
        appoint(seeded, "150102", make_id(seq=700 + 2 * i), name=name,
                start=date(2026, 1, 1) - timedelta(days=i))
    with seeded.uow("150000") as uow:
        from medisup.services.supervisors import certificates

        certificates.issue_pending(uow, department="150103", on=date(2026, 1, 6))
    sup = add_supervisor(seeded, start=date(2026, 1, 1), end=date(2027, 12, 31),
                         name="呼和浩特市民")
    from medisup.services import leads

    for n, received in enumerate((date(2026, 5, 20), date(2026, 5, 27), date(2026, 6, 10))):
        with seeded.uow("150100", command="lead log") as uow:
            leads.log(uow, supervisor=sup, received_on=received, channel="phone",
                      target_kind="medical_institution",
                      target_name="内蒙古自治区人民医院（呼和浩特市新城区分院）住院部",
                      target_credit_code=HOSPITAL_CODE, codes=["A1"], description="虚构住院",
                      amount="156000" if n == 0 else None, today=date(2026, 6, 15))
    return ids


LISTS = {
    "supervisor": ("supervisor", "list"),
    "lead": ("lead", "list"),
    "certificate": ("certificate", "list"),
    "dept": ("dept", "list"),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(LISTS))
def test_no_code_date_or_amount_is_split_at_any_width(cli, county, name, width):
    command = LISTS[name]
    for flags, keys in (((), _default_keys(name)), (("--wide",), _wide_keys(name))):
        if name == "dept" and flags:
            continue
        data = cli(*command, "--all", "-f", "csv", "--columns", ",".join(keys))
        assert data.exit_code == 0, data.stderr
        values = _fixed_values(data.stdout)
        assert values, "the list has codes and dates to check"
        shown = cli(*command, *flags, env={"COLUMNS": str(width)})
        assert shown.exit_code == 0, shown.stderr
        assert _lines_fit(shown.stdout, width), shown.stdout
        for value in values:
            assert value in shown.stdout, f"{value} split at {width}:\n{shown.stdout}"


def _wide_keys(name: str) -> tuple[str, ...]:
    from medisup.cli import certificate, lead

    if name == "lead":
        return tuple(k for k in lead.TABLE_KEYS if k != "deadline_mark")
    if name == "certificate":
        return certificate.LIST_KEYS
    return ("name", "id_number", "gender", "age", "phone", "department_code",
            "department_name", "status", "term_number", "term_start", "term_end",
            "birth_date")


def _default_keys(name: str) -> tuple[str, ...]:
    from medisup.cli import certificate, lead, supervisor

    if name == "supervisor":
        return supervisor.LIST_DEFAULT
    if name == "lead":
        return tuple(k for k in lead.TABLE_DEFAULT if k != "deadline_mark")
    if name == "certificate":
        return certificate.LIST_DEFAULT
    return ("code", "name", "level", "parent_code", "pack", "quota", "serving", "children")


def test_default_columns_fit_100_as_a_table_and_name_comes_first(cli, county):
    for command in (("supervisor", "list"), ("certificate", "list")):
        out = cli(*command, env={"COLUMNS": "100"}).stdout
        assert "━━" in out, f"{command} fell back to blocks at 100 columns:\n{out}"
        header = next(line for line in out.splitlines() if "姓名" in line)
        assert header.split()[0] == "姓名"
    leads = cli("lead", "list", env={"COLUMNS": "100"}).stdout
    assert "━━" in leads and "线索编号" in leads


def test_a_terminal_too_narrow_gets_one_block_per_record(cli, county):
    out = cli("supervisor", "list", "--wide", env={"COLUMNS": "80"}).stdout
    assert "━━" not in out
    assert out.count("── ") == 7  # one heading per person, their name in it
    assert "── 阿拉坦其其格·巴特尔 " in out
    assert re.search(r"聘期结束\s+\d{4}-\d{2}-\d{2}", out)


def test_piped_output_is_one_record_a_line_whatever_the_terminal(cli, county, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    out = cli("lead", "list", "--wide").stdout
    rows = [line for line in out.splitlines() if re.search(r"\d{6}-\d{4}-\d{4}", line)]
    assert len(rows) == 3  # no record spread over several lines
    assert all("内蒙古自治区人民医院（呼和浩特市新城区分院）住院部" in line for line in rows)


def test_columns_picks_and_orders_by_key_or_label(cli, county):
    out = cli("supervisor", "list", "--columns", "状态,name", env={"COLUMNS": "100"}).stdout
    header = next(line for line in out.splitlines() if "姓名" in line)
    assert header.split() == ["状态", "姓名"]
    data = cli("supervisor", "list", "-f", "csv", "--columns", "name,term_end").stdout
    assert data.splitlines()[0] == "name,term_end"
    bad = cli("supervisor", "list", "--columns", "name,薪水")
    assert bad.exit_code == 2
    assert "--columns" in bad.stderr and "薪水" in bad.stderr and "term_end（聘期结束）" in bad.stderr


def test_sort_limit_and_the_count_line(cli, county):
    out = cli("certificate", "list", "--sort", "-number", "--limit", "2",
              env={"COLUMNS": "120"})
    numbers = re.findall(r"150103-2026-\d{4}", out.stdout)
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == 2
    assert "共 3 份，显示 1–2；--page 2 下一页" in out.stderr
    leads = cli("lead", "list", "--sort", "received_on", "-f", "csv", "--columns", "received_on")
    assert leads.stdout.split()[1:] == ["2026-05-20", "2026-05-27", "2026-06-10"]
    depts = cli("dept", "list", "--sort", "-quota", "-f", "csv", "--columns", "quota")
    quotas = [q for q in depts.stdout.split()[1:] if q.strip('"')]
    assert quotas == sorted(quotas, key=int, reverse=True)
    for command in (("lead", "list"), ("certificate", "list"), ("dept", "list")):
        wrong = cli(*command, "--sort", "salary")
        assert wrong.exit_code == 2 and "--sort" in wrong.stderr and "salary" in wrong.stderr
        huge = cli(*command, "--limit", "99999999999")
        assert huge.exit_code == 2 and "--limit" in huge.stderr


def test_overdue_and_due_soon_leads_stand_out(cli, county):
    # As of Monday 2026-06-15 (nm-2024: accepted within 15 working days): received 05-20
    # was due 06-10, overdue; 05-27 is due 06-17, two working days away; 06-10 is due 07-02.
    out = cli("lead", "list", env={"COLUMNS": "120"}).stdout
    lines = {m: line for line in out.splitlines()
             for m in re.findall(r"2026-0\d-\d{2}", line)[:1]}
    assert "逾期" in lines["2026-05-20"]
    assert "3日内到期" in lines["2026-05-27"] and "2026-06-17" in lines["2026-05-27"]
    assert "逾期" not in lines["2026-06-10"] and "到期" not in lines["2026-06-10"]
    # on a terminal the rows are coloured: red overdue, yellow due soon
    from medisup.cli.lead import _ROW_STYLE

    assert _ROW_STYLE == {"overdue": "red", "due_soon": "yellow"}


def test_a_table_that_cannot_fit_is_drawn_as_blocks(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    columns = [Column("number", "线索编号"), Column("name", "名称"),
               Column("received_on", "收到日期"), Column("amount", "金额", "right")]
    texts = [["150102-2026-0001", "呼和浩特市第一医院", "2026-01-05", "156000.00"]]
    assert table_widths(columns, texts, 40) is None
    assert table_widths(columns, texts, 80) is not None
    draw_table(columns, texts)
    out = capsys.readouterr().out
    assert "── 150102-2026-0001 " in out and "156000.00" in out and "2026-01-05" in out
    widths = table_widths(columns, texts, 62)
    assert widths is not None and widths[0] == 16 and widths[2] == 10 and widths[3] == 9


def test_review_tables_fit_100_columns_name_first(cli, seeded):
    for n in range(3):
        appoint(seeded, "150102", make_id(seq=801 + 2 * n), name=f"续聘{n}号",
                start=date(2024, 7, 1))
    out = cli("review", "renewals", "--as-of", "2026-06-15", env={"COLUMNS": "100"})
    assert out.exit_code == 0, out.stderr
    assert "━━" in out.stdout and _lines_fit(out.stdout, 100)
    header = next(line for line in out.stdout.splitlines() if "姓名" in line)
    assert header.split()[0] == "姓名"
    assert len(re.findall(r"2026-06-30", out.stdout)) == 3  # each end date whole
    narrow = cli("review", "renewals", "--as-of", "2026-06-15", "--columns", "name,end_date",
                 "-f", "csv")
    assert narrow.stdout.splitlines()[0] == "name,end_date"
