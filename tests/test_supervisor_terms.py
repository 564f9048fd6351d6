"""Terms after appointment: renewal (with consent where the pack wants it), termination on
every ground of both packs, certificates revoked, and discipline breaches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from clock import TODAY
from helpers_supervisors import apply, appoint, make_id
from sqlmodel import func, select

from medisup import i18n
from medisup.errors import InvalidValue, RuleViolation
from medisup.models import AuditEntry, Certificate, Discipline, Term, Termination
from medisup.packs import load_pack
from medisup.services import audit, supervisors
from medisup.services.supervisors.terms import RENEWAL_GRACE_DAYS

T = TODAY
NM, GX = load_pack("nm-2024"), load_pack("gx-trial")
DEPT = {"nm-2024": "150102", "gx-trial": "450102"}
REGION = {"nm-2024": "150102", "gx-trial": "450102"}


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def rows(env, model, **where) -> list:
    with env.uow(write=False) as uow:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(uow.session.exec(query.order_by(model.id)))


def count(env, model) -> int:
    with env.uow(write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def writes(env) -> tuple[int, ...]:
    return tuple(count(env, m) for m in (Term, Termination, Discipline, AuditEntry))


def status(env, number: str, dept: str, on: date | None = None) -> str:
    with env.uow(dept, write=False) as uow:
        return supervisors.show(uow, number, as_of=on).statuses[0].status


def issue_certificate(env, number: str, dept: str) -> str:
    """A valid certificate row for the person's latest term (issued by a later feature)."""
    with env.uow(dept) as uow:
        detail = supervisors.show(uow, number, reveal=True)
        term = detail.terms[-1]
        cert = Certificate(number=f"{dept}-{term.start_date.year}-{term.id:04d}", term_id=term.id,
                           person_id=detail.person.id, department_code=dept,
                           issued_on=term.start_date, status="valid", verify_code="ABC123",
                           created_at=datetime.now(UTC))
        uow.session.add(cert)
        return cert.number


# ── renew ─────────────────────────────────────────────────────────────────


