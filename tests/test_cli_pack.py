"""`medisup pack list/show` as a user runs it, and a bureau's own pack file."""

from __future__ import annotations

import json
from pathlib import Path

import medisup.packs as packs


def test_pack_list(bare_cli):
    result = bare_cli("pack", "list", "-f", "json", dept=None)
    assert result.exit_code == 0
    names = [p["name"] for p in json.loads(result.stdout)]
    assert names == ["gx-trial", "nm-2024"]


def test_pack_show_nm_taxonomy_and_grounds(bare_cli):
    result = bare_cli("pack", "show", "nm-2024", "-f", "json", dept=None)
    doc = json.loads(result.stdout)
    codes = [i["code"] for i in doc["items"]]
    assert codes == [f"A{i}" for i in range(1, 10)] + [f"B{i}" for i in range(1, 7)] + \
        [f"C{i}" for i in range(1, 5)] + [f"D{i}" for i in range(1, 6)] + ["E1"]
    a1 = doc["items"][0]
    assert a1["label"] == "虚构医药服务，伪造医疗文书和票据，骗取医疗保障基金的"
    assert a1["article"].startswith("第八条（一）")
    assert [g["code"] for g in doc["termination_grounds"]][:3] == ["violation", "sanctioned", "false_info"]
    assert "未规定" in doc["reward"]
    for kind in ("criteria", "channels", "categories", "discipline_rules", "report_channels",
                 "activity_kinds"):
        assert doc[kind] and all(i["code"] and i["label"] and i["article"] for i in doc[kind])


def test_pack_show_gx_adds_f_items_and_reward(bare_cli):
    doc = json.loads(bare_cli("pack", "show", "gx-trial", "-f", "json", dept=None).stdout)
    assert [i["code"] for i in doc["items"]][-7:] == ["F1", "F2", "F3", "F4", "F5", "G1", "G2"]
    assert "200,000" in doc["reward"]
    assert "自然解聘" in doc["on_term_end"]


def test_pack_show_table_is_chinese(bare_cli):
    result = bare_cli("pack", "show", "nm-2024", dept=None)
    assert "线索分类" in result.stdout or "监督范围" in result.stdout
    assert "第十二条（一）" in result.stdout


def test_unknown_pack(bare_cli):
    result = bare_cli("pack", "show", "hn-2025", dept=None)
    assert result.exit_code == 1 and "hn-2025" in result.stderr


def _broken_copy(tmp_path: Path) -> Path:
    source = Path(packs.__file__).parent / "data" / "nm-2024.toml"
    text = source.read_text(encoding="utf-8").replace('code = "resigned"', 'code = "violation"', 1)
    target = tmp_path / "broken.toml"
    target.write_text(text, encoding="utf-8")
    return target


def test_malformed_pack_file_named_with_key_and_problem(bare_cli, tmp_path):
    target = _broken_copy(tmp_path)
    result = bare_cli("pack", "show", str(target), dept=None)
    assert result.exit_code == 3
    line = result.stderr.strip()
    assert "broken.toml" in line and "termination_grounds" in line and "violation" in line
    assert len(line.splitlines()) == 1


def test_bureau_pack_in_user_folder(bare_cli, tmp_path):
    source = Path(packs.__file__).parent / "data" / "nm-2024.toml"
    folder = packs.user_pack_dir()
    folder.mkdir(parents=True)
    (folder / "hn-2025.toml").write_text(
        source.read_text(encoding="utf-8").replace('name = "nm-2024"', 'name = "hn-2025"', 1),
        encoding="utf-8")
    result = bare_cli("pack", "list", "-f", "json", dept=None)
    assert "hn-2025" in [p["name"] for p in json.loads(result.stdout)]
    shown = bare_cli("pack", "show", "hn-2025", "-f", "json", dept=None)
    assert json.loads(shown.stdout)["name"] == "hn-2025"


def test_lead_number_pattern_is_pack_data(tmp_path):
    source = Path(packs.__file__).parent / "data" / "nm-2024.toml"
    text = source.read_text(encoding="utf-8")
    own = tmp_path / "own.toml"
    own.write_text(text.replace('lead_number_pattern = "{dept}-{year}-{seq:04d}"',
                                'lead_number_pattern = "XS{dept}{year}{seq:05d}"'), encoding="utf-8")
    assert packs.load_pack_file(own).lead_number_pattern == "XS{dept}{year}{seq:05d}"
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('lead_number_pattern = "{dept}-{year}-{seq:04d}"',
                                'lead_number_pattern = "{dept}-{year}"'), encoding="utf-8")
    import pytest

    from medisup.errors import PackError

    with pytest.raises(PackError) as err:
        packs.load_pack_file(bad)
    assert "lead_number_pattern" in err.value.message


def _pack_show(bare_cli, name: str) -> dict:
    result = bare_cli("pack", "show", name, "-f", "json", dept=None)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_pack_show_prints_every_rule_with_its_article(bare_cli):
    """Every pack-level article the pack holds is printed, beside what it rules."""
    from dataclasses import fields

    for name in ("nm-2024", "gx-trial"):
        pack = packs.load_pack(name)
        text = json.dumps(_pack_show(bare_cli, name), ensure_ascii=False)
        for f in fields(pack):
            value = getattr(pack, f.name)
            if f.name.endswith("_article") and value:
                assert value in text, (name, f.name)
        if pack.meeting_duty:
            assert pack.meeting_duty.article in text
        assert pack.deadlines.article in text


def test_pack_show_carries_complaints_open_lists_recusal_grounds_and_reward_scope(bare_cli):
    nm = _pack_show(bare_cli, "nm-2024")
    assert "第十五条" in nm["complaint_article"]
    assert "反映方式" in nm["open_lists"] and "第十条（二）" in nm["open_lists"]
    assert "recusal" in nm["recusal_rule"] and "第九条（四）" in nm["recusal_rule"]
    assert "violation" in nm["discipline_ground"] and "第十二条（一）" in nm["discipline_ground"]
    assert "第六条" in nm["health_article"] and "第六条" in nm["recruitment_article"]
    assert nm["reward_eligible"] == "无"
    gx = _pack_show(bare_cli, "gx-trial")
    assert "A、B、C、D、E" in gx["reward_eligible"] and "第十二条" in gx["reward_eligible"]
    assert gx["complaint_article"] == "无"
    assert "推荐单位" in gx["open_lists"] and "广西办法第五条（二）" in gx["open_lists"]
    assert "广西办法第三条（四）" in gx["health_article"]
    grounds = {g["code"]: g for g in gx["termination_grounds"]}
    assert "第十三条" in grounds["violation"]["note"]
    assert any("违纪" in f for f in grounds["violation"]["flags"])
    items = {i["code"]: i for i in gx["items"]}
    assert items["A1"]["adopted_from"] == "内蒙古办法第八条（一）1"
    assert "沿用内蒙古办法第八条（一）1" in items["A1"]["article"]
    assert items["G2"]["adopted_from"] is None and items["G2"]["article"] == "广西办法第六条（四）"
    kinds = {k["code"]: k for k in nm["activity_kinds"]}
    assert any("保密" in f for f in kinds["mystery_visit"]["flags"])


def test_pack_show_table_names_the_adopted_wording(bare_cli):
    out = bare_cli("pack", "show", "gx-trial", dept=None, env={"COLUMNS": "250"}).stdout
    assert "表述沿用内蒙古办法" in out and "违约" in out and "奖励范围" in out
