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


# ---------------------------------------------------------------- medisup check


def check_plans(env, dept: str, **kw) -> list[tuple[str, str]]:
    """(statement, plan) of every statement `check` sends that reads the lead table, each
    explained with the values it was sent with."""
    from sqlalchemy import event

    from medisup.services.leads import consistency

    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    with env.uow(dept, write=False) as uow:
        connection = uow.session.connection()
        event.listen(connection, "before_cursor_execute", record)
        try:
            consistency.check(uow, as_of=AS_OF, **kw)
        finally:
            event.remove(connection, "before_cursor_execute", record)
        reads = [(s, p) for s, p in sent if re.search(r"\blead\b", s)]
        if connection.dialect.name == "sqlite":
            return [(s, " | ".join(row[3] for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + s, p))) for s, p in reads]
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return [(s, "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + s, p)))
                for s, p in reads]


# How check may read the lead table on SQLite: by id, or through an index that holds little
# beyond the findings — the partial index of unsettled closed leads, the reporter's leads
# within a span of days, the partial index of open leads (the backlog, not the table).
CHECK_READS_LEAD = re.compile(r"(?:SCAN|SEARCH) lead\b(?!_)[^|]*")
CHECK_MAY_READ = re.compile(
    r"SEARCH lead USING INTEGER PRIMARY KEY"
    r"|SEARCH lead USING INDEX ix_lead_closed_unsettled \(status=\?"
    r"|SEARCH lead USING INDEX ix_lead_supervisor_received \(supervisor_id=\? AND received_on>\?"
    r"|(?:SCAN|SEARCH) lead USING (?:COVERING )?INDEX ix_lead_open_deadlines\b")


@pytest.mark.parametrize("dept,kw", [("150000", {}), ("150000", {"department": "150100"}),
                                     ("150100", {})], ids=["all", "subtree", "operator"])
def test_check_never_passes_over_the_leads(with_leads, dept, kw):
    """`medisup check` on a million leads: each finding comes from an index that holds
    little beyond the findings (closed leads without a complete outcome, leads by reporter
    and day within the spans a reporter was not serving, open leads, rewards)."""
    plans = check_plans(with_leads, dept, **kw)
    assert len(plans) >= 5
    for statement, plan in plans:
        if with_leads.url.startswith("sqlite"):
            reads = CHECK_READS_LEAD.findall(plan)
            assert all(CHECK_MAY_READ.match(read) for read in reads), f"{statement}\n{plan}"
        else:
            assert not re.search(r"Seq Scan on lead\b(?!_)", plan), f"{statement}\n{plan}"
    if with_leads.url.startswith("sqlite"):
        joined = "\n".join(plan for _, plan in plans)
        assert "ix_lead_closed_unsettled (status=?" in joined
        assert "ix_lead_supervisor_received (supervisor_id=? AND received_on>?" in joined
