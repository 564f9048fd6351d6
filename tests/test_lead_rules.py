"""Per-row lead rules without a database: taxonomy of both packs, targets and credit
codes, amounts, conflicts of interest, the status machine and lead numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from helpers_leads import HOSPITAL, HOSPITAL_CODE, OTHER_HOSPITAL_CODE, PHARMACY_CODE

from medisup import i18n, identifiers
from medisup.errors import InvalidValue, RuleViolation
from medisup.packs import TARGET_KINDS, load_pack
from medisup.services.leads import rules, taxonomy


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


NM, GX = load_pack("nm-2024"), load_pack("gx-trial")


# ── taxonomy ──────────────────────────────────────────────────────────────


def test_nm_taxonomy_is_art_8():
    tree = taxonomy(NM)
    assert [(s.code, len(s.items)) for s in tree] == [
        ("A", 9), ("B", 6), ("C", 4), ("D", 5), ("E", 1)]
    a = tree[0]
    assert a.label == "涉及对定点医疗机构及其工作人员的监督" and a.article == "第八条（一）"
    assert a.targets == ("medical_institution",)
    assert a.items[0].code == "A1" and a.items[0].label.startswith("虚构医药服务")
    assert a.items[0].article == "第八条（一）1"
    assert set(tree[4].targets) == set(TARGET_KINDS)


def test_gx_taxonomy_adds_f_for_bureaus():
    tree = taxonomy(GX)
    assert [s.code for s in tree] == ["A", "B", "C", "D", "E", "F", "G"]
    f, g = tree[-2], tree[-1]
    assert [i.code for i in f.items] == ["F1", "F2", "F3", "F4", "F5"]
    assert [i.label for i in f.items] == ["依法行政", "廉洁自律", "办事效率", "服务质量", "其他"]
    assert f.targets == ("agency",)
    assert f.article == "广西办法第六条（二）"
    # Art. 6(三) services of institutions (not fund use) and Art. 6(四) "违约"
    assert [(i.code, i.article) for i in g.items] == [("G1", "广西办法第六条（三）"),
                                                      ("G2", "广西办法第六条（四）")]
    assert g.targets == ("medical_institution", "pharmacy")
    # the A–E wording is the Inner Mongolia list, and the citation says so
    assert tree[0].items[0].article == "广西办法第六条（三）；条目表述沿用内蒙古办法第八条（一）1"


@pytest.mark.parametrize(
    ("pack", "code", "kind"),
    [
        (NM, "A1", "medical_institution"), (NM, "A9", "medical_institution"),
        (NM, "B3", "pharmacy"), (NM, "C2", "insured_person"), (NM, "D4", "agency"),
        (NM, "E1", "other"), (NM, "E1", "pharmacy"), (GX, "F2", "agency"),
        (GX, "A5", "medical_institution"),
    ],
)
def test_code_fits_its_subjects_target(pack, code, kind):
    assert rules.check_items(pack, [code], kind) == (code,)


@pytest.mark.parametrize(
    ("pack", "code", "kind", "subject"),
    [
        (NM, "A1", "pharmacy", "A"),
        (NM, "B1", "medical_institution", "B"),
        (NM, "C1", "agency", "C"),
        (NM, "D1", "insured_person", "D"),
        (GX, "F1", "medical_institution", "F"),
    ],
)
def test_code_target_mismatch_names_code_subject_and_kinds(pack, code, kind, subject):
    with pytest.raises(InvalidValue) as err:
        rules.check_items(pack, ["E1", code], kind)
    message = err.value.message
    assert code in message and f"{subject} " in message
    assert rules.target_label(kind) in message
    for allowed in pack.item("subjects", subject).targets:
        assert rules.target_label(allowed) in message
    assert "\n" not in message


@pytest.mark.parametrize(("pack", "code"), [(NM, "A10"), (NM, "F1"), (GX, "H1"), (NM, "X")])
def test_unknown_code_is_refused(pack, code):
    with pytest.raises(InvalidValue) as err:
        rules.check_items(pack, [code], "medical_institution")
    assert f"“{code}”" in err.value.message and "线索分类" in err.value.message


def test_codes_by_label_lower_case_and_duplicates():
    assert rules.check_items(NM, ["a1", "虚构医药服务、伪造文书票据", "A5", "A1"],
                             "medical_institution") == ("A1", "A5")


def test_no_code_at_all_is_refused():
    with pytest.raises(InvalidValue):
        rules.check_items(NM, ["", " "], "medical_institution")


def test_split_codes():
    assert rules.split_codes(["A1,A2", "B3、C4", "E1 D2"]) == ["A1", "A2", "B3", "C4", "E1", "D2"]
    assert rules.split_codes(None) == []


def test_channel_by_code_or_label():
    assert rules.check_channel(NM, "来访") == "visit"
    assert rules.check_channel(NM, "phone") == "phone"
    assert rules.check_channel(NM, "微信") == "微信"  # nm Art. 10(二) 等形式: kept as written
    with pytest.raises(InvalidValue):
        rules.check_channel(NM, "其他形式")


# ── amounts ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12800", Decimal("12800.00")), ("1,234.5", Decimal("1234.50")),
        ("１２３元", Decimal("123.00")), (Decimal("0"), Decimal("0.00")), (7, Decimal("7.00")),
        ("", None), (None, None), (" 12.30 ", Decimal("12.30")),
    ],
)
def test_amounts_accepted(value, expected):
    assert rules.check_amount(value) == expected


@pytest.mark.parametrize("value", ["-1", "abc", "1.234", "NaN", "Infinity", "1e20", True, -5])
def test_bad_amounts_name_field_and_value(value):
    with pytest.raises(InvalidValue) as err:
        rules.check_amount(value)
    assert err.value.message.startswith("涉案金额的值")
    assert f"“{value}”" in err.value.message


# ── targets and credit codes ─────────────────────────────────────────────


def test_credit_code_check_character_agrees_with_stdnum():
    from stdnum.cn import uscc

    for code in (HOSPITAL_CODE, OTHER_HOSPITAL_CODE, PHARMACY_CODE, "91110000600037341L"):
        assert identifiers.is_valid_credit_code(code)
        assert uscc.is_valid(code)


@pytest.mark.parametrize(
    "code",
    [HOSPITAL_CODE[:-1] + ("0" if HOSPITAL_CODE[-1] != "0" else "1"), "9115010", "I" * 18,
     "91150100MA0N0AB12O"],
)
def test_bad_credit_code_is_refused(code):
    with pytest.raises(InvalidValue) as err:
        rules.check_target("medical_institution", "某医院", code)
    assert "统一社会信用代码" in err.value.message and code in err.value.message


def test_credit_code_is_normalised():
    assert rules.check_target("medical_institution", "某医院", " " + HOSPITAL_CODE.lower() + " "
                              ).credit_code == HOSPITAL_CODE
    assert rules.check_target("agency", "某公司", "").credit_code is None


def test_institution_target_needs_name_and_credit_code():
    target = rules.check_target("medical_institution", f"  {HOSPITAL} ", HOSPITAL_CODE)
    assert target == rules.Target("medical_institution", HOSPITAL, HOSPITAL_CODE)
    with pytest.raises(InvalidValue) as err:
        rules.check_target("pharmacy", "某药房", None)
    assert "统一社会信用代码" in err.value.message and "定点零售药店" in err.value.message
    with pytest.raises(InvalidValue) as err:
        rules.check_target("medical_institution", "  ", HOSPITAL_CODE)
    assert "被反映对象名称" in err.value.message


def test_person_and_agency_targets():
    assert rules.check_target("参保人员", "李四").kind == "insured_person"
    with pytest.raises(InvalidValue):
        rules.check_target("insured_person", "李四", HOSPITAL_CODE)
    assert rules.check_target("agency", "某医保经办中心").credit_code is None
    with pytest.raises(InvalidValue):
        rules.check_target("agency", "", None)
    with pytest.raises(InvalidValue) as err:
        rules.check_target("hospital", "某院", HOSPITAL_CODE)
    assert "被反映对象类型" in err.value.message and "hospital" in err.value.message


# ── conflicts ─────────────────────────────────────────────────────────────


def interest(name, code=None):
    return SimpleNamespace(institution_name=name, credit_code=code)


def test_conflict_by_credit_code():
    target = rules.Target("medical_institution", "改了名的医院", HOSPITAL_CODE)
    found = rules.conflict_of([interest("别的医院", PHARMACY_CODE),
                               interest(HOSPITAL, HOSPITAL_CODE)], target)
    assert found.institution_name == HOSPITAL


def test_conflict_by_normalised_name_when_a_code_is_missing():
    target = rules.Target("medical_institution", "呼和浩特市（某某）医院", HOSPITAL_CODE)
    assert rules.conflict_of([interest("呼和浩特市 (某某) 医院")], target) is not None
    assert rules.conflict_of([interest("呼和浩特市某某医院二部")], target) is None


def test_different_codes_are_no_conflict_even_with_the_same_name():
    target = rules.Target("medical_institution", HOSPITAL, HOSPITAL_CODE)
    assert rules.conflict_of([interest(HOSPITAL, OTHER_HOSPITAL_CODE)], target) is None
    assert rules.conflict_of([], target) is None


# ── status machine ────────────────────────────────────────────────────────

ALLOWED = {
    ("received", "in_progress"), ("in_progress", "verified"), ("in_progress", "unfounded"),
    ("in_progress", "referred"), ("verified", "closed"), ("unfounded", "closed"),
    ("referred", "closed"),
}


@pytest.mark.parametrize("current", rules.STATUSES)
@pytest.mark.parametrize("requested", rules.STATUSES)
def test_every_transition(current, requested):
    if (current, requested) in ALLOWED:
        rules.check_transition(current, requested)
        return
    with pytest.raises(RuleViolation) as err:
        rules.check_transition(current, requested)
    message = err.value.message
    assert rules.status_label(current) in message and rules.status_label(requested) in message
    for nxt in rules.TRANSITIONS[current]:
        assert rules.status_label(nxt) in message


def test_statuses_by_code_or_label_in_either_language():
    assert rules.resolve_status("已查实") == "verified"
    assert rules.resolve_status("In Progress") == "in_progress"
    assert rules.resolve_status(" closed ") == "closed"
    with pytest.raises(InvalidValue):
        rules.resolve_status("done")


def test_overdue_rule():
    accept, handle = date(2024, 10, 23), date(2024, 11, 13)
    assert not rules.is_overdue("received", accept, handle, date(2024, 10, 23))
    assert rules.is_overdue("received", accept, handle, date(2024, 10, 24))
    assert not rules.is_overdue("in_progress", accept, handle, date(2024, 10, 24))
    assert rules.is_overdue("verified", accept, handle, date(2024, 11, 14))
    assert not rules.is_overdue("closed", accept, handle, date(2030, 1, 1))
    assert rules.due_date("received", accept, handle) == accept
    assert rules.due_date("referred", accept, handle) == handle
    assert rules.due_date("closed", accept, handle) is None


def test_numbers():
    assert rules.number("150102", 2026, 7) == "150102-2026-0007"
    assert rules.number("150102", 2026, 12345) == "150102-2026-12345"
    assert rules.counter_name("150102", 2026) == "lead:150102:2026"


# ── one step, shared by lead update --to and the import ──────────────────


def test_step_needs_what_each_status_needs():
    rules.step("received", "in_progress", outcome=None, handling_unit="稽核科",
               referral_target=None, verified_amount=None)
    with pytest.raises(InvalidValue) as err:
        rules.step("received", "in_progress", outcome=None, handling_unit=None,
                   referral_target=None, verified_amount=None)
    assert err.value.field == rules.t("lead.field.handling_unit")
    with pytest.raises(InvalidValue):
        rules.step("in_progress", "referred", outcome="referred", handling_unit="稽核科",
                   referral_target=None, verified_amount=None)
    with pytest.raises(RuleViolation):
        rules.step("verified", "closed", outcome="verified", handling_unit="稽核科",
                   referral_target=None, verified_amount=None, number="150000-2026-0001")
    with pytest.raises(RuleViolation):
        rules.step("received", "closed", outcome=None, handling_unit=None,
                   referral_target=None, verified_amount=None)


def test_status_path_and_outcome_amounts():
    assert rules.status_path("received", "verified") == ["in_progress", "verified"]
    with pytest.raises(RuleViolation):
        rules.status_path("received", "closed")  # the outcome must be said
    assert rules.outcome_amounts(None, Decimal("5"), on_file=(Decimal("10"), None)) == (
        Decimal("10"), Decimal("5"))
    with pytest.raises(RuleViolation):
        rules.outcome_amounts(None, Decimal("5"), on_file=(None, None))
    with pytest.raises(InvalidValue):
        rules.outcome_amounts(Decimal("3"), Decimal("5"), on_file=(None, None))


def test_b3_is_chosen_by_its_wording_for_a_pharmacy():
    """nm Art. 8: A8 and B3 share their wording; a pharmacy lead given the wording gets B3."""
    from medisup.packs import load_pack

    pack = load_pack("nm-2024")
    wording = pack.item("items", "B3").label
    assert rules.check_items(pack, [wording], "pharmacy") == ("B3",)
    assert rules.check_items(pack, [wording], "medical_institution") == ("A8",)
