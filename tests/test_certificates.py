"""Certificates as services: issue, numbering, codes, verify, revoke, reissue, termination."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from helpers_certificates import appointed
from helpers_supervisors import make_id
from sqlmodel import select

from medisup.errors import InvalidValue, NotFound, RuleViolation
from medisup.models import AuditEntry, Certificate, DatabaseSecret
from medisup.services.supervisors import certificates as svc

START = date(2026, 6, 1)
ON = date(2026, 6, 15)


def issue(env, id_number, dept="150103", on=ON, **kw):
    with env.uow(dept, command="certificate issue") as uow:
        return svc.issue(uow, id_number, on=on, **kw)


def test_issue_numbers_from_pack_pattern_and_states_the_term(seeded):
    ids = appointed(seeded, count=2, start=START)
    first, second = issue(seeded, ids[0]), issue(seeded, ids[1])
    assert (first.number, second.number) == ("150103-2026-0001", "150103-2026-0002")
    assert first.name == "张三" and first.department_name == "回民区医疗保障局"
    assert first.role == "医疗保障基金社会监督员"
    assert (first.term_start, first.term_end) == (START, date(2028, 5, 31))
    assert first.issued_on == ON and first.status == "valid"
    assert len(first.verify_code) == 8
    assert set(first.verify_code) <= set(svc.CODE_ALPHABET)
    assert not set(first.verify_code) & set("01ILO")


def test_issuing_twice_for_one_term_is_refused(seeded):
    [id_number] = appointed(seeded, start=START)
    issued = issue(seeded, id_number)
    with pytest.raises(RuleViolation, match=issued.number):
        issue(seeded, id_number)


def test_not_appointed_and_unknown_person_are_refused(seeded):
    from helpers_supervisors import apply

    id_number = make_id("150103")
    apply(seeded, "150103", id_number, applied_on=date(2026, 5, 1))
    with pytest.raises(RuleViolation, match="没有在任或待任的聘期"):
        issue(seeded, id_number)
    with pytest.raises(NotFound):
        issue(seeded, make_id("150103"))


def test_pending_issues_every_uncertified_term_once(seeded):
    ids = appointed(seeded, "150103", 3, start=START)
    appointed(seeded, "152500", 2, start=START)
    issue(seeded, ids[0])
    with seeded.uow("150100") as uow:
        batch = svc.issue_pending(uow, on=ON)
    assert [r.number for r in batch] == ["150103-2026-0002", "150103-2026-0003"]
    with seeded.uow("150000") as uow:
        batch = svc.issue_pending(uow, department="152500", on=ON)
        assert [r.number for r in batch] == ["152500-2026-0001", "152500-2026-0002"]
        assert svc.issue_pending(uow, on=ON) == []


def test_numbers_are_never_reused_after_revocation(seeded):
    ids = appointed(seeded, count=2, start=START)
    first = issue(seeded, ids[0])
    with seeded.uow("150103") as uow:
        svc.revoke(uow, first.number, reason="误发", on=ON)
    again = issue(seeded, ids[0])  # the term has no valid certificate any more
    assert again.number == "150103-2026-0002"
    assert issue(seeded, ids[1]).number == "150103-2026-0003"


def test_verify_outcomes(seeded):
    ids = appointed(seeded, count=2, start=START)
    a, b = issue(seeded, ids[0]), issue(seeded, ids[1])
    with seeded.uow("150103") as uow:
        assert svc.verify(uow, a.number, a.verify_code, as_of=ON).outcome == "valid"
        assert svc.verify(uow, a.number.lower(), a.verify_code.lower(), as_of=ON).ok
        assert svc.verify(uow, a.number, as_of=ON).outcome == "valid"
        assert svc.verify(uow, a.number, b.verify_code, as_of=ON).outcome == "mismatch"
        assert svc.verify(uow, "150103-2026-9999", as_of=ON).outcome == "unknown"
        expired = svc.verify(uow, a.number, as_of=date(2028, 6, 1))
        assert expired.outcome == "expired" and expired.record.term_end == date(2028, 5, 31)
        scanned = svc.verify(uow, f"MEDISUP-CERT:{a.number}:{a.verify_code}", as_of=ON)
        assert scanned.ok
        svc.revoke(uow, b.number, reason="本人申请", on=ON)
        revoked = svc.verify(uow, b.number, b.verify_code, as_of=ON)
        assert revoked.outcome == "revoked"
        assert (revoked.record.revoked_on, revoked.record.revoked_reason) == (ON, "本人申请")


def test_code_depends_on_record_and_database_secret(seeded):
    args = {"number": "150103-2026-0001", "id_number": make_id("150103"),
            "term_start": START, "term_end": date(2028, 5, 31), "department": "150103"}
    code = svc.make_code("a" * 64, **args)
    assert code == svc.make_code("a" * 64, **args)
    assert code != svc.make_code("b" * 64, **args)
    assert code != svc.make_code("a" * 64, **(args | {"term_end": date(2028, 6, 1)}))


def test_secret_is_created_once_and_lazily(seeded):
    with seeded.uow() as uow:
        assert uow.session.get(DatabaseSecret, svc.SECRET_NAME) is None
        first = svc.ensure_secret(uow.session)
        assert svc.ensure_secret(uow.session) == first and len(first) == 64


def test_reissue_links_a_suffixed_copy_and_withdraws_the_old(seeded):
    [id_number] = appointed(seeded, start=START)
    old = issue(seeded, id_number)
    with seeded.uow("150103") as uow:
        new = svc.reissue(uow, old.number, reason="遗失", on=ON)
        assert (new.number, new.reissue_of, new.reissue_reason) == (
            f"{old.number}-R1", old.number, "lost")
        assert new.verify_code != old.verify_code
        again = svc.reissue(uow, new.number, reason="damaged", on=ON)
        assert again.number == f"{old.number}-R2"
        gone = svc.verify(uow, old.number, old.verify_code, as_of=ON)
        assert gone.outcome == "revoked" and "R1" in gone.record.revoked_reason
        with pytest.raises(RuleViolation):
            svc.reissue(uow, old.number, reason="遗失", on=ON)
        with pytest.raises(InvalidValue, match="遗失"):
            svc.reissue(uow, again.number, reason="丢了", on=ON)
        actions = list(uow.session.exec(select(AuditEntry.action).where(
            AuditEntry.entity == "certificate").order_by(AuditEntry.id)))
    assert actions == ["issue", "reissue", "revoke", "reissue", "revoke"]


def test_termination_revokes_with_reason(seeded):
    from medisup.services import supervisors

    [id_number] = appointed(seeded, start=START)
    cert = issue(seeded, id_number)
    with seeded.uow("150103") as uow:
        supervisors.terminate(uow, id_number, ground="resigned", effective=date(2026, 7, 1))
    with seeded.uow("150103") as uow:
        verdict = svc.verify(uow, cert.number, cert.verify_code, as_of=date(2026, 7, 2))
    assert verdict.outcome == "revoked"
    assert verdict.record.revoked_on == date(2026, 7, 1)
    assert verdict.record.revoked_reason.startswith("解聘")


def test_list_filters(seeded):
    ids = appointed(seeded, count=3, start=START)
    certs = [issue(seeded, i) for i in ids]
    with seeded.uow("150103") as uow:
        svc.revoke(uow, certs[2].number, reason="误发", on=ON)
        numbers = lambda **kw: [r.number for r in svc.list_certificates(uow, as_of=ON, **kw)]  # noqa: E731
        assert numbers() == [c.number for c in certs]
        assert numbers(status="valid") == [certs[0].number, certs[1].number]
        assert numbers(status="revoked") == [certs[2].number]
        assert numbers(year=2025) == []
        assert len(svc.list_certificates(uow, as_of=date(2029, 1, 1), status="expired")) == 2
        with pytest.raises(InvalidValue):
            svc.list_certificates(uow, status="lost")
    with seeded.uow("152500") as uow:  # another league: none in scope
        assert svc.list_certificates(uow, as_of=ON) == []


def test_supervisor_show_lists_certificates(seeded):
    from medisup.services import supervisors

    [id_number] = appointed(seeded, start=START)
    cert = issue(seeded, id_number)
    with seeded.uow("150103") as uow:
        detail = supervisors.show(uow, id_number)
    assert [c.number for c in detail.certificates] == [cert.number]


def test_concurrent_batches_get_unique_numbers(seeded):
    appointed(seeded, "150103", 6, start=START)
    appointed(seeded, "152500", 6, start=START)
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def clerk(dept: str, pending: bool) -> None:
        try:
            start.wait()
            with seeded.uow(dept, command="certificate issue") as uow:
                if pending:
                    svc.issue_pending(uow, on=ON)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(d, True))
               for d in ("150103", "152500", "150000")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with seeded.uow(write=False) as uow:
        rows = list(uow.session.exec(select(Certificate)))
        from medisup.services import audit

        assert audit.verify(uow.session).ok
    numbers = [r.number for r in rows]
    assert len(rows) == 12 and len(set(numbers)) == 12
    assert len({r.term_id for r in rows}) == 12


def test_renewal_gets_its_own_certificate(seeded):
    from medisup.services import supervisors

    [id_number] = appointed(seeded, start=date(2024, 7, 1))  # ends 2026-06-30
    first = issue(seeded, id_number, on=date(2024, 7, 1))
    assert first.number == "150103-2024-0001"
    with seeded.uow("150103") as uow:
        supervisors.renew(uow, id_number, consent_on=date(2026, 6, 1), on=date(2026, 6, 10))
    renewed = issue(seeded, id_number, on=date(2026, 6, 15))
    assert renewed.number == "150103-2026-0001"
    assert (renewed.term_start, renewed.term_end) == (date(2026, 7, 1), date(2028, 6, 30))
    with pytest.raises(RuleViolation):
        issue(seeded, id_number, on=date(2026, 6, 15))
