"""The lists never scan the lead table: for every filter of ``lead list`` the count, the
page and the stream are served by an index (SQLite ``EXPLAIN QUERY PLAN``; on PostgreSQL
``EXPLAIN`` with sequential scans priced out, which shows that an index *can* serve it —
on a tiny table the planner would rightly prefer a sequential scan)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers_leads import add_supervisor, log_lead

from medisup.services.leads import query as lead_query
from medisup.services.leads.views import LeadFilter

AS_OF = date(2026, 6, 30)

FILTERS = {
    "none": LeadFilter(),
    "department": LeadFilter(department="150100"),
    "county": LeadFilter(department="150102"),
    "status": LeadFilter(status="in_progress"),
    "overdue": LeadFilter(overdue=True),
    "county overdue": LeadFilter(department="150102", overdue=True),
    "dates": LeadFilter(received_from=date(2024, 1, 1), received_to=date(2024, 12, 31)),
    "status and dates": LeadFilter(status="received", received_from=date(2024, 1, 1)),
    "code": LeadFilter(code="A1"),
    "subject": LeadFilter(subject="A"),
    "supervisor": LeadFilter(supervisor="150102198001011113"),
    "conflict": LeadFilter(conflict=True),
    "target": LeadFilter(target="医院"),
}
# A full pass over the table, whether over its rows or over one of its indexes.
SQLITE_SCAN = re.compile(r"^SCAN lead\b(?!_)")


@pytest.fixture
def with_leads(seeded):
    sup = add_supervisor(seeded)
    for day in (date(2024, 3, 1), date(2024, 9, 27), date(2025, 2, 3)):
        log_lead(seeded, sup, received=day)
    return seeded


def statements(uow, f: LeadFilter):
    selection = lead_query.select_leads(uow, f, as_of=AS_OF)
    return {
        "count": lead_query.count_statement(selection),
        "page": lead_query.page_ids_statement(selection, offset=0, limit=50),
        "page 3": lead_query.page_ids_statement(selection, offset=100, limit=50),
        "stream": lead_query.stream_statement(selection),
        **{f"page by {sort}": lead_query.page_ids_statement(selection, offset=0, limit=50,
                                                           sort=sort)
           for sort in lead_query.SORTS},
        "stream by number": lead_query.stream_statement(selection, sort="number"),
    }


def sql_of(uow, statement) -> str:
    dialect = uow.session.get_bind().dialect
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("name", list(FILTERS))
def test_no_list_scans_the_lead_table(with_leads, name):
    with with_leads.uow("150000", write=False) as uow:
        connection = uow.session.connection()
        dialect = connection.dialect.name
        for kind, statement in statements(uow, FILTERS[name]).items():
            sql = sql_of(uow, statement)
            if dialect == "sqlite":
                plan = [row[3] for row in connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql)]
                scans = [line for line in plan if SQLITE_SCAN.search(line)]
                assert not scans, f"{name} / {kind}: {plan}"
            else:
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = "\n".join(row[0] for row in connection.exec_driver_sql(
                    "EXPLAIN " + sql))
                assert not re.search(r"Seq Scan on lead\b(?!_)", plan), f"{name} / {kind}:\n{plan}"


def test_the_page_reads_each_department_from_its_newest_lead(with_leads):
    """One branch per department walks ix_lead_dept_received_status newest first and stops
    at the page's end: no sort of the whole subtree."""
    with with_leads.uow("150000", write=False) as uow:
        connection = uow.session.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("the index walk is read from SQLite's plan")
        sql = sql_of(uow, statements(uow, FILTERS["department"])["page"])
        plan = " | ".join(row[3] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql))
        assert "ix_lead_dept_received_status (department_code=?)" in plan
        assert "LIMIT" in sql.upper()


def test_overdue_is_read_from_the_open_leads_index(with_leads):
    with with_leads.uow("150000", write=False) as uow:
        connection = uow.session.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("partial-index use is read from SQLite's plan")
        sql = sql_of(uow, statements(uow, FILTERS["overdue"])["count"])
        plan = " | ".join(row[3] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql))
        assert "ix_lead_open_deadlines" in plan, plan
