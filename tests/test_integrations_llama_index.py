"""The llama-index integration, run through llama-index's own classes (no network, no hub).

CitedRetriever inside llama-index's RetrieverQueryEngine (with its MockLLM) and inside a
QueryFusionRetriever beside a llama-index VectorStoreIndex retriever; CitedQueryEngine;
an index built from llama-index Documents read by its SimpleDirectoryReader; and a
caller's own llama-index LLM answering through the Assistant, its citations checked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
from conftest import SEEDS
from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.llms import (
    CompletionResponse,
    CompletionResponseGen,
    CustomLLM,
    LLMMetadata,
    MockLLM,
)
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.schema import Document as LlamaDocument

from rag.assistant import Assistant
from rag.integrations.llama_index import (
    CitedQueryEngine,
    CitedRetriever,
    LocalEmbedding,
    build_from_documents,
    cited_assistant,
    to_document,
)
from rag.settings import Settings

TOWNSEND = "What did Townsend say?"
KILLED = "How many civilians does Amnesty say were killed?"


@pytest.fixture(scope="module")
def seed_assistant(seed_index_dir, embedder) -> Assistant:
    return Assistant(Settings(index_dir=seed_index_dir), embedder=embedder)


@pytest.fixture(scope="module")
def retriever(seed_assistant) -> CitedRetriever:
    return CitedRetriever(assistant=seed_assistant, top_k=4)


def _check_node(nws, assistant: Assistant) -> None:
    """A node is a real passage: its offsets slice its text out of the document, its sentence lies inside it."""
    node, meta = nws.node, nws.node.metadata
    doc = assistant.index.documents[meta["doc_id"]]
    assert doc.text[node.start_char_idx : node.end_char_idx] == node.get_content()
    assert node.start_char_idx <= meta["sentence_start"] < meta["sentence_end"] <= node.end_char_idx
    assert doc.text[meta["sentence_start"] : meta["sentence_end"]] == meta["sentence"]
    assert meta["title"] == doc.title and meta["source"] == doc.source
    assert node.ref_doc_id == doc.doc_id


def test_cited_retriever_returns_passages_with_offsets_and_best_sentence(retriever, seed_assistant):
    nodes = retriever.retrieve(TOWNSEND)
    assert 1 <= len(nodes) <= 4
    assert [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
    for n in nodes:
        _check_node(n, seed_assistant)
    # each best sentence is one of its passage's sentences (index offsets), and the top one names Townsend
    passages = {(p.doc_id, p.start): p for p in seed_assistant.index.passages}
    for n in nodes:
        p = passages[(n.node.metadata["doc_id"], n.node.start_char_idx)]
        assert (n.node.metadata["sentence_start"], n.node.metadata["sentence_end"]) in [tuple(s) for s in p.sentences]
    assert "Townsend" in nodes[0].node.metadata["sentence"]
    assert retriever.retrieve("   ") == []


def test_llama_index_retriever_query_engine_over_cited_retriever(retriever, seed_assistant):
    # MockLLM echoes its prompt: what llama-index's synthesizer put in front of the model shows up as the response
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(), response_mode="compact")
    response = engine.query(KILLED)
    assert response.source_nodes, "llama-index's engine passed our nodes through"
    for n in response.source_nodes:
        _check_node(n, seed_assistant)
    text = str(response)
    assert "3,706" in text  # the passage text reached the (mock) model's prompt
    assert "title: " in text  # metadata meant for the model: the title
    assert "sentence_start" not in text and "doc_id" not in text  # offsets and ids are kept out of the prompt


def test_query_fusion_mixes_cited_retriever_with_a_llama_index_vector_retriever(retriever, embedder, seed_assistant):
    documents = SimpleDirectoryReader(input_dir=str(SEEDS)).load_data()
    splitter = SentenceSplitter(chunk_size=96, chunk_overlap=0)
    vector_index = VectorStoreIndex.from_documents(documents, embed_model=LocalEmbedding(embedder),
                                                   transformations=[splitter])
    vector = vector_index.as_retriever(similarity_top_k=4)
    fusion = QueryFusionRetriever([retriever, vector], llm=MockLLM(), mode="reciprocal_rerank", num_queries=1,
                                  similarity_top_k=6, use_async=False)
    fused = fusion.retrieve(TOWNSEND)
    ours = [n for n in fused if "sentence_start" in n.node.metadata]
    theirs = [n for n in fused if "sentence_start" not in n.node.metadata]
    assert ours and theirs, "both retrievers contributed"
    for n in ours:
        _check_node(n, seed_assistant)
    # the passage CitedRetriever ranks first survives fusion
    assert retriever.retrieve(TOWNSEND)[0].node.node_id in {n.node.node_id for n in ours}
    assert any("challenge the people from Amnesty" in n.node.get_content() for n in fused)


def test_cited_query_engine_returns_the_cited_answer(seed_assistant):
    engine = CitedQueryEngine(assistant=seed_assistant)
    response = engine.query(TOWNSEND)
    answer = seed_assistant.ask(TOWNSEND)
    assert response.response == answer.answer
    assert len(response.source_nodes) == len(answer.citations) >= 1
    for c, n in zip(answer.citations, response.source_nodes):
        assert n.node.metadata["n"] == c.n and f"[{c.n}]" in response.response
        assert (n.node.start_char_idx, n.node.end_char_idx) == (c.start, c.end)
        _check_node(n, seed_assistant)
    assert response.metadata["refused"] is False and response.metadata["engine"] == "extractive"
    refused = engine.query("What is the boiling point of mercury on Jupiter?")
    assert refused.metadata["refused"] is True and refused.source_nodes == []


def test_cited_query_engine_loads_an_index_dir(seed_index_dir, embedder):
    engine = CitedQueryEngine(index_dir=seed_index_dir, embedder=embedder)
    response = engine.query(KILLED)
    assert "3,706" in response.response and response.source_nodes


def test_build_from_llama_index_documents(tmp_path, embedder):
    documents = SimpleDirectoryReader(input_dir=str(SEEDS)).load_data()
    extra = LlamaDocument(text="Harbour log\n\nThe Vexley lighthouse keeper counted 913 gulls on the pier in June.",
                          metadata={"title": "Vexley harbour log", "source": "notes://vexley"})
    empty = LlamaDocument(text="   \n  ")
    settings = Settings(index_dir=tmp_path / "index")
    report = build_from_documents([*documents, extra, empty, extra], settings, embedder=embedder)
    assert report.documents == 2  # the seed article and the log (its duplicate is one document)
    assert [r for _, r in report.skipped] == ["no text after cleaning"]
    assistant = cited_assistant(settings=settings, embedder=embedder)
    titles = {d.title for d in assistant.index.documents.values()}
    assert "Vexley harbour log" in titles
    answer = assistant.ask("How many gulls did the Vexley lighthouse keeper count?")
    assert not answer.refused and "913" in answer.answer
    assert answer.citations[0].source == "notes://vexley"
    # offsets refer to the clean text: to_document cleans exactly as the file reader does
    assert to_document(extra).text == assistant.index.documents[answer.citations[0].doc_id].text


class QuotingLLM(CustomLLM):
    """A stand-in for a user's model: answers with the first sentence of source [1], cited [1]."""

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="quoting-test-llm")

    def _reply(self, prompt: str) -> str:
        match = re.search(r"\[1\] (.+?[.!?][”\"]?)(?:\s|$)", prompt, flags=re.DOTALL)
        return f"{match.group(1)} [1]" if match else "NO ANSWER"

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._reply(prompt))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        text = ""
        for word in self._reply(prompt).split(" "):
            delta = (" " if text else "") + word
            text += delta
            yield CompletionResponse(text=text, delta=delta)


