"""The compiled catalogue: built once, reused by the next process, rebuilt when a file changes."""

from __future__ import annotations

import json
import os

from medisup import i18n
from medisup.dirs import cache_dir


def test_catalogue_is_cached_and_rebuilt_when_a_file_changes(monkeypatch):
    i18n.catalogue.cache_clear()
    strings = i18n.catalogue("zh")
    cached = cache_dir() / "catalogue-zh.json"
    doc = json.loads(cached.read_text(encoding="utf-8"))
    assert doc["strings"] == strings

    # A later process reads the cached file instead of parsing the TOML files.
    doc["strings"]["cli.aborted"] = "来自缓存"
    cached.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    i18n.catalogue.cache_clear()
    assert i18n.catalogue("zh")["cli.aborted"] == "来自缓存"

    # A catalogue file that changed (its stamp differs) makes it parse them again.
    doc["stamp"] = doc["stamp"].replace(":", ";", 1)
    cached.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    i18n.catalogue.cache_clear()
    assert i18n.catalogue("zh")["cli.aborted"] == strings["cli.aborted"]
    i18n.catalogue.cache_clear()


def test_unwritable_cache_only_costs_time(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("MEDISUP_CACHE_DIR", str(blocker / "sub"))
    i18n.catalogue.cache_clear()
    assert i18n.catalogue("zh")["cli.aborted"]
    assert not os.path.exists(blocker / "sub")
    i18n.catalogue.cache_clear()
