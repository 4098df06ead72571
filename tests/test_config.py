from __future__ import annotations

import pytest

from pipeline.config import available_configs, config_to_dict, load_config
from pipeline.errors import ConfigError


@pytest.mark.parametrize("name", available_configs())
def test_every_shipped_config_loads(name):
    config = load_config(name)
    assert config.name == name
    assert config_to_dict(config)["run"]["stages"]


def test_unknown_key_is_rejected_with_the_valid_keys(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[stages.segment]\ntokenise = false\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'tokenise' in \[stages.segment\]; valid keys: tokenize"):
        load_config(path)


def test_unknown_table_is_rejected(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[stages.nonsense]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"valid keys: ingest, segment"):
        load_config(path)


def test_wrong_type_is_rejected(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[stages.ingest]\nmax_bytes = "big"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="max_bytes' must be int"):
        load_config(path)


def test_unknown_config_name_lists_choices():
    with pytest.raises(ConfigError, match=r"valid names: .*default.*fast"):
        load_config("no-such-config")


def test_invalid_toml_is_a_config_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[run\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_config_is_frozen():
    config = load_config()
    with pytest.raises(AttributeError):
        config.run.device = "cuda"  # type: ignore[misc]


def test_judge_settings_are_checked_and_described(tmp_path):
    from models.catalog import describe

    path = tmp_path / "c.toml"
    path.write_text("[stages.check]\njudge_from = 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="judge_from"):
        load_config(path)
    assert describe(load_config())["judge"]["backend"] == "llama-cpp"
    assert "judge" not in describe(load_config(None, {"stages.check.judge": False}))
    assert "judge" not in describe(load_config("fast"))  # no language model at all


def test_default_toml_and_the_code_defaults_agree():
    """configs/default.toml repeats the settings it documents; it must never drift from the dataclass defaults
    (a run without any config file and a run with the default one behave the same)."""
    from pipeline.config import Config, build

    assert config_to_dict(load_config("default")) == config_to_dict(build(Config, {"name": "default"}, ""))
