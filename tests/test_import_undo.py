"""Undoing an import batch: what it created goes, what it changed comes back, the audit
chain records it — and nothing is undone that later work depends on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import TODAY
from helpers_leads import PHARMACY, PHARMACY_CODE, add_supervisor
from helpers_supervisors import make_id
from sqlmodel import col, func, select
from test_import_leads import lead, ledger
from test_import_leads import run as import_ledger
from test_import_supervisors import roster, row
from test_import_supervisors import run as import_roster

from medisup import i18n
from medisup.errors import NotFound, RuleViolation
from medisup.models import (
    Application,
    AuditEntry,
    Finding,
    ImportBatch,
    Interest,
    Lead,
    LeadEvent,
    LeadItem,
    Person,
    PersonCategory,
    Term,
)
from medisup.services import audit, leads, supervisors
from medisup.services.batches import undo as batches

T = TODAY


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def counts(env) -> dict:
    with env.uow(write=False) as uow:
        return {m.__name__: uow.session.exec(select(func.count()).select_from(m)).one()
                for m in (Person, PersonCategory, Interest, Application, Finding, Term, Lead,
                          LeadItem, LeadEvent)}


def undo(env, batch: int, dept: str = "150100"):
    with env.uow(dept, command="import undo") as uow:
        return batches.undo(uow, batch)


def test_undo_removes_what_the_batch_created(seeded, tmp_path):
    from helpers_supervisors import make_credit_code

    empty = counts(seeded)
    report = import_roster(seeded, roster(tmp_path / "a.xlsx", [
        row(make_id(), interests=f"某医院({make_credit_code()})"),
        row(make_id(), start=None, seq=2)]))
    assert counts(seeded) != empty
    done = undo(seeded, report.batch_id)
    assert done.undone_at is not None
    assert counts(seeded) == empty
    with seeded.uow(write=False) as uow:
        assert audit.verify(uow.session).ok
        last = uow.session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert (last.action, last.entity, last.entity_id, last.batch_id) == (
        "undo", "import_batch", str(report.batch_id), report.batch_id)
    # The same workbook imports again afterwards.
    assert import_roster(seeded, tmp_path / "a.xlsx").created == 2


def test_undo_twice_or_an_unknown_batch_is_refused(seeded, tmp_path):
    report = import_roster(seeded, roster(tmp_path / "a.xlsx", [row(make_id())]))
    undo(seeded, report.batch_id)
    with pytest.raises(RuleViolation, match="已于 .* 撤销"):
        undo(seeded, report.batch_id)
    with pytest.raises(NotFound):
        undo(seeded, 999)
    with pytest.raises(NotFound):  # another province's operator does not see it
        undo(seeded, report.batch_id, dept="450000")


def test_undo_restores_what_the_batch_changed(seeded, tmp_path):
    number = make_id()
    import_roster(seeded, roster(tmp_path / "a.xlsx", [row(number)]))
    changed = import_roster(seeded, roster(tmp_path / "b.xlsx", [
        row(number, phone="13900001111", category="政协委员、媒体代表")]))
    assert changed.updated == 1
    undo(seeded, changed.batch_id)
    with seeded.uow("150100", write=False) as uow:
        person = supervisors.show(uow, number, reveal=True).person
    assert person.phone == "13812345678" and person.categories == ("insured",)


def test_undo_refused_when_a_lead_was_logged_for_an_imported_person(seeded, tmp_path):
    number = make_id()
    report = import_roster(seeded, roster(tmp_path / "a.xlsx", [
        row(number, "张三", dept="150102", start=T - timedelta(days=30))]))
    with seeded.uow("150100", command="lead log") as uow:
        leads.log(uow, supervisor=number, received_on=T - timedelta(days=2), channel="电话",
                  target_kind="pharmacy", target_name=PHARMACY, target_credit_code=PHARMACY_CODE,
                  codes=["B1"])
    before = counts(seeded)
    with pytest.raises(RuleViolation) as refused:
        undo(seeded, report.batch_id)
    assert f"导入批次 {report.batch_id} 不能撤销" in refused.value.message
    assert "线索" in refused.value.message
    assert counts(seeded) == before


def test_undo_refused_after_a_later_change_of_an_updated_person(seeded, tmp_path):
    number = make_id()
    import_roster(seeded, roster(tmp_path / "a.xlsx", [row(number)]))
    changed = import_roster(seeded, roster(tmp_path / "b.xlsx", [row(number,
                                                                      phone="13900001111")]))
    with seeded.uow("150100", command="supervisor update") as uow:
        supervisors.update(uow, number, {"address": "新城区某街道 1 号"})
    with pytest.raises(RuleViolation, match="审计记录"):
        undo(seeded, changed.batch_id)


def test_undo_refused_when_a_later_batch_changed_the_same_rows(seeded, tmp_path):
    number = make_id()
    first = import_roster(seeded, roster(tmp_path / "a.xlsx", [row(number)]))
    import_roster(seeded, roster(tmp_path / "b.xlsx", [row(number, phone="13900001111")]))
    with pytest.raises(RuleViolation, match="之后的导入批次"):
        undo(seeded, first.batch_id)


def test_undo_of_a_ledger_batch_restores_the_leads(seeded, tmp_path):
    sup = add_supervisor(seeded, start=T - timedelta(days=300), end=T + timedelta(days=300))
    day = T - timedelta(days=20)
    first = import_ledger(seeded, ledger(tmp_path / "a.xlsx", [lead(sup, day=day)]))
    with seeded.uow(write=False) as uow:
        number = uow.session.exec(select(Lead.number)).one()
    moved = import_ledger(seeded, ledger(tmp_path / "b.xlsx", [
        lead(sup, day=day, number=number, status="已查实", verified=900)]))
    assert moved.updated == 1
    undo(seeded, moved.batch_id)
    with seeded.uow("150100", write=False) as uow:
        detail = leads.show(uow, number)
    assert detail.status == "received" and detail.row.verified_amount is None
    assert [e.to_status for e in detail.events] == ["received"]
    # The lead itself goes with the first batch, now that nothing depends on it.
    undo(seeded, first.batch_id)
    assert counts(seeded)["Lead"] == counts(seeded)["LeadEvent"] == 0
    with seeded.uow(write=False) as uow:
        assert len(uow.session.exec(select(ImportBatch).where(
            col(ImportBatch.undone_at).is_not(None))).all()) == 2


def test_undo_refused_after_a_later_status_change(seeded, tmp_path):
    sup = add_supervisor(seeded, start=T - timedelta(days=300), end=T + timedelta(days=300))
    report = import_ledger(seeded, ledger(tmp_path / "a.xlsx", [
        lead(sup, day=T - timedelta(days=5))]))
    with seeded.uow(write=False) as uow:
        number = uow.session.exec(select(Lead.number)).one()
    with seeded.uow("150100", command="lead update") as uow:
        leads.transition(uow, number, to="in_progress", handling_unit="基金监管科")
    with pytest.raises(RuleViolation):
        undo(seeded, report.batch_id)
