"""Several clerks logging leads at once while someone lists them: no error, lead numbers
unique and gap-free per department and year, and the audit chain whole."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest
from helpers_leads import add_supervisor, log_lead
from sqlmodel import select

from medisup.models import Lead
from medisup.services import audit, leads

# Leads per writer: one lead costs ~0.1 s of work, so four writers log fewer each to stay
# well inside the time a test may take on PostgreSQL.
PER_WRITER = {2: 50, 4: 30}


@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_lead_writers_get_unique_gap_free_numbers(seeded, writers):
    per_writer = PER_WRITER[writers]
    supervisor = add_supervisor(seeded)
    errors: list[BaseException] = []
    start = threading.Barrier(writers + 1)
    done = threading.Event()
    reads = [0]

    def clerk(k: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                log_lead(seeded, supervisor, description=f"第{k}名操作员的第{i}条线索：虚构病历套取基金")
        except BaseException as exc:  # reported below
            errors.append(exc)

    def reader() -> None:
        try:
            start.wait()
            while not done.is_set():
                with seeded.uow("150000", write=False) as uow:
                    shown = leads.list_leads(uow, reveal=False)
                numbers = [lead.number for lead in shown]
                assert len(numbers) == len(set(numbers))
                reads[0] += 1
                time.sleep(0.02)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(k,)) for k in range(writers)]
    watcher = threading.Thread(target=reader)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    watcher.join(timeout=60)
    assert not any(t.is_alive() for t in [*threads, watcher])
    assert errors == []
    assert reads[0] > 0

    with seeded.uow("150000", write=False) as uow:
        rows = uow.session.exec(select(Lead.department_code, Lead.year, Lead.seq,
                                       Lead.number)).all()
        report = audit.verify(uow.session)
    assert len(rows) == writers * per_writer
    assert len({number for *_, number in rows}) == len(rows)
    by_year: dict[tuple[str, int], list[int]] = defaultdict(list)
    for dept, year, seq, _ in rows:
        by_year[dept, year].append(seq)
    for key, seqs in by_year.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), key
    assert sum(len(s) for s in by_year.values()) == writers * per_writer
    assert report.ok
