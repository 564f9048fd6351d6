"""Catalogues: every key the code uses exists in Chinese and English, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from medisup import i18n

ROOT = Path(__file__).resolve().parent.parent / "medisup"
LITERAL = re.compile(r"""\bt\(\s*"([a-z0-9_.]+)"\s*[,)]""")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_languages_have_the_same_keys():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []


def test_placeholders_agree():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    differ = [k for k in zh if k in en and _fields(zh[k]) != _fields(en[k])]
    assert differ == []


def test_every_literal_key_used_in_code_exists():
    zh = i18n.catalogue("zh")
    used = set()
    for path in ROOT.rglob("*.py"):
        used.update(LITERAL.findall(path.read_text(encoding="utf-8")))
    assert sorted(k for k in used if k not in zh) == []


@pytest.mark.parametrize("lang,expected", [("zh", "部门"), ("en", "Departments")])
def test_language_switch(monkeypatch, lang, expected):
    monkeypatch.setenv("MEDISUP_LANG", lang)
    i18n._language = None
    assert i18n.t("dept.list_title") == expected


def test_missing_english_falls_back_to_chinese(monkeypatch):
    monkeypatch.setenv("MEDISUP_LANG", "en")
    assert i18n.t("no.such.key") == "no.such.key"


@pytest.mark.parametrize("lang,expected", [("zh", "同一线索有 2 笔有效奖励"),
                                           ("en", "2 live rewards for one lead")])
def test_translator_speaks_the_language_in_force(monkeypatch, lang, expected):
    """What `check` uses for its many lines: the language looked up once, the same text."""
    monkeypatch.setenv("MEDISUP_LANG", lang)
    i18n._language = None
    say = i18n.translator()
    assert say("lead.check.duplicate_reward", count=2) == expected
    assert say("dept.list_title") == i18n.t("dept.list_title")


def test_translator_falls_back_as_t_does(monkeypatch):
    monkeypatch.setenv("MEDISUP_LANG", "en")
    say = i18n.translator()
    assert say("no.such.key") == "no.such.key"
    assert say("lead.check.not_serving", name="张三") == i18n.t("lead.check.not_serving",
                                                               name="张三")
