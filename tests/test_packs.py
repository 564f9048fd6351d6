"""Regulation packs: the shipped data, the lookups on it and the loader's validation."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from medisup import i18n
from medisup.errors import InvalidValue, PackError
from medisup.packs import (
    KINDS,
    TARGET_KINDS,
    available_packs,
    load_pack,
    load_pack_file,
)
from medisup.packs.model import chinese_number, english_article


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def english(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "en")


def shipped_text(name: str) -> str:
    return (resources.files("medisup.packs") / "data" / f"{name}.toml").read_text("utf-8")


NM_ITEMS = (
    [f"A{i}" for i in range(1, 10)]
    + [f"B{i}" for i in range(1, 7)]
    + [f"C{i}" for i in range(1, 5)]
    + [f"D{i}" for i in range(1, 6)]
    + ["E1"]
)


# ── the shipped packs ─────────────────────────────────────────────────────


def test_available_packs_are_the_two_shipped():
    assert available_packs() == ["gx-trial", "nm-2024"]


def test_shipped_pack_names_match_their_files():
    for name in available_packs():
        assert load_pack(name).name == name


def test_load_pack_is_cached():
    assert load_pack("nm-2024") is load_pack("nm-2024")
    assert len({load_pack("nm-2024"), load_pack("gx-trial")}) == 2


def test_unknown_pack_names_field_value_and_choices():
    with pytest.raises(InvalidValue) as caught:
        load_pack("hn-2025")
    message = caught.value.message
    assert "规则包" in message and "hn-2025" in message
    assert "gx-trial" in message and "nm-2024" in message


def test_nm_basic_terms():
    nm = load_pack("nm-2024")
    assert nm.region == "内蒙古自治区"
    assert nm.regulation == "内蒙古自治区医疗保障基金社会监督员管理办法"
    assert nm.role_title == "社会监督员"
    assert (nm.term_years, nm.term_article) == (2, "第十一条")
    assert nm.renewal_consent == "recorded"
    assert nm.on_term_end == "expire" and nm.auto_dismiss_ground is None
    assert nm.age_range is None and nm.quota is None
    assert nm.certificate_pattern == "{dept}-{year}-{seq:04d}"
    assert nm.certificate_pattern.format(dept="150102", year=2026, seq=7) == "150102-2026-0007"
    assert nm.meeting_duty is None


def test_gx_basic_terms():
    gx = load_pack("gx-trial")
    assert gx.region == "广西壮族自治区"
    assert gx.role_title == "社会义务监督员"
    assert (gx.term_years, gx.term_article) == (2, "广西办法第八条")
    assert gx.renewal_consent == "required"
    assert gx.on_term_end == "auto_dismiss"
    assert gx.auto_dismiss_ground == "term_expired"
    assert gx.item("termination_grounds", "term_expired").term_end
    duty = gx.meeting_duty
    assert (duty.kind, duty.per_year, duty.article) == ("forum", 1, "广西办法第十一条（一）")
    assert gx.label("activity_kinds", duty.kind) == "座谈会"


def test_nm_taxonomy_is_exactly_article_8():
    nm = load_pack("nm-2024")
    assert list(nm.codes("items")) == NM_ITEMS
    assert nm.codes("subjects") == ("A", "B", "C", "D", "E")
    a1 = nm.item("items", "A1")
    assert a1.label == "虚构医药服务，伪造医疗文书和票据，骗取医疗保障基金的"
    assert a1.short == "虚构医药服务、伪造文书票据"
    assert a1.article == "第八条（一）1"
    assert a1.subject == "A"
    assert nm.item("items", "B1").short == "盗刷凭证套现或购买非医疗物品"
    assert nm.item("items", "D1").short == "为非保障人员办理待遇手续"
    assert nm.item("items", "C4").label == "涉及参保人员的其他违法违规使用医保基金行为"
    e1 = nm.item("items", "E1")
    assert (e1.label, e1.article) == ("其他违法违规使用医保基金行为", "第八条（五）")


def test_every_item_has_labels_and_article():
    for name in available_packs():
        pack = load_pack(name)
        for kind in KINDS:
            for item in getattr(pack, kind):
                assert item.label and item.label_en and item.article, (name, kind, item.code)


def test_gx_taxonomy_adds_f_for_bureaus():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    assert list(gx.codes("items")) == NM_ITEMS + ["F1", "F2", "F3", "F4", "F5", "G1", "G2"]
    assert [gx.label("items", f"F{i}") for i in range(1, 6)] == [
        "依法行政",
        "廉洁自律",
        "办事效率",
        "服务质量",
        "其他",
    ]
    assert gx.item("items", "F1").article == "广西办法第六条（二）"
    assert gx.item("items", "F5").article == "广西办法第六条（二）"
    for code in NM_ITEMS:
        assert gx.label("items", code) == nm.label("items", code)


def test_gx_items_a_to_e_say_they_are_adopted_from_the_nm_list():
    """gx Art. 6(三) lists no cases: the A–E wording is Inner Mongolia's Art. 8, and the pack
    says so on every such subject and item, with the nm clause it was taken from."""
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    for code in NM_ITEMS:
        item = gx.item("items", code)
        assert item.adopted_from == "内蒙古办法" + nm.item("items", code).article
        assert item.cite() == f"{item.article}；条目表述沿用{item.adopted_from}"
        assert not item.article.startswith("第")  # a Guangxi clause, never a bare nm one
    for code in "ABCDE":
        assert gx.item("subjects", code).adopted_from.startswith("内蒙古办法第八条")
    for code in ("F1", "F5", "G1", "G2"):
        assert gx.item("items", code).adopted_from is None
        assert gx.item("items", code).cite() == gx.item("items", code).article


def test_gx_adopted_wording_is_verbatim_in_the_nm_regulation():
    text = (Path(__file__).resolve().parents[1].parent / "shared" / "regulations"
            / "nm-2024.zh.txt")
    if not text.exists():
        pytest.skip("regulation texts not at hand")
    body = text.read_text(encoding="utf-8")
    gx = load_pack("gx-trial")
    for item in gx.items:
        if item.adopted_from:
            assert item.label.rstrip("；。") in body, item.code


def test_gx_names_what_its_own_text_lists():
    """Art. 6(二) areas with its "等" (F5), Art. 6(三) institutions' services that are not
    fund use (G1), Art. 6(四) "违约" (G2) — each citing its clause."""
    gx = load_pack("gx-trial")
    assert gx.item("subjects", "F").article == "广西办法第六条（二）"
    assert gx.item("items", "G1").article == "广西办法第六条（三）"
    assert gx.item("items", "G2").article == "广西办法第六条（四）"
    assert gx.label("items", "G2") == "违约"
    assert gx.fits_target("G1", "pharmacy") and gx.fits_target("G2", "medical_institution")
    assert not gx.fits_target("G1", "insured_person")
    assert gx.resolve_item("违反医保服务协议").code == "G2"
    english_text = "Art. 6(2)"
    assert english_text in load_pack("gx-trial").item("items", "F5").article_en


def test_gx_rewards_only_fraud_subjects():
    """gx Art. 12 rewards proven reports of suspected fraud: A–E only, never F or G."""
    gx = load_pack("gx-trial")
    subject = lambda code: gx.item("items", code).subject  # noqa: E731
    for code in ("F1", "F5", "G1", "G2"):
        assert not gx.reward.rewards([code], subject), code
    for code in ("A1", "B3", "C2", "D3", "E1"):
        assert gx.reward.rewards([code], subject), code


def test_subjects_accept_their_target_kinds():
    gx = load_pack("gx-trial")
    assert gx.fits_target("A3", "medical_institution")
    assert not gx.fits_target("A3", "pharmacy")
    assert gx.fits_target("B1", "pharmacy")
    assert gx.fits_target("C2", "insured_person")
    assert gx.fits_target("D2", "agency")
    assert gx.fits_target("F4", "agency")
    assert not gx.fits_target("F4", "medical_institution")
    assert all(gx.fits_target("E1", kind) for kind in TARGET_KINDS)


def test_criteria():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    assert [c.article for c in nm.criteria] == [f"第五条（{n}）" for n in "一二三四五六"]
    citizen = nm.item("criteria", "citizen")
    assert citizen.auto == "citizen_id"
    assert citizen.label.startswith("中华人民共和国公民")
    assert [c.article for c in gx.criteria] == [
        *(f"广西办法第三条（{n}）" for n in "一二三四五"),
        "广西办法第四条",
    ]
    assert gx.criteria[-1].code == "pledge"
    assert [c.code for c in gx.criteria if c.preferred] == ["background"]
    assert not any(c.preferred for c in nm.criteria)


def test_channels_and_recommenders():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    assert [(c.code, c.label) for c in nm.channels] == [
        ("open", "公开选聘"),
        ("invited", "特邀聘任"),
        ("self", "个人自荐"),
        ("unit", "单位推荐"),
    ]
    assert nm.item("channels", "unit").needs_recommender
    assert not nm.item("channels", "self").needs_recommender
    assert [(c.code, c.label) for c in gx.channels] == [
        ("open", "公开选聘"),
        ("directed", "定向选聘"),
    ]
    assert gx.item("channels", "directed").needs_recommender
    assert [b.label for b in gx.recommending_bodies][:4] == [
        "卫生健康委",
        "中医药局",
        "人大",
        "政协",
    ]
    assert nm.recommending_bodies == ()


def test_categories_are_the_article_2_list_in_both():
    expected = [
        ("npc_deputy", "人大代表"),
        ("cppcc_member", "政协委员"),
        ("media", "媒体代表"),
        ("institution_rep", "定点医药机构代表"),
        ("expert", "专家学者"),
        ("insured", "参保群众"),
        ("other", "其他社会人士"),
    ]
    for name in available_packs():
        pack = load_pack(name)
        assert [(c.code, c.text(short=True)) for c in pack.categories] == expected


def test_backgrounds():
    gx = load_pack("gx-trial")
    assert [b.label for b in gx.backgrounds if b.preferred] == ["医药", "法律", "财务", "信息"]
    assert "other" in load_pack("nm-2024").codes("backgrounds")


def test_discipline_rules():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    assert [r.article for r in nm.discipline_rules] == [f"第九条（{n}）" for n in "一二三四五"]
    assert [r.article for r in gx.discipline_rules] == [
        f"广西办法第七条（{n}）" for n in "一二三四五六七"
    ]


def test_termination_grounds_and_their_flags():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    assert [g.article for g in nm.termination_grounds] == [
        f"第十二条（{n}）" for n in "一二三四五六"
    ]
    assert [g.article for g in gx.termination_grounds] == [
        f"广西办法第九条（{n}）" for n in "一二三四五六"
    ]
    assert [g.code for g in nm.termination_grounds if g.blocks_reapplication] == [
        "violation",
        "sanctioned",
        "false_info",
    ]
    assert [g.code for g in gx.termination_grounds if g.blocks_reapplication] == [
        "violation",
        "false_pledge",
    ]
    assert [g.code for g in nm.termination_grounds if g.referral] == ["violation"]
    assert "移交相关部门" in nm.item("termination_grounds", "violation").note
    # gx Art. 13: unlawful conduct "按照有关规定处理" — a referral may be decided
    assert [g.code for g in gx.termination_grounds if g.referral] == ["violation", "other"]
    assert "第十三条" in gx.item("termination_grounds", "violation").note
    for pack in (nm, gx):
        assert pack.ground("from_discipline").code == "violation"
        assert pack.ground("incompetence").code == "incompetent"
    assert nm.ground("term_end") is None
    assert gx.ground("term_end").code == "term_expired"


def test_report_channels_and_activity_kinds():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    for pack in (nm, gx):  # the texts' "等形式": an open list ending in 其他形式
        assert [c.label for c in pack.report_channels] == ["电话", "电子邮件", "来函", "来访",
                                                           "其他形式"]
        assert "report_channels" in pack.open_lists
    assert [k.label for k in nm.activity_kinds] == ["走访", "调研", "暗访", "监督检查"]
    assert [k.label for k in gx.activity_kinds] == ["座谈会", "专题会议", "监督检查", "通报会"]
    assert nm.item("activity_kinds", "inspection").article == "第十条（三）"


def test_deadlines_and_rewards():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    for pack in (nm, gx):
        rule = pack.deadlines
        assert (rule.accept_working_days, rule.handle_working_days) == (15, 30)
        assert rule.max_extension_working_days == 30
    assert nm.reward is None
    assert "未规定" in nm.reward_note
    assert gx.reward is not None and gx.reward.article == "广西办法第十二条"
    assert gx.reward.claim_months == 2


def test_term_end_is_start_plus_two_years_minus_a_day():
    nm = load_pack("nm-2024")
    assert nm.term_end(date(2024, 3, 1)) == date(2026, 2, 28)
    assert nm.term_end(date(2025, 1, 1)) == date(2026, 12, 31)
    assert nm.term_end(date(2026, 3, 1)) == date(2028, 2, 29)
    # A 29 February start has its anniversary on 28 February.
    assert nm.term_end(date(2024, 2, 29)) == date(2026, 2, 27)


def test_item_unknown_code_names_field_value_and_choices():
    nm = load_pack("nm-2024")
    with pytest.raises(InvalidValue) as caught:
        nm.item("termination_grounds", "fired")
    message = caught.value.message
    assert "解聘情形" in message and "fired" in message
    assert "violation" in message and "other" in message
    with pytest.raises(InvalidValue, match="F1"):
        nm.item("items", "F1")


def test_resolve_accepts_code_label_or_short():
    nm = load_pack("nm-2024")
    assert nm.resolve("items", "a1").code == "A1"
    assert nm.resolve("items", " 为非保障人员办理待遇手续 ").code == "D1"
    assert nm.resolve("categories", "专家学者").code == "expert"
    assert nm.resolve("channels", "单位推荐").code == "unit"
    with pytest.raises(InvalidValue):
        nm.resolve("items", "Z9")


def test_english_labels_and_articles(monkeypatch):
    english(monkeypatch)
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    assert nm.label("report_channels", "phone") == "telephone"
    assert nm.item("items", "A1").cite() == "Art. 8(1) item 1"
    assert gx.item("criteria", "background").cite() == "GX Art. 3(5)"
    assert gx.text("role_title") == "volunteer social supervisor"
    assert gx.cite("on_term_end_article") == "GX Art. 8, Art. 9(5)"
    assert nm.cite("term_article") == "Art. 11"
    with pytest.raises(InvalidValue) as caught:
        nm.item("channels", "bogus")
    assert "recruitment channel" in caught.value.message


def test_article_translation():
    assert chinese_number("十二") == 12 and chinese_number("二十一") == 21
    assert chinese_number("一百零五") == 105
    assert english_article("第二条、第六条（一）") == "Art. 2, Art. 6(1)"
    assert english_article("广西办法第九条（五）", {"广西办法": "GX"}) == "GX Art. 9(5)"
    assert english_article("某某办法第一条") == ""


def test_importing_packs_stays_light():
    code = (
        "import sys, medisup.packs as p; p.load_pack('gx-trial'); "
        "heavy = {'sqlalchemy', 'sqlmodel', 'chinese_calendar', 'openpyxl', 'typer', 'rich'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ── validation of malformed packs ─────────────────────────────────────────


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mutate(name: str, old: str, new: str, count: int = 1) -> str:
    text = shipped_text(name)
    assert old in text, old
    return text.replace(old, new, count)


def add_top_level(name: str, line: str) -> str:
    first = f'name = "{name}"\n'
    return mutate(name, first, first + line + "\n")


MALFORMED = [
    pytest.param(
        mutate("nm-2024", 'role_title = "社会监督员"\n', ""),
        "role_title",
        "缺少必填项",
        id="missing",
    ),
    pytest.param(
        mutate("nm-2024", "term_years = 2", 'term_years = "2"'),
        "term_years",
        "应为整数，实为文本",
        id="wrong-type",
    ),
    pytest.param(
        mutate("nm-2024", 'renewal_consent = "recorded"', 'renewal_consent = "maybe"'),
        "renewal_consent",
        "未知的代码“maybe”",
        id="bad-choice",
    ),
    pytest.param(
        mutate("nm-2024", 'code = "sanctioned"', 'code = "violation"'),
        "termination_grounds[1].code",
        "代码“violation”重复",
        id="duplicate-code",
    ),
    pytest.param(
        mutate("gx-trial", 'auto_dismiss_ground = "term_expired"', 'auto_dismiss_ground = "gone"'),
        "auto_dismiss_ground",
        "未知的代码“gone”",
        id="unknown-ground",
    ),
    pytest.param(
        mutate("nm-2024", 'on_term_end = "expire"', 'on_term_end = "auto_dismiss"'),
        "auto_dismiss_ground",
        "缺少必填项",
        id="auto-dismiss-needs-ground",
    ),
    pytest.param(
        mutate("nm-2024", 'code = "A1"\nsubject = "A"', 'code = "A1"\nsubject = "Z"'),
        "items[0].subject",
        "未知的代码“Z”",
        id="unknown-subject",
    ),
    pytest.param(
        mutate("nm-2024", 'code = "A2"', 'code = "B7"'),
        "items[1].code",
        "“B7”应为所属监督对象字母“A”加序号",
        id="item-code-off-subject",
    ),
    pytest.param(
        mutate("nm-2024", 'targets = ["pharmacy"]', 'targets = ["shop"]'),
        "subjects[1].targets[0]",
        "未知的代码“shop”",
        id="unknown-target-kind",
    ),
    pytest.param(
        mutate("gx-trial", 'kind = "forum"', 'kind = "banquet"'),
        "meeting_duty.kind",
        "未知的代码“banquet”",
        id="unknown-meeting-kind",
    ),
    pytest.param(
        mutate("gx-trial", "claim_months = 2", 'claim_months = 2\ndefault_level = "grade9"'),
        "reward.default_level",
        "未知的代码“grade9”",
        id="unknown-reward-level",
    ),
    pytest.param(
        mutate("gx-trial", 'rate = "4%"', 'rate = "four"'),
        "reward.levels[0].rate",
        "值“four”无效",
        id="bad-rate",
    ),
    pytest.param(
        mutate("gx-trial", 'uplift = "50%"', 'uplift = "50%"\nmultiplier = 1.5'),
        "reward.insider.uplift",
        "只能填一个",
        id="uplift-and-multiplier",
    ),
    pytest.param(
        mutate("gx-trial", "cap = 200000", "cap = 100"),
        "reward.cap",
        "上限不能低于下限",
        id="cap-below-floor",
    ),
    pytest.param(
        add_top_level("nm-2024", 'colour = "red"'), "colour", "未知的键", id="unknown-key"
    ),
    pytest.param(
        mutate("nm-2024", 'auto = "citizen_id"', 'auto = "face_scan"'),
        "criteria[0].auto",
        "未知的代码“face_scan”",
        id="unknown-auto-check",
    ),
    pytest.param(
        mutate("nm-2024", "from_discipline = true\n", ""),
        "termination_grounds",
        "from_discipline",
        id="no-discipline-ground",
    ),
    pytest.param(
        mutate("nm-2024", 'code = "self"', 'code = "Self Nomination"'),
        "channels[2].code",
        "值“Self Nomination”无效",
        id="code-not-a-slug",
    ),
    pytest.param(
        mutate("nm-2024", "[holiday_overrides]\n", "[holiday_overrides]\n2027-13-01 = true\n"),
        "holiday_overrides.2027-13-01",
        "应为日期",
        id="bad-holiday-date",
    ),
    pytest.param(
        mutate("nm-2024", "[holiday_overrides]\n", '[holiday_overrides]\n2027-02-06 = "yes"\n'),
        "holiday_overrides.2027-02-06",
        "应为布尔值",
        id="holiday-not-bool",
    ),
    pytest.param(
        mutate(
            "nm-2024",
            'certificate_pattern = "{dept}-{year}-{seq:04d}"',
            'certificate_pattern = "{dept}-{year}"',
        ),
        "certificate_pattern",
        "证书编号格式",
        id="pattern-without-sequence",
    ),
    pytest.param(
        mutate("nm-2024", "reward_note = ", "reward_remark = "),
        "reward_note",
        "缺少必填项",
        id="no-reward-no-note",
    ),
    pytest.param(
        mutate("nm-2024", "[[criteria]]", "[[criteria.entry]]", count=-1),
        "criteria",
        "应为数组，实为表",
        id="list-of-wrong-type",
    ),
]


@pytest.mark.parametrize(("text", "key", "problem"), MALFORMED)
def test_malformed_pack_names_file_key_and_problem(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(PackError) as caught:
        load_pack_file(path)
    message = caught.value.message
    assert "\n" not in message
    assert str(path) in message
    assert f"：{key}：" in message, message
    assert problem in message, message


def test_malformed_pack_message_in_english(tmp_path, monkeypatch):
    english(monkeypatch)
    path = write(tmp_path, mutate("nm-2024", 'code = "sanctioned"', 'code = "violation"'))
    with pytest.raises(PackError) as caught:
        load_pack_file(path)
    assert caught.value.message == (
        f"pack file {path}: termination_grounds[1].code: duplicate code 'violation' "
        "(already used at termination_grounds[0].code)"
    )


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(PackError, match="不是有效的 TOML"):
        load_pack_file(write(tmp_path, 'name = "x"\nname = \n'))
    with pytest.raises(PackError, match="无法读取"):
        load_pack_file(tmp_path / "absent.toml")


def test_pack_error_is_a_data_error_exit_status():
    from medisup.errors import ExitStatus

    assert PackError("x").exit_status == ExitStatus.DATA


def test_a_bureau_pack_with_limits_and_overrides(tmp_path):
    text = add_top_level(
        "nm-2024",
        'age_range = [22, 65]\nage_article = "海南办法第五条"\nquota = 30\nholiday_years = [2027]',
    ).replace('name = "nm-2024"', 'name = "hn-2025"', 1)
    text = text.replace("\nholiday_years = []\n", "\n", 1)
    text = text.replace(
        "[holiday_overrides]\n", "[holiday_overrides]\n2027-02-06 = true\n2027-02-08 = false\n"
    )
    pack = load_pack_file(write(tmp_path, text, "hn-2025.toml"))
    assert pack.name == "hn-2025"
    assert pack.age_range == (22, 65) and pack.quota == 30
    assert pack.holiday_overrides == {date(2027, 2, 6): True, date(2027, 2, 8): False}
    assert pack.holiday_years == (2027,)


def test_an_item_wording_shared_by_two_subjects_is_chosen_by_target_or_refused():
    """nm-2024 Art. 8: A8 and B3 read alike (为非定点医药机构提供刷卡记账服务); the wording alone
    must never silently give A8."""
    from medisup.errors import InvalidValue

    pack = load_pack("nm-2024")
    wording = pack.item("items", "B3").label
    assert pack.item("items", "A8").label == wording
    assert pack.resolve_item(wording, "pharmacy").code == "B3"
    assert pack.resolve_item(wording, "medical_institution").code == "A8"
    assert pack.resolve_item(pack.item("items", "B3").short, "pharmacy").code == "B3"
    with pytest.raises(InvalidValue) as err:
        pack.resolve_item(wording)
    assert "A8" in err.value.message and "B3" in err.value.message
    assert pack.resolve_item("b3").code == "B3"


REGULATIONS = Path(__file__).resolve().parents[2] / "shared" / "regulations"


def _art8(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """Subject headings and items of nm-2024 Art. 8 as the regulation writes them."""
    body = text.split("第八条", 1)[1].split("第九条", 1)[0]
    letters = "ABCDE"
    numerals = "一二三四五"
    subjects: dict[str, str] = {}
    items: dict[str, str] = {}
    current = ""
    for line in body.splitlines():
        line = line.strip()
        if line.startswith("（") and line[1] in numerals:
            current = letters[numerals.index(line[1])]
            subjects[current] = line[3:].rstrip("。；;.")
        elif line[:1].isdigit() and current:
            number, wording = line.split(".", 1)
            items[f"{current}{number}"] = wording.strip().rstrip("。；;.")
    return subjects, items


@pytest.mark.skipif(not (REGULATIONS / "nm-2024.zh.txt").exists(), reason="regulations not here")
def test_nm_art_8_wording_is_the_regulation_verbatim():
    subjects, items = _art8((REGULATIONS / "nm-2024.zh.txt").read_text(encoding="utf-8"))
    nm = load_pack("nm-2024")
    assert {s.code: s.label for s in nm.subjects} == subjects
    items.setdefault("E1", subjects["E"])  # (五) is a heading and its only item at once
    assert {i.code: i.label for i in nm.items} == items
    # Short labels keep what tells items apart: no two items of a pack share one.
    for pack in (nm, load_pack("gx-trial")):
        for attr in ("short", "short_en"):
            shorts = [getattr(i, attr) for i in pack.items if getattr(i, attr)]
            assert len(shorts) == len(set(shorts)), (pack.name, attr)
