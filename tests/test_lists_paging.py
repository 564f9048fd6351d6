"""Lists a page at a time: the count and the page come from SQL, newest first; scripts
get every row streamed (the same text the whole-list renderer writes); the supervisor
list pages and sorts the same way."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from helpers_leads import add_supervisor
from helpers_lists import insert_leads

from medisup.errors import InvalidValue
from medisup.render import Column, OutputFormat, render_rows, stream_rows
from medisup.services import audit
from medisup.services.leads import views as lead_views
from medisup.services.leads.views import ROW_FIELDS, LeadFilter

AS_OF = date(2026, 6, 30)


@pytest.fixture
def sixty(seeded):
    sup = add_supervisor(seeded)
    numbers = insert_leads(seeded, sup, 60, per_day=2)
    return seeded, sup, numbers


def page(env, dept="150100", **kw):
    with env.uow(dept, write=kw.get("reveal", False)) as uow:
        return lead_views.lead_page(uow, as_of=AS_OF, **kw)


def test_first_page_is_the_newest_fifty_with_the_count(sixty):
    env, _, numbers = sixty
    first = page(env)
    newest_first = numbers[::-1]
    assert first.total == 60 and (first.first, first.last) == (1, 50) and first.more
    assert [r.number for r in first.rows] == newest_first[:50]
    second = page(env, page=2)
    assert [r.number for r in second.rows] == newest_first[50:]
    assert (second.first, second.last, second.more) == (51, 60, False)
    beyond = page(env, page=3)
    assert beyond.rows == () and beyond.total == 60 and beyond.first == 0
    assert [r.number for r in page(env, per_page=None).rows] == newest_first


def test_leads_of_one_day_are_ordered_by_number_across_departments(seeded):
    sup = add_supervisor(seeded)
    other = add_supervisor(seeded, dept="150103")
    a = insert_leads(seeded, sup, 3, per_day=3, first=date(2025, 5, 5))
    b = insert_leads(seeded, other, 3, per_day=3, first=date(2025, 5, 5), dept="150103")
    shown = [r.number for r in page(seeded, per_page=4).rows]
    assert shown == sorted(a + b, reverse=True)[:4]


def test_filters_are_counted_in_sql(sixty):
    env, sup, numbers = sixty
    insert_leads(env, sup, 5, status="closed", first=date(2023, 1, 1))
    assert page(env).total == 65
    assert page(env, filters=LeadFilter(status="已办结")).total == 5
    # Received leads are overdue a week after they arrived.
    assert page(env, filters=LeadFilter(overdue=True)).total == 60
    late = page(env, filters=LeadFilter(received_from=date(2024, 1, 25)))
    assert late.total == 12 and late.rows[-1].number == numbers[48]
    assert page(env, filters=LeadFilter(department="150103")).total == 0


def test_bad_page_numbers_are_refused(sixty):
    env, _, _ = sixty
    with pytest.raises(InvalidValue):
        page(env, page=0)
    with pytest.raises(InvalidValue):
        page(env, per_page=0)


def test_a_revealed_page_audits_only_the_leads_shown(sixty):
    env, _, numbers = sixty
    shown = page(env, reveal=True, per_page=10)
    assert shown.rows[0].description == "该院虚构住院病历"
    with env.uow("150000", write=False) as uow:
        entry = audit.log(uow.session, action="reveal")[0]
    assert entry["after"] == {"leads": numbers[::-1][:10]}


def test_the_stream_gives_what_the_page_gives(sixty):
    env, _, _ = sixty
    whole = page(env, per_page=None)
    with env.uow("150100", write=False) as uow:
        streamed = list(lead_views.iter_lead_values(uow, as_of=AS_OF))
        window = list(lead_views.iter_lead_values(uow, as_of=AS_OF, offset=50, limit=50))
    assert streamed == [tuple(getattr(r, k) for k in ROW_FIELDS) for r in whole.rows]
    assert window == streamed[50:]


@pytest.mark.parametrize("fmt", [OutputFormat.json, OutputFormat.csv])
def test_streamed_text_is_the_whole_list_text(capsys, fmt):
    from medisup.render import set_csv_bom

    set_csv_bom(False)  # an earlier `medisup --excel` in this process left it on
    columns = [Column("number", "编号"), Column("items", "分类"), Column("on", "日期"),
               Column("flag", "标记"), Column("amount", "金额")]
    from decimal import Decimal

    rows = [("A-1", ("A1", "B2"), date(2024, 1, 2), True, Decimal("12.50")),
            ("A-2", (), None, False, None)]
    render_rows(columns, [dict(zip([c.key for c in columns], r, strict=True)) for r in rows],
                fmt)
    whole = capsys.readouterr().out
    assert stream_rows(columns, iter(rows), fmt) == 2
    assert capsys.readouterr().out == whole
    stream_rows(columns, iter(()), fmt)
    empty = capsys.readouterr().out
    assert empty == ("[]\n" if fmt is OutputFormat.json else "number,items,on,flag,amount\n")


def test_rows_are_written_while_they_arrive(capsys):
    """The writer never holds the whole list: rows go out a block at a time (a few
    thousand), each block before the next rows are produced."""
    import sys

    from medisup import render

    block = render._STREAM_ROWS
    columns = [Column("number", "编号")]
    seen = []

    def rows():
        for n in range(1, 3 * block + 1):
            if n == block + 2:
                sys.stdout.flush()
                seen.append(capsys.readouterr().out)
            yield (f"A-{n}",)

    for fmt in (OutputFormat.csv, OutputFormat.json):
        seen.clear()
        capsys.readouterr()
        assert stream_rows(columns, rows(), fmt) == 3 * block
        written = seen[0]
        assert "A-1\n" in written or '"A-1"' in written
        assert f"A-{block + 1}" not in written  # the rest waits for its block
        assert len(written) < 40 * block


def test_cli_table_pages_and_scripts_stream(cli, seeded):
    sup = add_supervisor(seeded)
    numbers = insert_leads(seeded, sup, 55)
    table = cli("lead", "list", "--as-of", AS_OF.isoformat(), dept="150100")
    assert table.exit_code == 0, table.stderr
    assert "共 55 条，显示 1–50" in table.stderr and "--page 2" in table.stderr
    assert numbers[-1] in table.stdout and numbers[0] not in table.stdout
    second = cli("lead", "list", "--page", "2", "-f", "json", dept="150100")
    assert [r["number"] for r in json.loads(second.stdout)] == numbers[::-1][50:]
    every = cli("lead", "list", "-f", "csv", dept="150100")
    rows = list(csv.DictReader(io.StringIO(every.stdout)))
    assert [r["number"] for r in rows] == numbers[::-1]
    whole = cli("lead", "list", "--all", dept="150100")
    assert numbers[0] in whole.stdout and "显示 1–55" in whole.stderr
    past = cli("lead", "list", "--page", "9", dept="150100")
    assert past.exit_code == 0 and "第 9 页没有线索" in past.stderr
    bad = cli("lead", "list", "--page", "-1", dept="150100")
    assert bad.exit_code != 0


def test_supervisor_list_pages_counts_and_sorts(cli, seeded):
    for name in ("张三", "李四", "王五"):
        add_supervisor(seeded, name=name)
    first = cli("supervisor", "list", "--limit", "2", "--sort", "name", dept="150100")
    assert first.exit_code == 0, first.stderr
    assert "共 3 人次，显示 1–2" in first.stderr
    names = [r["name"] for r in json.loads(cli(
        "supervisor", "list", "--sort", "name", "-f", "json", dept="150100").stdout)]
    assert names == sorted(names) and len(names) == 3
    second = json.loads(cli("supervisor", "list", "--sort", "name", "--limit", "2", "--page",
                            "2", "-f", "json", dept="150100").stdout)
    assert [r["name"] for r in second] == names[2:]
    bad = cli("supervisor", "list", "--sort", "shoe size", dept="150100")
    assert bad.exit_code != 0
