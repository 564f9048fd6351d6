"""The eligibility review, pure: each pack criterion and each automatic check, with the
clause it cites, and what stands in the way of an appointment."""

from __future__ import annotations

import dataclasses
from datetime import date
from importlib import resources

import pytest

from medisup import i18n
from medisup.errors import InvalidValue
from medisup.packs import load_pack, load_pack_file
from medisup.services.supervisors import eligibility
from medisup.services.supervisors.eligibility import BlockingTermination, History, ServingFact

NM = load_pack("nm-2024")
GX = load_pack("gx-trial")
ON = date(2025, 3, 1)


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def age_pack(tmp_path, low: int = 22, high: int = 65):
    """nm-2024 with an age range, as another province's pack would declare it."""
    text = (resources.files("medisup.packs") / "data" / "nm-2024.toml").read_text("utf-8")
    text = text.replace("term_years = 2\n", f'term_years = 2\nage_range = [{low}, {high}]\n'
                        'age_article = "第五条（七）"\n', 1)
    path = tmp_path / "nm-age.toml"
    path.write_text(text, encoding="utf-8")
    return load_pack_file(path)


def review(pack=NM, *, declared=None, history=History(), birth=date(1980, 5, 1),
           region_known=True, **kw):
    return eligibility.evaluate(pack, birth_date=birth, region_code="150102",
                                region_known=region_known, declared=declared or {},
                                history=history, on=ON, **kw)


def by_code(checks):
    return {c.code: c for c in checks}


def test_every_criterion_reviewed_in_pack_order_with_its_article():
    checks = review()
    codes = [c.code for c in checks]
    assert codes[:6] == list(NM.codes("criteria"))
    assert codes[6:] == ["id_valid", "not_serving", "no_blocking_termination"]
    found = by_code(checks)
    assert found["dedication"].article == "第五条（二）"
    assert found["dedication"].result == "not_checked"


def test_citizen_criterion_is_the_reviewers_the_id_check_only_informs_it():
    # nm Art. 5(一) has two halves; a valid ID number proves neither fully.
    citizen = by_code(review())["citizen"]
    assert citizen.result == "not_checked" and not citizen.automatic
    assert citizen.article == "第五条（一）" and "公民身份的证据" in citizen.note
    assert [p.code for p in eligibility.problems(review())][0] == "citizen"
    kept = by_code(review(declared={"citizen": ("not_checked", None)}))["citizen"]
    assert kept.result == "not_checked"
    met = by_code(review(declared={"citizen": ("met", "已面谈")}))["citizen"]
    assert met.result == "met" and met.note == "已面谈"


def test_nine_prefixed_number_is_not_a_citizens_resident_id():
    from medisup.identifiers import id_check_digit, is_foreign_permanent_resident_number
    body = "91010219800501001"
    number = body + id_check_digit(body)
    assert is_foreign_permanent_resident_number(number)
    assert not is_foreign_permanent_resident_number("150102198005010011")
    found = by_code(review(id_number=number, region_known=False))
    assert found["id_valid"].result == "warning" and "永久居留" in found["id_valid"].note
    assert found["citizen"].result == "not_checked" and "永久居留" in found["citizen"].note
    refused = by_code(review(declared={"citizen": ("not_met", "非中国公民")}))["citizen"]
    assert refused.result == "not_met" and refused.note == "非中国公民"


def test_all_met_leaves_no_problem():
    declared = eligibility.declared_findings(NM, all_met=True)
    assert eligibility.problems(review(declared=declared)) == []


def test_not_checked_and_not_met_block():
    declared = eligibility.declared_findings(NM, ["integrity=not_met:有失信记录"], all_met=True)
    problems = eligibility.problems(review(declared=declared))
    assert [p.code for p in problems] == ["integrity"]
    assert eligibility.describe(problems[0]) == "第五条（三）坚持原则，诚实守信：不符合"


def test_preferred_criterion_never_blocks():
    declared = eligibility.declared_findings(GX, ["background=not_met"], all_met=True)
    checks = review(GX, declared=declared)
    assert by_code(checks)["background"].preferred
    assert eligibility.problems(checks) == []


def test_gx_pledge_is_a_criterion():
    declared = eligibility.declared_findings(GX, ["pledge=not_checked"], all_met=True)
    problems = eligibility.problems(review(GX, declared=declared))
    assert [p.code for p in problems] == ["pledge"] and problems[0].article == "广西办法第四条"


