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
from conftest import HARBOUR_NAME, HARBOUR_QUESTION, SEEDS
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
from llama_index.core.vector_stores.types import FilterCondition, FilterOperator, MetadataFilter, MetadataFilters

from rag.assistant import Assistant
from rag.integrations.llama_index import (
    CitedChatEngine,
    CitedQueryEngine,
    CitedRetriever,
    CitedStreamingResponse,
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
def seed_assistant_documents(index_dir) -> list[str]:
    from rag.store.manifest import read_manifest

    return [d["doc_id"] for d in read_manifest(index_dir)["documents"]]


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
    out = run_snippet("llama-filters", index).splitlines()
    doc_id = next(iter(seed_assistant_documents(seed_index_dir)))
    empty = out.index("[]")  # the PDF filter found nothing; the query engine's answer follows
    assert out[0].endswith(f"mosul-amnesty-report.txt {doc_id}") and "3,706" in "\n".join(out[empty + 1:])
    out = run_snippet("llama-async", index)
    assert "What did Townsend say? -> 2 source(s)" in out and "sources: [" in out
    assert "challenge the people from Amnesty" in out  # the follow-up, resolved from the chat's first turn
    assert out.rstrip().endswith("user 0 citation(s)\nassistant 2 citation(s)")
    out = run_snippet("llama-documents", {'"my-index"': repr(str(tmp_path / "my-index"))})
    assert out.startswith("2 documents,") and "913" in out


# -- documents, async, streaming ------------------------------------------------------------
def _source_filter(value, operator=FilterOperator.EQ, key="source") -> MetadataFilters:
    return MetadataFilters(filters=[MetadataFilter(key=key, value=value, operator=operator)])


def test_metadata_filters_limit_the_retriever_to_some_documents(two_docs_assistant):
    a = two_docs_assistant
    harbour = a.scope([HARBOUR_NAME]).doc_ids[0]
    mosul = a.scope(["mosul*"]).doc_ids[0]
    cases = [
        (_source_filter(HARBOUR_NAME), {harbour}),
        (_source_filter("*.txt"), {harbour, mosul}),
        (_source_filter(harbour, key="doc_id"), {harbour}),
        (_source_filter([harbour, mosul], FilterOperator.IN, "doc_id"), {harbour, mosul}),
        (_source_filter(HARBOUR_NAME, FilterOperator.NE), {mosul}),
        (_source_filter("harbour-", FilterOperator.TEXT_MATCH), {harbour}),
        (MetadataFilters(filters=[MetadataFilter(key="source", value=HARBOUR_NAME),
                                  MetadataFilter(key="doc_id", value=mosul)], condition=FilterCondition.OR),
         {harbour, mosul}),
    ]
    for filters, expected in cases:
        nodes = CitedRetriever(assistant=a, top_k=50, filters=filters).retrieve("civilians killed by the coalition")
        assert {n.node.ref_doc_id for n in nodes} == expected, filters
    # before ranking: one candidate per ranking, yet the harbour log's passage comes back
    narrow = Assistant(a.settings.replace(dense_k=1, bm25_k=1), embedder=a.embedder)
    nodes = CitedRetriever(assistant=narrow, filters=_source_filter(HARBOUR_NAME)).retrieve("civilians killed")
    assert [n.node.ref_doc_id for n in nodes] == [harbour]
    assert CitedRetriever(assistant=a, filters=_source_filter("*.pdf")).retrieve("civilians") == []
    with pytest.raises(ValueError, match="cannot filter on metadata 'title'"):
        CitedRetriever(assistant=a, filters=_source_filter("x", key="title"))
    with pytest.raises(ValueError, match="cannot filter doc_id with '>'"):
        CitedRetriever(assistant=a, filters=_source_filter("x", FilterOperator.GT, "doc_id"))


def test_a_query_engine_limited_to_a_document(two_docs_assistant):
    a = two_docs_assistant
    harbour = a.scope([HARBOUR_NAME]).doc_ids[0]
    response = CitedQueryEngine(assistant=a, filters=_source_filter(HARBOUR_NAME)).query(HARBOUR_QUESTION)
    assert "913" in str(response) and {n.node.ref_doc_id for n in response.source_nodes} == {harbour}
    response = CitedQueryEngine(assistant=a, documents=["mosul*"]).query(HARBOUR_QUESTION)
    assert harbour not in {n.node.ref_doc_id for n in response.source_nodes}
    nothing = CitedQueryEngine(assistant=a, filters=_source_filter("*.pdf")).query(KILLED)
    assert nothing.metadata["refused"] is True and nothing.metadata["note"] == "The filters select no indexed document."


QUESTIONS_20 = [TOWNSEND, KILLED, "Who is Rupert Jones?", "What did Croft say?", "Who is Haider al-Abadi?",
                "What did Amnesty call the battle of Mosul?", "Who hosted the NPR interview?",
                "What was dropped into IS-controlled areas?", "Where was the photo taken?",
                "What did Jones say about the targeting process?", "What did Lynn Maalouf say?",
                "Who said the report is riddled with assertion?", "When did Abadi criticize the report?",
                "Which people are quoted in the article?", "Is the coalition led by the United States?",
                "Summarize the article.", "Who is Andrew Croft?", "What did Townsend challenge Amnesty to do?",
                "How many attacks did Amnesty investigate?", "Write a poem about Mosul."]


def test_twenty_concurrent_aquery_calls_in_one_event_loop(seed_assistant):
    """The answers are computed in worker threads: the event loop keeps running (a heartbeat ticks) while
    twenty questions are answered at once, and each answer is the one a plain query gives."""
    import asyncio
    import time

    engine = CitedQueryEngine(assistant=seed_assistant)
    expected = {q: seed_assistant.ask(q).answer for q in QUESTIONS_20}

    async def main():
        ticks, done = [], asyncio.Event()

        async def heartbeat():
            while not done.is_set():
                ticks.append(time.monotonic())
                await asyncio.sleep(0.005)

        beat = asyncio.create_task(heartbeat())
        start = time.monotonic()
        responses = await asyncio.gather(*(engine.aquery(q) for q in QUESTIONS_20))
        elapsed = time.monotonic() - start
        done.set()
        await beat
        return responses, ticks, elapsed

    responses, ticks, elapsed = asyncio.run(main())
    assert [str(r) for r in responses] == [expected[q] for q in QUESTIONS_20]
    assert all(r.source_nodes for r, q in zip(responses, QUESTIONS_20) if not r.metadata["refused"])
    assert len(ticks) >= 5, f"the event loop was blocked: {len(ticks)} heartbeats in {elapsed:.2f} s"


def test_aretrieve_runs_off_the_event_loop(retriever):
    import asyncio

    sync = [n.node.node_id for n in retriever.retrieve(TOWNSEND)]

    async def main():
        return await asyncio.gather(*(retriever.aretrieve(TOWNSEND) for _ in range(5)))

    assert all([n.node.node_id for n in nodes] == sync for nodes in asyncio.run(main()))


def test_a_streaming_query_engine_yields_text_then_fills_in_the_citations(seed_assistant):
    import asyncio

    engine = CitedQueryEngine(assistant=seed_assistant, streaming=True)
    answer = seed_assistant.ask(KILLED)
    response = engine.query(KILLED)
    assert isinstance(response, CitedStreamingResponse) and response.source_nodes == []
    assert "".join(response.response_gen) == answer.answer  # the extractive answer comes in one piece
    assert str(response) == answer.answer and [n.node.metadata["n"] for n in response.source_nodes] == [1]
    assert response.metadata["refused"] is False

    async def main():
        streamed = await engine.aquery(TOWNSEND)
        tokens = [t async for t in streamed.async_response_gen()]
        return streamed, tokens

    streamed, tokens = asyncio.run(main())
    assert "".join(tokens) == seed_assistant.ask(TOWNSEND).answer == streamed.response_txt
    assert len(streamed.source_nodes) == len(seed_assistant.ask(TOWNSEND).citations)


def test_a_streaming_llm_answer_streams_its_words_and_ends_checked(seed_index_dir, embedder):
    engine = CitedQueryEngine(index_dir=seed_index_dir, llm=QuotingLLM(), embedder=embedder, streaming=True)
    response = engine.query(KILLED)
    pieces = list(response.response_gen)
    assert len(pieces) > 3  # the LLM's words, as it wrote them
    checked = engine.assistant.ask(KILLED)
    assert str(response) == checked.answer and response.metadata["sentences"] == [s.to_json() for s in checked.sentences]
    assert len(response.source_nodes) == len(checked.citations) >= 1


def test_the_chat_engine_keeps_each_turns_citations(seed_assistant):
    import asyncio

    from llama_index.core.llms import MessageRole

    chat = CitedChatEngine(assistant=seed_assistant)
    first = chat.chat("Who is Stephen Townsend?")
    second = chat.stream_chat("What did he say?")
    streamed = "".join(second.response_gen)
    expected = seed_assistant.ask("What did he say?", [("Who is Stephen Townsend?", first.response)])
    assert streamed == expected.answer and "challenge the people from Amnesty" in streamed
    assert [n.node.metadata["n"] for n in second.source_nodes] == [c.n for c in expected.citations]
    history = chat.chat_history
    assert [m.role for m in history] == [MessageRole.USER, MessageRole.ASSISTANT] * 2
    assert history[1].additional_kwargs["citations"] == [c.to_json() for c in
                                                          seed_assistant.ask("Who is Stephen Townsend?").citations]
    assert len(history[1].additional_kwargs["citations"]) == len(first.source_nodes) >= 1
    assert history[3].additional_kwargs["citations"] == [c.to_json() for c in expected.citations]
    third = asyncio.run(chat.achat("What did Croft say?"))
    assert third.source_nodes and len(chat.chat_history) == 6
    chat.reset()
    assert chat.chat_history == []
