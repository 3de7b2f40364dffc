"""The `rag` command contract, run as a real process."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS


def rag(*args, input=None, timeout=180):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "rag.cli", *map(str, args)], cwd=ROOT, input=input, capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_ingest_names_bad_files_and_indexes_the_rest(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "article.txt").write_text((SEEDS / "mosul-amnesty-report.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    (src / "latin1.txt").write_bytes("Le café est fermé.".encode("latin-1"))
    r = rag("ingest", "--index-dir", tmp_path / "idx", "--quiet", src)
    assert r.returncode == 0, r.stderr
    assert "empty.txt: empty file" in r.stderr and "broken.pdf: malformed PDF" in r.stderr
    assert "indexed 2 document(s)" in r.stdout
    info = rag("info", "--index-dir", tmp_path / "idx")
    assert info.returncode == 0 and "documents: 2" in info.stdout and "Le café est fermé" in info.stdout


def test_ingest_with_nothing_readable_fails_cleanly(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    r = rag("ingest", "--index-dir", tmp_path / "idx", "--quiet", tmp_path / "empty.txt")
    assert r.returncode != 0
    assert r.stderr.strip().startswith("rag: error: no document could be read")
    assert "Traceback" not in r.stderr


def test_ask_prints_answer_and_sources(seed_index_dir):
    r = rag("ask", "--index-dir", seed_index_dir, "What did Townsend say?")
    assert r.returncode == 0, r.stderr
    assert "[1]" in r.stdout and "[2]" in r.stdout and "Sources:" in r.stdout


def test_ask_json_contract(seed_index_dir):
    r = rag("ask", "--json", "--index-dir", seed_index_dir, "What did Townsend say?")
    out = json.loads(r.stdout)
    assert out["refused"] is False and len(out["citations"]) == 2
    c = out["citations"][0]
    for key, kind in {"n": int, "doc_id": str, "source": str, "title": str, "start": int, "end": int, "text": str,
                      "score": float, "sentence_start": int, "sentence_end": int}.items():
        assert isinstance(c[key], kind), key
    assert c["page"] is None and c["page_end"] is None and c["section"] is None  # plain text has no pages or headings


def test_ask_jsonl_with_history(seed_index_dir, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in [
        {"id": "a", "question": "What did Townsend say?"},
        {"id": "b", "question": "What did he challenge Amnesty to do?", "history": [["What did Townsend say?", "He rejected..."]]},
        {"id": "c", "question": "Who won the 2018 World Cup?"},
        {"id": "d", "question": ""},
    ]) + "\n", encoding="utf-8")
    r = rag("ask", "--index-dir", seed_index_dir, "--jsonl", f)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["id"] for x in rows] == ["a", "b", "c", "d"]
    assert "research their facts" in rows[1]["answer"] and rows[1]["citations"]
    assert rows[2]["refused"] is True and rows[2]["citations"] == []
    assert "empty" in rows[3]["error"]


@pytest.mark.parametrize("args, message", [
    (["ask", "--index-dir", "{tmp}/none", "What?"], "no index in"),
    (["ask", "--index-dir", "{seed}", "   "], "the question is empty"),
    (["info", "--index-dir", "{tmp}/none"], "no index in"),
    (["ask", "--index-dir", "{seed}", "--embed-model", "other-model", "What?"], "built with model"),
    (["train-decision", "--squad-train", "x.json", "--squad", "y.json", "--out", "{tmp}", "--keep-ranker"],
     "ranker.onnx and decision.json not in"),
    (["train-decision", "--squad-train", "x.json", "--squad", "y.json", "--out", "{tmp}", "--decision-only"],
     "ranker.onnx and decision.json not in"),
])
def test_errors_are_one_line_without_traceback(args, message, tmp_path, seed_index_dir):
    args = [a.format(tmp=tmp_path, seed=seed_index_dir) for a in args]
    r = rag(*args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_corrupt_index_is_reported(index_copy):
    (index_copy / "current" / "passages.npy").write_text("garbage\n", encoding="utf-8")
    r = rag("ask", "--index-dir", index_copy, "What did Townsend say?")
    assert r.returncode == 2 and "corrupt" in r.stderr and "Traceback" not in r.stderr


def test_ingest_logs_debug_lines_only_when_asked(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "note.txt").write_text("The harbour opened in 1850. It closed in 1990.", encoding="utf-8")
    quiet = rag("ingest", "--index-dir", tmp_path / "a", src)
    loud = rag("ingest", "-vv", "--index-dir", tmp_path / "b", src)
    assert quiet.returncode == 0 and loud.returncode == 0, quiet.stderr + loud.stderr
    # bm25s sets its own logger to DEBUG when imported; the CLI's level still decides what is shown
    assert "DEBUG" not in quiet.stderr
    assert "DEBUG bm25s" in loud.stderr


def test_rag_serve_limits_malloc_arenas_unless_told_otherwise(monkeypatch):
    from rag.cli import limit_malloc_arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True  # glibc on Linux: mallopt(M_ARENA_MAX, 2) took
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False  # the user's own setting stands
