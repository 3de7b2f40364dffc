"""Streamed chat completions (ui/openai_stream.py).

In process, through Starlette's test client and the official openai client on it: keep-alive
comments while an answer is slow, an error event then [DONE] when it fails, OpenAI's error
object for an unexpected failure, and annotations found in a model's reply despite its
markers. Against a real llama.cpp server (SmolLM2) behind a real `rag serve`: the openai
client gets the first token long before the answer is complete, and the check's verdicts
at the end.
"""

from __future__ import annotations

import json
import time

import openai
import pytest
from fastapi import FastAPI
from llm_support import llama_server, needs_llm
from starlette.testclient import TestClient
from ui_support import copy_index, running_server

from rag.answer.types import Answer, AnswerSentence
from rag_ui.access import Access
from rag_ui.openai_api import openai_router
from rag_ui.openai_stream import sentence_spans

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOWNSEND = "What did Townsend say?"
SUMMARY = "Summarize what Amnesty International's report says."  # SmolLM2 writes about a hundred tokens


class StandIn:
    """The real assistant, except that its answers are made slow or fail, as this test needs."""

    def __init__(self, real, stream=None, keepalive: float = 10.0):
        self.real, self._stream = real, stream
        self.settings = real.settings.replace(api_keepalive=keepalive)

    def __getattr__(self, name):
        return getattr(self.real, name)

    def stream(self, *args, **kwargs):
        return self._stream(*args, **kwargs)

    def ask(self, *args, **kwargs):
        raise RuntimeError("the index vanished")


def _client(assistant) -> TestClient:
    app = FastAPI()
    app.include_router(openai_router(assistant, Access.from_options(None, None, "secret")))
    return TestClient(app)


def _events(body: str) -> list[str]:
    return [e for e in body.split("\n\n") if e]


def test_a_slow_answer_gets_keep_alive_comments(assistant):
    def slow(question, *args, **kwargs):
        time.sleep(0.6)
        yield from assistant.stream(question, *args, **kwargs)

    with _client(StandIn(assistant, slow, keepalive=0.1)) as client:
        r = client.post("/v1/chat/completions", json={"model": "rag-cited", "stream": True,
                                                      "messages": [{"role": "user", "content": TOWNSEND}]})
    events = _events(r.text)
    pings = [e for e in events if e.startswith(": ping")]
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert len(pings) >= 3, events[:6]  # one every 0.1 s while the answer takes 0.6 s
    data = [json.loads(e[6:]) for e in events if e.startswith("data: {")]
    assert data[-1]["choices"][0]["finish_reason"] == "stop" and events[-1] == "data: [DONE]"


def test_a_failure_mid_stream_ends_with_an_error_event_then_done(assistant):
    def failing(*args, **kwargs):
        yield "The answer so far", None
        raise RuntimeError("the index vanished")

    stand_in = StandIn(assistant, failing)
    with _client(stand_in) as client:
        r = client.post("/v1/chat/completions", json={"model": "rag-cited", "stream": True,
                                                      "messages": [{"role": "user", "content": TOWNSEND}]})
        events = _events(r.text)
        assert json.loads(events[-2][6:]) == {"error": {
            "message": "The answer failed: RuntimeError: the index vanished", "type": "server_error", "param": None,
            "code": None}}
        assert events[-1] == "data: [DONE]"
        oa = openai.OpenAI(base_url="http://testserver/v1", api_key="none", http_client=client, max_retries=0)
        stream = oa.chat.completions.create(model="rag-cited", stream=True, messages=[{"role": "user", "content": TOWNSEND}])
        with pytest.raises(openai.APIError, match="The answer failed: RuntimeError: the index vanished"):
            for _ in stream:
                pass


def test_an_unexpected_failure_is_a_500_in_openais_shape(assistant):
    with _client(StandIn(assistant)) as client:
        r = client.post("/v1/chat/completions", json={"model": "rag-cited", "messages": [{"role": "user", "content": TOWNSEND}]})
        assert r.status_code == 500
        assert r.json() == {"error": {"message": "The answer failed: RuntimeError: the index vanished",
                                      "type": "server_error", "param": None, "code": None}}
        bad = client.post("/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"]["message"] == "The request body is not valid JSON."


def test_sentences_are_found_in_a_reply_despite_its_markers():
    reply = "Townsend said X [2]. He added Y. [1][3] Nothing else."
    answer = Answer("q", "Townsend said X. [1] He added Y. [2]", False,
                    sentences=[AnswerSentence("Townsend said X.", [1], True), AnswerSentence("He added Y.", [2], True),
                               AnswerSentence("Not in the reply.", [], False)])
    spans = sentence_spans(answer, reply)
    assert reply[spans[0][0] : spans[0][1]] == "Townsend said X [2]."
    assert reply[spans[1][0] : spans[1][1]] == "He added Y."
    assert spans[2] is None
    assert sentence_spans(answer, answer.answer, 10)[1] == (10 + answer.answer.index("He"), 10 + answer.answer.index(" [2]"))


# -- a real LLM ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    with llama_server(tmp_path_factory.mktemp("llama")) as url:
        yield url


@pytest.mark.slow
@needs_llm
def test_llm_tokens_arrive_before_the_answer_is_complete(llm_url, seed_index_dir, tmp_path):
    env = {"RAG_ENGINE": "openai", "RAG_OPENAI_BASE_URL": llm_url, "RAG_OPENAI_MODEL": "smollm2",
           "RAG_LLM_MAX_TOKENS": "120"}
    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path, env_extra=env) as server:
        client = openai.OpenAI(base_url=server.url + "v1", api_key="none", max_retries=0, timeout=120)
        arrivals = []
        for chunk in client.chat.completions.create(model="rag-cited:openai", stream=True,
                                                    messages=[{"role": "user", "content": SUMMARY}]):
            arrivals.append((time.monotonic(), chunk))
    content = [(t, c.choices[0].delta.content) for t, c in arrivals if c.choices and c.choices[0].delta.content]
    finished, last = arrivals[-1][0], arrivals[-1][1].choices[0]
    assert last.finish_reason == "stop"
    assert len(content) >= 20, content  # the model's tokens, one piece each
    # generating a hundred tokens takes seconds on a CPU: a reply sent whole would arrive in one instant
    assert content[-1][0] - content[0][0] > 0.5, f"the tokens arrived within {content[-1][0] - content[0][0]:.3f} s"
    assert finished > content[0][0]
    streamed = "".join(text for _, text in content)
    extra = last.delta.model_extra
    if extra["checked_content"] != streamed:  # the checked answer, with its own numbering, comes at the end
        assert extra["sentences"] and all(isinstance(s["supported"], bool) for s in extra["sentences"])
    for note in extra["annotations"]:
        span = note["url_citation"]
        assert streamed[span["start_index"] : span["end_index"]].strip()
    usage = arrivals[-1][1].usage
    # llama-cpp-python's server reports no usage in a stream: words are counted (the prompt holds five passages)
    assert usage.model_extra["counted"] == "words" and usage.prompt_tokens > 150
    assert usage.completion_tokens == len(streamed.split())