def test_unknown_birthplace_is_a_warning_that_does_not_block():
    checks = review(declared=eligibility.declared_findings(NM, all_met=True), region_known=False)
    assert by_code(checks)["id_valid"].result == "warning"
    assert eligibility.problems(checks) == []


def test_serving_elsewhere_is_not_met():
    facts = History(serving=(ServingFact("450102", date(2024, 1, 1), date(2025, 12, 31)),))
    check = by_code(review(history=facts))["not_serving"]
    assert check.result == "not_met" and "450102" in check.note


def test_blocking_termination_needs_an_override():
    facts = History(blocking=(BlockingTermination("150102", "violation", "违反工作纪律",
                                                  "第十二条（一）", date(2024, 6, 1)),))
    declared = eligibility.declared_findings(NM, all_met=True)
    checks = review(declared=declared, history=facts)
    blocking = by_code(checks)["no_blocking_termination"]
    assert blocking.result == "blocking" and blocking.article == "第十二条（一）"
    assert [p.code for p in eligibility.problems(checks)] == ["no_blocking_termination"]
    overridden = review(declared=declared, history=facts, override_reason="已查明系误解")
    assert "已查明系误解" in by_code(overridden)["no_blocking_termination"].note
    assert eligibility.problems(overridden, overridden=True) == []


def test_no_age_check_without_an_age_range():
    assert "age" not in by_code(review())


def test_age_range_at_start(tmp_path):
    pack = age_pack(tmp_path)
    young = by_code(review(pack, birth=date(2004, 1, 1)))["age"]
    assert young.result == "not_met" and young.article == "第五条（七）" and "21" in young.note
    fine = by_code(review(pack, birth=date(1980, 1, 1)))["age"]
    assert fine.result == "met"


def test_term_may_not_run_past_the_upper_age_limit(tmp_path):
    pack = age_pack(tmp_path, high=65)
    birth = date(1960, 6, 1)  # 64 on 2025-03-01, turns 66 on 2026-06-01
    start = ON
    end = pack.term_end(start)  # 2027-02-28
    check = eligibility.age_check(pack, birth, start, end)
    assert check.result == "not_met"
    assert "2026-06-01" in check.note and "66" in check.note
    # a term ending the day before the 66th birthday is fine
    assert eligibility.age_check(pack, birth, start, date(2026, 5, 31)).result == "met"


@pytest.mark.parametrize("text, expected", [
    ("integrity=met", ("integrity", "met", None)),
    ("integrity=met:单位出具证明", ("integrity", "met", "单位出具证明")),
    ("坚持原则，诚实守信=不符合：有失信记录", ("integrity", "not_met", "有失信记录")),
    ("competence=not_checked", ("competence", "not_checked", None)),
])
def test_finding_option_forms(text, expected):
    assert eligibility.parse_finding(NM, text) == expected


@pytest.mark.parametrize("text, value", [
    ("integrity", "integrity"),
    ("honesty=met", "honesty"),
    ("integrity=maybe", "integrity=maybe"),
])
def test_bad_finding_names_the_value(text, value):
    with pytest.raises(InvalidValue) as err:
        eligibility.parse_finding(NM, text)
    assert value.split("=")[-1] in err.value.message


def test_channel_with_recommending_body():
    assert eligibility.check_channel(NM, "公开选聘") == ("open", None)
    assert eligibility.check_channel(NM, "unit", "某某医院") == ("unit", "某某医院")
    assert eligibility.check_channel(GX, "定向选聘", "卫生健康委") == ("directed", "health_commission")
    with pytest.raises(InvalidValue) as err:
        eligibility.check_channel(GX, "directed")
    assert "推荐单位" in err.value.message and "广西办法第五条（二）" in err.value.message
    # gx Art. 5(二) "等部门": the list is open, a body not listed keeps its name
    assert eligibility.check_channel(GX, "directed", "教育厅") == ("directed", "教育厅")
    assert eligibility.check_channel(GX, "directed", "其他部门:教育厅") == ("directed", "教育厅")
    with pytest.raises(InvalidValue) as err:
        eligibility.check_channel(GX, "directed", "其他部门")  # names nobody
    assert "广西办法第五条（二）" in err.value.message
    closed = dataclasses.replace(GX, open_lists=())
    with pytest.raises(InvalidValue) as err:
        eligibility.check_channel(closed, "directed", "教育厅")
    assert "教育厅" in err.value.message
    with pytest.raises(InvalidValue):
        eligibility.check_channel(NM, "open", "某单位")
    with pytest.raises(InvalidValue) as err:
        eligibility.check_channel(GX, "self")
    assert "self" in err.value.message
