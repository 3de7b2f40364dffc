"""Passage vectors on a real Milvus standalone server (the PyPI ``milvus`` package), through the real CLI.

`rag ingest --store milvus://127.0.0.1:PORT seeds/` and `rag ask` against the server give
the same top passages as FAISS; a rebuild (a document added) and a removal switch
collections and drop old ones; a rebuild killed half-way, after its collection went to
Milvus, leaves the old collection answering, and its orphan collection is cleaned up.
The server going away: stopped during `rag ingest`, one clear error and the old collection
stays current; stopped while `rag serve` answers, every interface refuses naming the store,
and answers come back by themselves once it is started again.
Milvus Lite is covered by tests/test_vector_store_milvus.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from components import require_module

require_module(all(importlib.util.find_spec(m) for m in ("pymilvus", "milvus")), "pymilvus or milvus (the server package)",
               "make test installs them (test extra)")

from conftest import ROOT, SEEDS  # noqa: E402
from milvus_support import milvus_server  # noqa: E402
from ui_support import filler_text  # noqa: E402

from rag.assistant import Assistant  # noqa: E402
from rag.search.retrieval import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.store import milvus_store  # noqa: E402
from rag.store.index import load_index
from rag.store.manifest import read_manifest  # noqa: E402

pytestmark = pytest.mark.slow

QUESTIONS = ["What did Townsend say?", "How many civilians does Amnesty say were killed?",
             "What did the coalition say about Amnesty's report?", "drones", "Who wrote the report?"]
NEW_FACT = ("Harbour log\n\nThe Vexley lighthouse keeper counted exactly 913 gulls on the north pier in June.\n")
NEW_QUESTION = "How many gulls did the Vexley lighthouse keeper count?"


@pytest.fixture(scope="module")
def milvus(tmp_path_factory):
    with milvus_server(tmp_path_factory.mktemp("milvus-server")) as server:
        yield server


def rag(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real CLI, `python -m rag.cli ...`, in the repository (``env`` added to its environment)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    if check:
        assert proc.returncode == 0, f"rag {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def ask_all(index_dir: Path, questions: list[str], work: Path, env: dict[str, str] | None = None) -> list[dict]:
    """`rag ask --jsonl`: every question in one process, one JSON answer each."""
    qfile = work / "questions.jsonl"
    qfile.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in enumerate(questions)))
    out = rag("ask", "--index-dir", str(index_dir), "--jsonl", str(qfile), env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def collections(milvus) -> set[str]:
    return set(milvus_store._client(milvus_store.milvus_uri(milvus.store)).list_collections())


def current_collection(index_dir: Path) -> str:
    return read_manifest(index_dir)["dense_index"]["collection"]


def top_citations(answers: list[dict]) -> list[list[tuple]]:
    return [[(c["doc_id"], c["start"], c["end"], c["sentence_start"], c["sentence_end"]) for c in a["citations"]]
            for a in answers]


def same_top_passages(settings: Settings, faiss_dir: Path, embedder, k: int = 5) -> None:
    """Dense and fused top-k of the Milvus index equal FAISS's on the seed index, question by question."""
    faiss_settings = Settings(index_dir=faiss_dir)
    milvus_r = Retriever(load_index(settings), embedder, settings)
    faiss_r = Retriever(load_index(faiss_settings), embedder, faiss_settings)
    for q in QUESTIONS:
        qvec = embedder.encode_query(q)
        dm, df = milvus_r.dense_scores(qvec, k), faiss_r.dense_scores(qvec, k)
        assert list(dm) == list(df), q
        assert np.allclose(list(dm.values()), list(df.values()), atol=1e-4), q
        assert [h.pid for h in milvus_r.search(q, k=k)] == [h.pid for h in faiss_r.search(q, k=k)], q