class BrokenLLM(QuotingLLM):
    def _reply(self, prompt: str) -> str:
        raise ConnectionError("model server went away")


def _cited_sentences(answer) -> Sequence:
    return [s for s in answer.sentences if s.citations]


def test_a_callers_llama_index_llm_answers_with_checked_citations(seed_index_dir, embedder):
    assistant = cited_assistant(seed_index_dir, llm=QuotingLLM(), embedder=embedder)
    answer = assistant.ask(KILLED)
    assert answer.engine == "llama-index: QuotingLLM quoting-test-llm"
    assert not answer.refused and answer.citations
    assert _cited_sentences(answer) and all(s.supported for s in _cited_sentences(answer))
    c = answer.citations[0]
    assert assistant.index.documents[c.doc_id].text[c.start : c.end] == c.text
    # the same LLM through the query engine
    response = CitedQueryEngine(assistant=assistant).query(KILLED)
    assert response.metadata["engine"] == answer.engine and response.source_nodes


def test_a_failing_llm_falls_back_to_the_extractive_answer(seed_index_dir, embedder):
    assistant = Assistant(Settings(index_dir=seed_index_dir, engine="openai"), embedder=embedder, llm=BrokenLLM())
    answer = assistant.ask(TOWNSEND)
    assert "model server went away" in answer.note and answer.citations  # extractive, with the reason
    with pytest.raises(TypeError, match="llama-index LLM"):
        Assistant(Settings(index_dir=seed_index_dir), embedder=embedder, llm="not a model")


# -- the snippets of docs/INTEGRATIONS.md, as written ----------------------------------------
def test_doc_snippets_run(seed_index_dir, tmp_path, monkeypatch):
    from conftest import ROOT
    from doc_snippets import run_snippet

    monkeypatch.chdir(ROOT)  # the snippets read "seeds"
    index = {'"index"': repr(str(seed_index_dir))}
    out = run_snippet("llama-retriever", index)
    assert "best sentence: “I would challenge the people from Amnesty" in out and "mosul-amnesty-report.txt" in out
    out = run_snippet("llama-fusion", index)
    assert "cited " in out and "vector " in out
    out = run_snippet("llama-query-engine", index)
    assert "[1]" in out.splitlines()[0] and "refused: False" in out
    out = run_snippet("llama-llm", index)
    assert out.startswith("llama-index: MockLLM\n")
    out = run_snippet("llama-documents", {'"my-index"': repr(str(tmp_path / "my-index"))})
    assert out.startswith("2 documents,") and "913" in out
