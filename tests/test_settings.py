"""Settings: defaults, the settings file, the environment and explicit overrides, in that order."""

from pathlib import Path

import pytest

from rag.settings import ConfigError, Settings


def test_file_then_environment_then_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "rag.toml"
    cfg.write_text('engine = "ollama"\nollama_model = "llama3.2"\nopenai_base_url = "http://127.0.0.1:9/v1"\n'
                   'index_dir = "elsewhere"\nllm_timeout = 5.0\n', encoding="utf-8")
    for var in ("RAG_CONFIG", "RAG_ENGINE", "RAG_OLLAMA_MODEL", "OPENAI_API_KEY", "RAG_OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = Settings.from_env(config=cfg)
    assert (s.engine, s.ollama_model, s.index_dir, s.llm_timeout) == ("ollama", "llama3.2", Path("elsewhere"), 5.0)
    assert s.engines() == ["extractive", "openai", "ollama"]  # what the web chat's selector offers
    monkeypatch.setenv("RAG_OLLAMA_MODEL", "qwen3")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    s = Settings.from_env(config=cfg, engine="extractive", ollama_model=None)
    assert (s.engine, s.ollama_model, s.openai_api_key) == ("extractive", "qwen3", "sk-test")


def test_rag_toml_in_the_working_directory_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("RAG_CONFIG", raising=False)
    monkeypatch.delenv("RAG_ENGINE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env().engine == "extractive"
    (tmp_path / "rag.toml").write_text('engine = "llamacpp"\nllamacpp_model_path = "m.gguf"\n', encoding="utf-8")
    assert Settings.from_env().engines() == ["extractive", "llamacpp"]


@pytest.mark.parametrize("text, message", [
    ('engin = "ollama"\n', "unknown setting(s) engin"),
    ('openai_api_key = "sk-1"\n', "not in a file"),
    ("engine = \n", "not valid TOML"),
])
def test_bad_settings_files_are_named_with_the_problem(tmp_path, text, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml") as err:
        Settings.from_env(config=cfg)
    assert message in str(err.value)


def test_a_missing_named_settings_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        Settings.from_env(config=tmp_path / "nope.toml")


def test_sentence_vectors_setting_is_checked(tmp_path):
    assert Settings().sentence_vectors == "contextual"
    assert Settings(sentence_vectors="standalone").sentence_vectors == "standalone"
    with pytest.raises(ConfigError, match="contextual"):
        Settings(sentence_vectors="pooled")
    bad = tmp_path / "rag.toml"
    bad.write_text('sentence_vectors = "both"\n')
    with pytest.raises(ConfigError, match="standalone"):
        Settings.from_env(config=bad)
