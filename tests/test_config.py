"""Configuration: file → environment → option, read once."""

from __future__ import annotations

from medisup import config


def test_file_then_env_then_option(monkeypatch, _isolated_user):
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('operator = "王芳"\ndept = "150100"\ndatabase = "/tmp/x.db"\n', encoding="utf-8")
    config.config_file_values.cache_clear()
    s = config.load_settings()
    assert (s.operator, s.dept, s.database_url) == ("王芳", "150100", "sqlite:////tmp/x.db")
    monkeypatch.setenv("MEDISUP_DEPT", "150102")
    s = config.load_settings()
    assert s.dept == "150102" and s.sources["dept"] == "env"
    s = s.with_options(dept="150103", database_url="postgresql://u@h/db")
    assert s.dept == "150103" and s.database_url == "postgresql://u@h/db"


def test_default_database_lives_in_user_data_dir(_isolated_user):
    s = config.load_settings()
    assert s.database_url.startswith("sqlite:///")
    assert s.database_url.endswith("data/medisup.db")


def test_broken_config_file_is_one_line_error(bare_cli, _isolated_user):
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("dept = [unclosed", encoding="utf-8")
    result = bare_cli("dept", "list", dept=None)
    assert result.exit_code == 3
    assert "配置文件" in result.stderr and len(result.stderr.strip().splitlines()) == 1