@pytest.fixture(scope="module")
def milvus_index(milvus, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("milvus-index") / "index"
    rag("ingest", "--quiet", "--index-dir", str(index_dir), "--store", milvus.store, str(SEEDS))
    return index_dir


def test_ingest_and_ask_against_the_server_match_faiss(milvus, milvus_index, seed_index_dir, embedder, assistant,
                                                        tmp_path):
    info = read_manifest(milvus_index)["dense_index"]
    assert info["type"] == "milvus" and info["store"] == milvus.store and info["collection"] in collections(milvus)
    assert not (milvus_index / "current" / "dense.faiss").exists()
    same_top_passages(Settings(index_dir=milvus_index, vector_store=milvus.store), seed_index_dir, embedder)
    answers = ask_all(milvus_index, QUESTIONS, tmp_path)  # `rag ask` reads the store from the manifest
    assert [a["answer"] for a in answers] == [assistant.ask(q).answer for q in QUESTIONS]
    assert top_citations(answers) == top_citations([assistant.ask(q).to_json() for q in QUESTIONS])


def test_rebuild_and_remove_switch_collections(milvus, milvus_index, seed_index_dir, embedder, tmp_path):
    first = current_collection(milvus_index)
    (tmp_path / "vexley.txt").write_text(NEW_FACT)
    out = rag("ingest", "--quiet", "--index-dir", str(milvus_index), "--store", milvus.store, "--add",
              str(tmp_path / "vexley.txt")).stdout
    assert "2 document(s)" in out
    second = current_collection(milvus_index)
    assert second != first and {first, second} <= collections(milvus)  # the build before current keeps its own
    (answer,) = ask_all(milvus_index, [NEW_QUESTION], tmp_path)
    assert not answer["refused"] and "913" in answer["answer"]
    assert answer["citations"][0]["source"].endswith("vexley.txt")
    # remove the new document, as the web app's Remove button does
    settings = Settings(index_dir=milvus_index, vector_store=milvus.store)
    doc_id = answer["citations"][0]["doc_id"]
    Assistant(settings, embedder=embedder).remove_document(doc_id)
    third = current_collection(milvus_index)
    names = collections(milvus)
    assert third in names and second in names and first not in names  # older builds' collections are dropped
    assert read_manifest(milvus_index)["passages"] == read_manifest(seed_index_dir)["passages"]
    (after,) = ask_all(milvus_index, [NEW_QUESTION], tmp_path)
    assert after["refused"] or all(c["doc_id"] != doc_id for c in after["citations"])
    same_top_passages(settings, seed_index_dir, embedder)


def _kill_when_collection_appears(proc: subprocess.Popen, milvus, before: set[str], timeout: float = 300) -> str:
    """SIGKILL ``proc`` as soon as a collection not in ``before`` exists on the server; returns its name."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = collections(milvus) - before
        if new:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return new.pop()
        if proc.poll() is not None:
            pytest.fail(f"the build ended (status {proc.returncode}) before its collection could be seen:\n"
                        f"{proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("no new collection appeared on the server")


def test_a_rebuild_killed_half_way_leaves_the_old_collection_answering(milvus, milvus_index, tmp_path):
    current = current_collection(milvus_index)
    before_answers = ask_all(milvus_index, QUESTIONS, tmp_path)
    filler = tmp_path / "ledger.txt"
    filler.write_text(filler_text(300))  # a new document: the build writes a new collection
    cmd = [sys.executable, "-m", "rag.cli", "ingest", "--quiet", "--index-dir", str(milvus_index), "--store",
           milvus.store, "--add", str(filler)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    orphan = _kill_when_collection_appears(proc, milvus, collections(milvus))
    assert proc.returncode == -signal.SIGKILL
    assert current_collection(milvus_index) == current  # the manifest still names the old collection
    after = ask_all(milvus_index, QUESTIONS, tmp_path)  # loading the index also clears what the killed build left
    assert top_citations(after) == top_citations(before_answers)
    assert [a["answer"] for a in after] == [a["answer"] for a in before_answers]
    assert orphan not in collections(milvus) and current in collections(milvus)
    assert not list((milvus_index / "builds").glob(".tmp-*"))


# -- the server going away -----------------------------------------------------------------------
STORE_DOWN = re.compile(r"the vector store milvus://127\.0\.0\.1:\d+ \(Milvus\) cannot be reached while "
                        r"(creating a collection|writing passage vectors|saving passage vectors|searching passages) "
                        r"\(.+\)")


def test_stopping_the_server_during_ingest_is_one_clear_error_and_the_old_collection_stays(milvus, milvus_index,
                                                                                          tmp_path):
    current = current_collection(milvus_index)
    before_answers = ask_all(milvus_index, QUESTIONS, tmp_path)
    filler = tmp_path / "ledger.txt"
    filler.write_text(filler_text(300))  # a new document: the build writes a new collection
    cmd = [sys.executable, "-m", "rag.cli", "ingest", "--quiet", "--index-dir", str(milvus_index), "--store",
           milvus.store, "--add", str(filler)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        half_written = _stop_when_collection_appears(proc, milvus, collections(milvus))
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, (out, err)
    assert len(err.splitlines()) == 1 and err.startswith("rag: error: ") and STORE_DOWN.fullmatch(err.strip()[12:]), err
    assert current_collection(milvus_index) == current  # the half-written collection never became current
    # the collection could not be dropped with the server down: its record is kept, and nothing else of the build
    (kept,) = list((milvus_index / "builds").glob(".tmp-*"))
    assert [p.name for p in kept.iterdir()] == ["dense_index.json"]
    assert json.loads((kept / "dense_index.json").read_text())["collection"] == half_written

    milvus.restart()
    after = ask_all(milvus_index, QUESTIONS, tmp_path)  # the next start answers as before and drops the collection
    assert top_citations(after) == top_citations(before_answers)
    assert half_written not in collections(milvus) and current in collections(milvus)
    assert not list((milvus_index / "builds").glob(".tmp-*"))


def _stop_when_collection_appears(proc: subprocess.Popen, milvus, before: set[str], timeout: float = 300) -> str:
    """Stop the Milvus server as soon as a collection not in ``before`` exists on it; returns its name."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = collections(milvus) - before
        if new:
            milvus.stop()
            return new.pop()
        if proc.poll() is not None:
            pytest.fail(f"the build ended (status {proc.returncode}) before its collection could be seen")
        time.sleep(0.02)
    pytest.fail("no new collection appeared on the server")


def test_answers_while_the_server_is_down_are_refusals_naming_it_and_come_back(milvus, milvus_index, tmp_path):
    import asyncio

    import openai
    from gradio_client import Client
    from mcp import Client as McpClient
    from mcp.client.streamable_http import streamable_http_client
    from ui_support import running_server

    question = QUESTIONS[1]

    async def mcp_calls(url: str):
        async with McpClient(streamable_http_client(url)) as client:
            return (await client.call_tool("ask", {"question": question}),
                    await client.call_tool("search", {"query": question, "top_k": 3}))

    with running_server(milvus_index, tmp_path / "work") as server:
        chat = Client(server.url, verbose=False)
        api = openai.OpenAI(base_url=server.url + "v1", api_key="none", max_retries=0, timeout=120)

        def all_interfaces():
            text, info = chat.predict(question, "", api_name="/ask")
            message = api.chat.completions.create(model="rag-cited",
                                                  messages=[{"role": "user", "content": question}]).choices[0].message
            ask, search = asyncio.run(mcp_calls(server.url + "mcp"))
            return text, info, message, ask, search

        up_text, up_info, up_message, up_ask, _ = all_interfaces()
        assert not up_info["refused"] and up_info["citations"] and "3,706" in up_text

        milvus.stop()
        log_before = len(server.log_text())
        text, info, message, ask, search = all_interfaces()
        assert info["refused"] and info["citations"] == [] and STORE_DOWN.search(text), text
        assert text.startswith("I cannot answer right now: the vector store milvus://") and "answers resume" in text
        assert message.content == text and message.model_extra["refused"] is True and not message.annotations
        assert ask.structured_content["refused"] is True and ask.structured_content["answer"] == text
        assert search.is_error and STORE_DOWN.search(search.content[0].text)
        assert search.content[0].text.startswith("Error executing tool search: cannot search now: the vector store")
        assert "Traceback" not in server.log_text()[log_before:]  # one warning line per failure, no stack

        milvus.restart()
        deadline = time.time() + 180  # the server loads the collection again after its restart
        while time.time() < deadline:
            back_text, back_info = chat.predict(question, "", api_name="/ask")
            if not back_info["refused"]:
                break
            time.sleep(2)
        assert (back_text, back_info["citations"]) == (up_text, up_info["citations"])  # back by itself, same answer
        text, info, message, ask, search = all_interfaces()
        assert message.content == up_message.content and ask.structured_content == up_ask.structured_content
        assert not search.is_error and len(search.structured_content["passages"]) == 3
