"""Supervisor use cases on a real database: apply, approve, reject and the review behind
them; one person across departments; bad input that writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

import pytest
from clock import TODAY
from helpers_supervisors import apply, appoint, make_credit_code, make_id, person
from sqlmodel import func, select

from medisup import i18n
from medisup.errors import InvalidValue, NotFound, RuleViolation, ScopeError
from medisup.models import Application, AuditEntry, Finding, Interest, Person, Term
from medisup.packs import load_pack, load_pack_file
from medisup.services import audit, supervisors

T = TODAY


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def count(env, model) -> int:
    with env.uow(write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def snapshot(env) -> dict:
    """Row counts of everything a supervisor command may write."""
    return {m.__name__: count(env, m) for m in (Person, Application, Finding, Term, Interest,
                                                 AuditEntry)}


def actions(env, entity: str | None = None) -> list[str]:
    with env.uow(write=False) as uow:
        return [r["action"] for r in audit.log(uow.session, entity=entity, limit=None)]


# ── apply ─────────────────────────────────────────────────────────────────


def test_apply_records_person_application_and_findings(seeded):
    code = make_credit_code()
    result = apply(seeded, "150102", make_id(), name="李四", all_met=False,
                   interests=[f"新城区人民医院:{code}"],
                   findings=["integrity=met:单位出具证明"])
    assert result.created and result.person.name == "李四"
    assert result.application.status == "pending" and result.application.channel == "open"
    findings = {f.criterion: f for f in result.application.findings}
    assert len(findings) == len(load_pack("nm-2024").criteria) + 3
    assert findings["integrity"].note == "单位出具证明"
    assert findings["citizen"].result == "not_checked" and not findings["citizen"].automatic
    assert findings["dedication"].result == "not_checked"
    assert not result.eligible
    assert {p.criterion for p in result.problems} == {
        "citizen", "dedication", "law_abiding", "competence", "confidentiality"}
    with seeded.uow("150102", write=False) as uow:
        interests = supervisors.list_interests(uow, result.person.id_number)
    assert [(i.institution_name, i.credit_code) for i in interests] == [("新城区人民医院", code)]
    assert actions(seeded)[:3] == ["apply", "interest_add", "create"]


def test_one_person_one_record_across_departments(seeded):
    number = make_id()
    first = apply(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        supervisors.reject(uow, number, reason="名额已满，下次再议")
    again = apply(seeded, "150103", number, phone="13900001111")
    assert not again.created and again.person.id == first.person.id
    assert again.person.phone == "13900001111"
    assert count(seeded, Person) == 1
    assert "update" in actions(seeded, "person")


def test_same_id_number_with_another_name_is_refused_and_nothing_written(seeded):
    number = make_id()
    apply(seeded, "150102", number, name="李四")
    before = snapshot(seeded)
    with pytest.raises(InvalidValue) as err:
        apply(seeded, "150103", number, name="李思")
    assert err.value.message.startswith("姓名的值“李思”无效") and "150102********" in err.value.message
    assert snapshot(seeded) == before


def test_second_pending_application_in_the_same_department_is_refused(seeded):
    number = make_id()
    apply(seeded, "150102", number)
    with pytest.raises(RuleViolation) as err:
        apply(seeded, "150102", number)
    assert "尚未审批" in err.value.message


def test_applying_where_already_serving_points_to_renew(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with pytest.raises(RuleViolation) as err:
        apply(seeded, "150102", number, applied_on=T)
    assert "supervisor renew" in err.value.message


def test_apply_outside_the_operator_scope_is_refused(seeded):
    with pytest.raises(ScopeError), seeded.uow("150102") as uow:
        supervisors.apply(uow, person(), channel="open", department="150103")


@pytest.mark.parametrize("changes, options, field", [
    ({"id_number": "150102199001010116"}, {}, "身份证号"),
    ({"id_number": "15010219900101011"}, {}, "身份证号"),
    ({"gender": "F"}, {}, "性别"),
    ({"birth_date": "1991-01-01"}, {}, "出生日期"),
    ({"categories": ["astronaut"]}, {}, "人员类别"),
    ({"phone": "110"}, {}, "联系电话"),
    ({}, {"channel": "lottery"}, "选聘方式"),
    ({}, {"channel": "unit"}, "推荐单位"),
    ({}, {"interests": ["某医院:91150102MA0N123450"]}, "统一社会信用代码"),
    ({}, {"findings": ["integrity=perhaps"]}, "--finding"),
    ({}, {"applied_on": T + timedelta(days=1)}, "申请日期"),
])
def test_bad_input_is_one_named_error_and_writes_nothing(seeded, changes, options, field):
    before = snapshot(seeded)
    data = person(make_id(birth="19900101"))
    data.update(changes)
    kwargs = {"channel": "open", "department": "150102", **options}
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.apply(uow, data, **kwargs)
    assert err.value.field == field
    assert "\n" not in err.value.message
    assert snapshot(seeded) == before


def test_unknown_birthplace_is_reported_as_a_warning(seeded):
    result = apply(seeded, "150102", make_id(birth="19800101"))
    assert result.eligible and any("150102" in w for w in result.warnings)
    id_valid = next(f for f in result.application.findings if f.criterion == "id_valid")
    assert id_valid.result == "warning"


def test_gx_directed_channel_records_the_recommending_body(seeded):
    result = apply(seeded, "450102", make_id("450102"), channel="定向选聘",
                   recommending_body="卫生健康委")
    assert result.application.recommending_body == "health_commission"
    assert result.application.recommending_body_label == "卫生健康委"


# ── approve and reject ────────────────────────────────────────────────────


def test_approve_appoints_for_the_pack_term(seeded):
    number = make_id()
    apply(seeded, "150102", number, applied_on=date(2024, 2, 1))
    with seeded.uow("150102") as uow:
        done = supervisors.approve(uow, number, start=date(2024, 3, 1), on=date(2024, 2, 20))
    assert done.term.start_date == date(2024, 3, 1)
    assert done.term.end_date == date(2026, 2, 28)  # start + 2 years − 1 day (Art. 11)
    assert done.term.number == 1 and done.term.department_code == "150102"
    assert done.application.status == "approved"
    assert done.application.decided_on == date(2024, 2, 20)
    assert actions(seeded)[:2] == ["create", "approve"]  # newest first: the term, the decision


def test_approve_start_defaults_to_the_decision_date(seeded):
    number = make_id()
    apply(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        done = supervisors.approve(uow, number)
    assert done.term.start_date == T
    assert done.term.end_date == load_pack("nm-2024").term_end(T)


def test_approve_refuses_unmet_criteria_naming_the_clauses(seeded):
    number = make_id()
    apply(seeded, "150102", number, all_met=False, findings=["integrity=not_met:有失信记录"])
    before = snapshot(seeded)
    with pytest.raises(RuleViolation) as err, seeded.uow("150102") as uow:
        supervisors.approve(uow, number)
    message = err.value.message
    assert "第五条（三）" in message and "不符合" in message and "第五条（二）" in message
    assert snapshot(seeded) == before
    with seeded.uow("150102", write=False) as uow:
        assert uow.session.exec(select(Application)).one().status == "pending"


def test_findings_may_be_completed_at_approval(seeded):
    number = make_id()
    apply(seeded, "150102", number, all_met=False)
    with seeded.uow("150102") as uow:
        done = supervisors.approve(uow, number, findings=["dedication=met:走访核实"],
                                   all_met=True)
    notes = {f.criterion: f.note for f in done.application.findings}
    assert notes["dedication"] == "走访核实"


def test_start_before_the_application_is_refused(seeded):
    number = make_id()
    apply(seeded, "150102", number, applied_on=T - timedelta(days=3))
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.approve(uow, number, start=T - timedelta(days=10))
    assert err.value.field == "--start"
    assert (T - timedelta(days=10)).isoformat() in err.value.message


def test_quota_full_is_refused_naming_the_department(seeded):
    for _ in range(3):  # 150102 has a quota of 3
        appoint(seeded, "150102", make_id())
    number = make_id()
    apply(seeded, "150102", number)
    before = snapshot(seeded)
    with pytest.raises(RuleViolation) as err, seeded.uow("150102") as uow:
        supervisors.approve(uow, number)
    assert "150102" in err.value.message and "名额已满" in err.value.message
    assert "3" in err.value.message and "第十一条" in err.value.message
    assert snapshot(seeded) == before


def test_a_place_promised_to_someone_starting_later_counts(seeded):
    for _ in range(2):
        appoint(seeded, "150102", make_id())
    appoint(seeded, "150102", make_id(), start=T + timedelta(days=30))
    number = make_id()
    apply(seeded, "150102", number)
    with pytest.raises(RuleViolation) as err, seeded.uow("150102") as uow:
        supervisors.approve(uow, number)
    assert (T + timedelta(days=30)).isoformat() in err.value.message


def test_a_place_freed_by_termination_can_be_filled(seeded):
    first = make_id()
    appoint(seeded, "150102", first)
    for _ in range(2):
        appoint(seeded, "150102", make_id())
    with seeded.uow("150102") as uow:
        supervisors.terminate(uow, first, ground="resigned", effective=T - timedelta(days=1))
    number = make_id()
    apply(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        assert supervisors.approve(uow, number).term.number == 1


def test_department_without_quota_is_unlimited(seeded):
    for _ in range(4):
        appoint(seeded, "152500", make_id("152501"))
    with seeded.uow("152500", write=False) as uow:
        assert len(supervisors.list_supervisors(uow, status="serving")) == 4


def test_serving_in_another_department_blocks_approval(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150000") as uow:
        result = supervisors.apply(uow, person(number), channel="open", department="150103",
                                   all_met=True)
    assert [p.criterion for p in result.problems] == ["not_serving"]
    with pytest.raises(RuleViolation) as err, seeded.uow("150103") as uow:
        supervisors.approve(uow, number)
    assert "150102" in err.value.message


def test_blocking_termination_needs_an_override_that_is_audited(seeded):
    number = make_id()
    appoint(seeded, "150102", number, start=T - timedelta(days=60))
    with seeded.uow("150102") as uow:
        supervisors.record_discipline(uow, number, rule="secrecy",
                                      occurred_on=T - timedelta(days=25))
        supervisors.terminate(uow, number, ground="violation", effective=T - timedelta(days=20),
                              note="泄露案件信息")
    again = apply(seeded, "150103", number, applied_on=T - timedelta(days=5))
    assert [p.criterion for p in again.problems] == ["no_blocking_termination"]
    assert again.problems[0].article == "第十二条（一）"
    with pytest.raises(RuleViolation) as err, seeded.uow("150103") as uow:
        supervisors.approve(uow, number)
    assert "须说明理由" in err.value.message
    with seeded.uow("150103") as uow:
        done = supervisors.approve(uow, number, override_reason="经复核系他人冒用身份")
    assert done.application.override_reason == "经复核系他人冒用身份"
    with seeded.uow(write=False) as uow:
        entry = audit.log(uow.session, action="override", limit=1)[0]
    assert entry["after"]["reason"] == "经复核系他人冒用身份"


def test_override_given_at_application(seeded):
    number = make_id()
    appoint(seeded, "150102", number, start=T - timedelta(days=60))
    with seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="sanctioned", effective=T - timedelta(days=20))
    again = apply(seeded, "150103", number, applied_on=T - timedelta(days=5),
                  override_reason="处分已撤销")
    assert again.eligible and again.application.override_reason == "处分已撤销"
    assert "override" in actions(seeded, "application")


def test_reject_records_the_reason(seeded):
    number = make_id()
    apply(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        rejected = supervisors.reject(uow, number, reason="工作单位为定点医药机构，暂不聘任")
    assert rejected.status == "rejected" and rejected.decided_on == T
    assert rejected.decision_note.startswith("工作单位")
    with pytest.raises(RuleViolation), seeded.uow("150102") as uow:
        supervisors.approve(uow, number)


def test_reject_needs_a_reason(seeded):
    number = make_id()
    apply(seeded, "150102", number)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.reject(uow, number, reason="  ")
    assert err.value.field == "--reason"


def test_unknown_person_is_named_masked(seeded):
    number = make_id()
    with pytest.raises(NotFound) as err, seeded.uow("150102") as uow:
        supervisors.approve(uow, number)
    assert number not in err.value.message
    assert number[:6] + "********" + number[-4:] in err.value.message


def test_person_of_another_department_is_not_found(seeded):
    number = make_id()
    appoint(seeded, "150103", number)
    with pytest.raises(NotFound), seeded.uow("150102", write=False) as uow:
        supervisors.show(uow, number)


# ── age range (a pack that has one) ───────────────────────────────────────


@pytest.fixture
def age_limited(seeded, monkeypatch, tmp_path):
    text = (resources.files("medisup.packs") / "data" / "nm-2024.toml").read_text("utf-8")
    text = text.replace("term_years = 2\n", 'term_years = 2\nage_range = [22, 65]\n'
                        'age_article = "第五条（七）"\n', 1)
    path = tmp_path / "nm-age.toml"
    path.write_text(text, encoding="utf-8")
    pack = load_pack_file(path)
    from medisup.services import departments

    monkeypatch.setattr(departments, "pack_of", lambda session, code: pack)
    return seeded


def test_term_running_past_the_upper_age_limit_is_refused(age_limited):
    birth = T.replace(year=T.year - 65) - timedelta(days=30) + timedelta(days=1)
    birth = date(birth.year, birth.month, min(birth.day, 28))
    number = make_id(birth=birth.strftime("%Y%m%d"))
    apply(age_limited, "150102", number)
    with pytest.raises(RuleViolation) as err, age_limited.uow("150102") as uow:
        supervisors.approve(uow, number)
    assert "66" in err.value.message and "第五条（七）" in err.value.message


def test_age_within_the_range_is_appointed(age_limited):
    number = make_id(birth="19900101")
    apply(age_limited, "150102", number)
    with age_limited.uow("150102") as uow:
        done = supervisors.approve(uow, number)
    ages = {f.criterion: f for f in done.application.findings}
    assert ages["age"].result == "met"


def test_too_young_is_not_met_at_application(age_limited):
    young = T.replace(year=T.year - 20, day=min(T.day, 28))
    result = apply(age_limited, "150102", make_id(birth=young.strftime("%Y%m%d")))
    assert [p.criterion for p in result.problems] == ["age"]