def test_nm_renewal_starts_the_day_after_the_old_term_ends(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        new = supervisors.renew(uow, number)
    old = rows(seeded, Term)[0]
    assert old.renewed and new.number == 2
    assert new.start_date == old.end_date + timedelta(days=1)
    assert new.end_date == NM.term_end(new.start_date)
    assert new.consent_on is None  # recorded only if given under nm-2024


def test_renewal_needs_no_free_quota_place(seeded):
    numbers = [make_id() for _ in range(3)]  # 150102: quota 3, all taken
    for number in numbers:
        appoint(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        assert supervisors.renew(uow, numbers[0]).number == 2


def test_gx_renewal_without_consent_is_refused_and_nothing_written(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number)
    before = writes(seeded)
    with pytest.raises(InvalidValue) as err, seeded.uow("450102") as uow:
        supervisors.renew(uow, number)
    assert err.value.message.startswith("本人同意续聘日期的值")
    assert "--consent-date" in err.value.message and "广西办法第八条" in err.value.message
    assert writes(seeded) == before
    assert not rows(seeded, Term)[0].renewed


def test_gx_renewal_records_the_consent_date(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number)
    with seeded.uow("450102") as uow:
        new = supervisors.renew(uow, number, consent_on=T - timedelta(days=2))
    assert new.consent_on == T - timedelta(days=2)


def test_consent_after_the_new_start_is_refused(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number, start=T - timedelta(days=2 * 365 + 5))  # ended days ago
    term = rows(seeded, Term)[0]
    late = term.end_date + timedelta(days=2)
    with pytest.raises(InvalidValue) as err, seeded.uow("450102") as uow:
        supervisors.renew(uow, number, consent_on=late, on=term.end_date)
    assert late.isoformat() in err.value.message
    assert term.end_date.isoformat() in err.value.message  # the day renewal was decided
    assert "广西办法第八条" in err.value.message


@pytest.mark.parametrize("days", [1, 30])
def test_gx_consent_dated_in_the_future_is_refused_and_nothing_written(seeded, days):
    # gx Art. 8: consent comes before the decision (today by default), never after it
    number = make_id("450102")
    appoint(seeded, "450102", number)
    before = writes(seeded)
    with pytest.raises(InvalidValue) as err, seeded.uow("450102") as uow:
        supervisors.renew(uow, number, consent_on=T + timedelta(days=days))
    assert err.value.message.startswith("本人同意续聘日期的值")
    assert T.isoformat() in err.value.message and "广西办法第八条" in err.value.message
    assert "\n" not in err.value.message
    assert writes(seeded) == before and not rows(seeded, Term)[0].renewed


def test_consent_before_the_current_term_is_refused(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number, start=T - timedelta(days=100))
    with pytest.raises(InvalidValue) as err, seeded.uow("450102") as uow:
        supervisors.renew(uow, number, consent_on=T - timedelta(days=101))
    assert (T - timedelta(days=100)).isoformat() in err.value.message
    assert "广西办法第八条" in err.value.message


def test_renewal_decided_early_starts_the_day_after_the_term(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number, start=T - timedelta(days=100))
    term = rows(seeded, Term)[0]
    with seeded.uow("450102") as uow:
        new = supervisors.renew(uow, number, consent_on=T)
    assert new.start_date == term.end_date + timedelta(days=1) and new.consent_on == T


def test_gx_term_ended_unrenewed_cannot_be_renewed(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number, start=T - timedelta(days=2 * 365 + 5))
    with pytest.raises(RuleViolation) as err, seeded.uow("450102") as uow:
        supervisors.renew(uow, number, consent_on=T - timedelta(days=10))
    assert "重新申请" in err.value.message


def test_nm_term_may_be_renewed_within_the_grace_period(seeded):
    number = make_id()
    appoint(seeded, "150102", number, start=T - timedelta(days=2 * 365 + 5))
    assert status(seeded, number, "150102") == "expired"
    with seeded.uow("150102") as uow:
        new = supervisors.renew(uow, number)
    assert new.start_date < T  # continuous with the old term
    assert status(seeded, number, "150102") == "serving"


def test_nm_term_past_the_grace_period_cannot_be_renewed(seeded):
    number = make_id()
    appoint(seeded, "150102", number,
            start=T - timedelta(days=2 * 366 + RENEWAL_GRACE_DAYS + 10))
    with pytest.raises(RuleViolation), seeded.uow("150102") as uow:
        supervisors.renew(uow, number)


def test_renewing_twice_or_after_termination_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        supervisors.renew(uow, number)
    with pytest.raises(RuleViolation), seeded.uow("150102") as uow:
        supervisors.renew(uow, number)
    other = make_id()
    appoint(seeded, "150102", other)
    with seeded.uow("150102") as uow:
        supervisors.terminate(uow, other, ground="resigned")
    with pytest.raises(RuleViolation) as err, seeded.uow("150102") as uow:
        supervisors.renew(uow, other)
    assert "解聘" in err.value.message


# ── terminate: every ground of both packs ─────────────────────────────────

GROUNDS = [(pack.name, g) for pack in (NM, GX) for g in pack.termination_grounds]


@pytest.mark.parametrize("pack_name, ground", GROUNDS,
                         ids=[f"{p}-{g.code}" for p, g in GROUNDS])
def test_every_termination_ground(seeded, pack_name, ground):
    dept = DEPT[pack_name]
    number = make_id(REGION[pack_name])
    if ground.term_end:
        appoint(seeded, dept, number, start=T - timedelta(days=2 * 366 + 3))  # ended unrenewed
    else:
        appoint(seeded, dept, number)
    certificate = issue_certificate(seeded, number, dept)
    pack = load_pack(pack_name)
    if ground.from_discipline:  # rests on a recorded breach
        with seeded.uow(dept) as uow:
            supervisors.record_discipline(uow, number, rule=pack.discipline_rules[0].code,
                                          occurred_on=T - timedelta(days=1))
    with seeded.uow(dept) as uow:
        done = supervisors.terminate(uow, number, ground=ground.code, note="测试")
    assert done.ground == ground.code and done.article == ground.cite()
    assert done.revoked_certificates == (certificate,)
    term = rows(seeded, Term)[0]
    if ground.term_end:  # 自然解聘: the whole term was served
        assert term.terminated_on == term.end_date + timedelta(days=1)
    else:
        assert term.terminated_on == T
    assert done.referral is None  # a referral is decided, never implied by the ground
    cert = rows(seeded, Certificate)[0]
    assert cert.status == "revoked" and cert.revoked_on == T
    assert status(seeded, number, dept) == "terminated"
    # an earlier termination on a barring ground shows at the next application
    again = apply(seeded, dept, number, applied_on=T)
    blocking = [p.criterion for p in again.problems if p.criterion == "no_blocking_termination"]
    assert bool(blocking) == ground.blocks_reapplication
    with seeded.uow(write=False) as uow:
        assert {"terminate", "revoke"} <= {r["action"] for r in audit.log(uow.session, limit=None)}


def breach(env, dept, number, rule="secrecy", on=T - timedelta(days=2)):
    with env.uow(dept) as uow:
        return supervisors.record_discipline(uow, number, rule=rule, occurred_on=on)


def test_referral_is_recorded_where_named(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    breach(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        done = supervisors.terminate(uow, number, ground="违反工作纪律", referral="公安机关",
                                     effective=T - timedelta(days=1))
    assert done.ground == "violation" and done.referral == "公安机关"


def test_violation_without_referral_records_none_and_names_the_breach(seeded):
    # nm Art. 12(一): referral only "对有违法行为的" — a decision, not the ground's consequence
    number = make_id()
    appoint(seeded, "150102", number)
    recorded = breach(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        assert supervisors.offered_ground(uow, number, on=T) == "violation"
        done = supervisors.terminate(uow, number, ground="violation", note="泄露")
    assert done.referral is None
    assert done.discipline_id == recorded.id and done.note == "泄露"
    assert done.breach == f"#{recorded.id} 泄露秘密或案件信息（{recorded.occurred_on}）"


def test_violation_without_a_recorded_breach_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150102", write=False) as uow:
        assert supervisors.offered_ground(uow, number, on=T) is None
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="violation")
    assert err.value.field == "--ground" and "第十二条（一）" in err.value.message
    assert count(seeded, Termination) == 0


def test_gx_referral_possible_under_article_13(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number)
    breach(seeded, "450102", number, rule=GX.discipline_rules[0].code)
    with seeded.uow("450102") as uow:
        done = supervisors.terminate(uow, number, ground="violation", referral="公安机关")
    assert done.referral == "公安机关"
    assert "第十三条" in GX.item("termination_grounds", "violation").note_text()


def test_referral_on_a_ground_without_one_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="resigned", referral="公安机关")
    assert err.value.field == "--referral" and "violation" in err.value.message


def test_term_end_ground_only_after_the_term_ends(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number)
    before = writes(seeded)
    with pytest.raises(InvalidValue) as err, seeded.uow("450102") as uow:
        supervisors.terminate(uow, number, ground="term_expired")
    assert err.value.field == "--effective" and "广西办法第九条（五）" in err.value.message
    assert writes(seeded) == before


def test_terminating_someone_not_serving_is_refused(seeded):
    number = make_id()
    apply(seeded, "150102", number)  # applied, never appointed
    before = writes(seeded)
    with pytest.raises(RuleViolation) as err, seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="resigned")
    assert "不在聘" in err.value.message and number not in err.value.message
    assert writes(seeded) == before


def test_effective_date_before_the_term_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    start = rows(seeded, Term)[0].start_date
    early = start - timedelta(days=3)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="resigned", effective=early)
    assert err.value.field == "--effective" and early.isoformat() in err.value.message


def test_unknown_ground_is_named(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="retired")
    assert "retired" in err.value.message and "resigned" in err.value.message


def test_terminating_a_renewed_term_cancels_the_next(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        supervisors.renew(uow, number)
        supervisors.terminate(uow, number, ground="resigned")
    old, new = rows(seeded, Term)
    assert old.terminated_on == T
    assert new.terminated_on == new.start_date  # never served
    assert status(seeded, number, "150102", on=new.start_date + timedelta(days=5)) == "terminated"


def test_future_effective_date_keeps_serving_until_then(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="resigned", effective=T + timedelta(days=10))
    assert status(seeded, number, "150102") == "serving"
    assert status(seeded, number, "150102", on=T + timedelta(days=10)) == "terminated"


# ── discipline ────────────────────────────────────────────────────────────


@pytest.mark.parametrize("pack", [NM, GX], ids=lambda p: p.name)
def test_every_discipline_rule_can_be_recorded(seeded, pack):
    dept = DEPT[pack.name]
    number = make_id(REGION[pack.name])
    appoint(seeded, dept, number)
    for rule in pack.discipline_rules:
        with seeded.uow(dept) as uow:
            done = supervisors.record_discipline(uow, number, rule=rule.code,
                                                 occurred_on=T - timedelta(days=1), note="记录")
        assert done.rule == rule.code and done.article == rule.cite()
    assert len(rows(seeded, Discipline)) == len(pack.discipline_rules)


def test_discipline_of_someone_not_serving_that_day_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    before = writes(seeded)
    with pytest.raises(RuleViolation), seeded.uow("150102") as uow:
        supervisors.record_discipline(uow, number, rule="secrecy",
                                      occurred_on=T - timedelta(days=400))
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.record_discipline(uow, number, rule="gossip")
    assert "gossip" in err.value.message
    with pytest.raises(InvalidValue), seeded.uow("150102") as uow:
        supervisors.record_discipline(uow, number, rule="secrecy", occurred_on=T + timedelta(days=1))
    assert writes(seeded) == before


def test_discipline_is_shown_in_the_history(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        supervisors.record_discipline(uow, number, rule="泄露秘密或案件信息")
    with seeded.uow("150102", write=False) as uow:
        detail = supervisors.show(uow, number)
    assert [d.rule for d in detail.discipline] == ["secrecy"]
    assert detail.discipline[0].article == "第九条（二）"
