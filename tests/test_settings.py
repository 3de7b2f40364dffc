"""Settings: defaults, the settings file, the environment and explicit overrides, in that order; every value checked."""

from pathlib import Path

import pytest

from rag.settings import ConfigError, Settings, load


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for var in [v for v in os.environ if v.startswith("RAG_")] + ["OPENAI_API_KEY"]:
        monkeypatch.delenv(var, raising=False)


def test_file_then_environment_then_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "rag.toml"
    cfg.write_text('engine = "ollama"\nollama_model = "llama3.2"\nopenai_base_url = "http://127.0.0.1:9/v1"\n'
                   'index_dir = "elsewhere"\nllm_timeout = 5\n[scoring]\nanswer_min = 0.4\n', encoding="utf-8")
    s = Settings.from_env(config=cfg)
    assert (s.engine, s.ollama_model, s.index_dir, s.llm_timeout) == ("ollama", "llama3.2", Path("elsewhere"), 5.0)
    assert s.scoring.answer_min == 0.4
    assert s.engines() == ["extractive", "openai", "ollama"]  # what the web chat's selector offers
    monkeypatch.setenv("RAG_OLLAMA_MODEL", "qwen3")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("RAG_ANSWER_MIN", "0.6")
    s, origin = load(config=cfg, engine="extractive", ollama_model=None)
    assert (s.engine, s.ollama_model, s.openai_api_key, s.scoring.answer_min) == ("extractive", "qwen3", "sk-test", 0.6)
    assert origin["engine"] == "command line" and origin["ollama_model"] == "env RAG_OLLAMA_MODEL"
    assert origin["llm_timeout"].startswith("file ") and origin["scoring.answer_min"] == "env RAG_ANSWER_MIN"
    assert "fusion" not in origin  # a default


def test_every_field_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAG_FUSION", "rrf")
    monkeypatch.setenv("RAG_DENSE_K", "50")
    monkeypatch.setenv("RAG_STRICT", "true")
    monkeypatch.setenv("RAG_CACHE_DIR", "/tmp/x")
    monkeypatch.setenv("RAG_READER", "off")
    s = Settings.from_env()
    assert (s.fusion, s.dense_k, s.strict, s.cache_dir, s.reader) == ("rrf", 50, True, Path("/tmp/x"), "off")


@pytest.mark.parametrize("var, value, message", [
    ("RAG_FUSION", "convexx", "fusion must be one of convex, rrf"),
    ("RAG_LLM_TIMEOUT", "-5", "llm_timeout must be at least"),
    ("RAG_DENSE_K", "many", "not a valid int"),
    ("RAG_ANSWER_MIN", "2", "answer_min must be between 0.0 and 1.0"),
])
def test_bad_environment_values_are_named(monkeypatch, var, value, message):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match=message):
        Settings.from_env()


def test_an_unknown_environment_variable_is_a_warning_naming_the_nearest(monkeypatch, caplog):
    monkeypatch.setenv("RAG_FUSON", "rrf")
    monkeypatch.setenv("RAG_DENSE_K", "50")
    with caplog.at_level("WARNING", logger="rag.settings"):
        s = Settings.from_env()
    assert (s.fusion, s.dense_k) == ("convex", 50)  # the typo is ignored, the rest is read
    assert [r.getMessage() for r in caplog.records] == [
        "ignoring unknown environment variable 'RAG_FUSON' (did you mean 'RAG_FUSION'?)"]


def test_milvus_credentials_come_from_the_environment_only(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MILVUS_TOKEN", "root:Milvus")
    monkeypatch.setenv("RAG_MILVUS_DB", "papers")
    s = Settings.from_env()
    assert (s.milvus_token, s.milvus_db) == ("root:Milvus", "papers")
    cfg = tmp_path / "rag.toml"
    cfg.write_text('milvus_token = "root:Milvus"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"put milvus_token in the environment \(\$RAG_MILVUS_TOKEN\), not in a file"):
        Settings.from_env(config=cfg)


def test_values_are_type_checked():
    with pytest.raises(ConfigError, match="dense_k must be int"):
        Settings(dense_k="100")
    with pytest.raises(ConfigError, match="strict must be bool"):
        Settings(strict=1)


def test_rag_toml_in_the_working_directory_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env().engine == "extractive"
    (tmp_path / "rag.toml").write_text('engine = "llamacpp"\nllamacpp_model_path = "m.gguf"\n', encoding="utf-8")
    assert Settings.from_env().engines() == ["extractive", "llamacpp"]


@pytest.mark.parametrize("text, message", [
    ('engin = "ollama"\n', "unknown setting(s) 'engin' (did you mean 'engine'?)"),
    ('openai_api_key = "sk-1"\n', "not in a file"),
    ("engine = \n", "not valid TOML"),
    ('engine = "gpt"\n', "engine must be one of"),
    ('[scoring]\nreader_pasages = 1\n', "unknown scoring setting 'reader_pasages' (did you mean 'reader_passages'?)"),
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
