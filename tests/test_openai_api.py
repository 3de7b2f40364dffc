"""The OpenAI-compatible API on the web chat's server, through the official ``openai`` client.

A real `rag serve` on 127.0.0.1 (with --auth and an API key), over the seed article and a
small harbour log, answers the client's chat completions, streamed and not, with
url_citation annotations whose links open the source view at the cited sentence, and
limited to some documents when asked. Answers are compared with the same index asked
in-process. The request/answer conversions are also tested without a server. The LLM
engine's token streaming is tested in tests/test_openai_stream.py.
"""

from __future__ import annotations

import html
import importlib.util
import json
from dataclasses import replace
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from components import require_module

require_module(importlib.util.find_spec("openai") is not None, "the openai client", "make test installs it (test extra)")

import openai
from conftest import HARBOUR_NAME, HARBOUR_QUESTION  # noqa: E402
from ui_support import copy_index, running_server  # noqa: E402

from rag.answer.types import Answer, AnswerSentence, Citation  # noqa: E402
from rag_ui.access import Access  # noqa: E402
from rag_ui.openai_api import ApiError, annotations, cited_title, conversation  # noqa: E402
from rag_ui.source_view import source_link, source_page  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

API_KEY = "test-key-7f3a"
USER, PASSWORD = "reader", "pw-2291"
TOWNSEND = "What did Townsend say?"
KILLED = "How many civilians does Amnesty say were killed?"


# -- conversions (no server) ------------------------------------------------------------
def test_messages_become_question_and_history():
    q, history = conversation([
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "Who is Townsend?"},
        {"role": "assistant", "content": "A general. [1]"},
        {"role": "user", "content": "unanswered, dropped"},
        {"role": "user", "content": [{"type": "text", "text": "What did "}, {"type": "text", "text": "he say?"}]},
    ])
    assert q == "What did he say?"
    assert history == [("Who is Townsend?", "A general. [1]")]
    for bad in ([], [{"role": "assistant", "content": "hi"}], "hello",
                [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]):
        with pytest.raises(ApiError) as err:
            conversation(bad)
        assert err.value.status == 400


def _answer() -> Answer:
    c1 = Citation(1, "d1", "a.txt", "Doc <one>", 0, 40, "First claim here. Second claim there.", 0.9, 0, 17)
    c2 = Citation(2, "d2", "b.txt", "Doc two", 5, 30, "Other passage.", 0.5, 5, 19)
    text = "Short:\nFirst claim here. [1] Other passage. [1][2]"
    sentences = [AnswerSentence("First claim here.", [1], True), AnswerSentence("Other passage.", [1, 2], True)]
    return Answer("q", text, False, [c1, c2], sentences=sentences)


def test_annotations_point_at_each_cited_sentence_of_the_answer():
    answer = _answer()
    notes = annotations(answer, lambda c: f"u{c.n}")
    spans = [(n["url_citation"]["start_index"], n["url_citation"]["end_index"], n["url_citation"]["url"]) for n in notes]
    assert all(n["type"] == "url_citation" for n in notes)
    assert [answer.answer[s:e] for s, e, _ in spans] == ["First claim here.", "Other passage.", "Other passage."]
    assert [u for _, _, u in spans] == ["u1", "u1", "u2"]
    assert notes[0]["url_citation"]["title"] == "Doc <one>"


def test_an_annotation_title_carries_the_cited_place():
    answer = _answer()
    pdf = replace(answer.citations[1], title="Annual report", page=12, page_end=13)
    md = replace(answer.citations[0], section="Findings › Mosul")
    answer.citations = [md, pdf]
    titles = [n["url_citation"]["title"] for n in annotations(answer, lambda c: "u")]
    assert titles == ["Doc <one>, § Findings › Mosul", "Doc <one>, § Findings › Mosul", "Annual report, pp. 12–13"]
    assert cited_title(replace(pdf, page_end=12)) == "Annual report, p. 12"
    assert cited_title(_answer().citations[1]) == "Doc two"  # no place known: the title alone


def test_source_page_escapes_everything_and_marks_the_sentence():
    doc = SimpleNamespace(title="<script>t()</script>", source="/x/<b>.txt",
                          text="Intro <img src=x onerror=alert(1)>. The cited <i>one</i>. End.")
    start = doc.text.index("The cited")
    page = source_page(doc, start, start + len("The cited <i>one</i>."))
    assert "<script>t()" not in page and "<img" not in page and "<i>one" not in page and "<b>.txt" not in page
    assert '<mark id="cited">The cited &lt;i&gt;one&lt;/i&gt;.</mark>' in page


def test_source_links_are_signed_only_when_access_is_guarded():
    open_, guarded = Access.from_options(None, None, "s"), Access.from_options("k", None, "s")
    assert "sig=" not in source_link("http://h:1/", "d", 1, 5, open_)
    url = urlparse(source_link("http://h:1/", "d", 1, 5, guarded))
    sig = parse_qs(url.query)["sig"][0]
    assert url.fragment == "cited" and guarded.link_ok("d", 1, 5, sig)
    assert not guarded.link_ok("d", 1, 6, sig) and not guarded.link_ok("d", 1, 5, None)
    assert guarded.bearer_ok("Bearer k") and not guarded.bearer_ok("Bearer x") and not guarded.bearer_ok(None)
    assert Access.from_options(None, ("u", "p"), "s").bearer_ok("bearer p")


# -- a real server ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def assistant(two_docs_assistant):
    """The server's index, asked in-process."""
    return two_docs_assistant


@pytest.fixture(scope="module")
def server(two_docs_index_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("openai-api")
    index = copy_index(two_docs_index_dir, work / "index")
    with running_server(index, work, auth=f"{USER}:{PASSWORD}", env_extra={"RAG_API_KEY": API_KEY}) as srv:
        yield srv


def _client(server, key: str | None = API_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "v1", api_key=key or "none", max_retries=0, timeout=60)


def _check_annotations(message_content: str, notes: list, citations: list[dict], server) -> None:
    assert notes, "a cited answer has annotations"
    by_n = {c["n"]: c for c in citations}
    for note in notes:
        note = note if isinstance(note, dict) else note.model_dump()
        assert note["type"] == "url_citation"
        uc = note["url_citation"]
        sentence = message_content[uc["start_index"] : uc["end_index"]]
        cited = [c for c in by_n.values() if cited_title(Citation(**c)) == uc["title"]]
        assert cited and sentence.strip()
        page = httpx.get(uc["url"], timeout=30)  # a browser's request: no bearer token, the link is signed
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        marked = page.text.split('<mark id="cited">', 1)[1].split("</mark>", 1)[0]
        assert html.unescape(marked) == sentence  # the view marks exactly the sentence the annotation spans
        assert urlparse(uc["url"]).fragment == "cited"


@pytest.mark.slow
def test_models_and_auth(server):
    assert [m.id for m in _client(server).models.list()][:2] == ["rag-cited", "rag-cited:extractive"]
    assert _client(server, PASSWORD).models.list().data  # the --auth password works as a bearer token too
    for key in (None, "wrong"):
        with pytest.raises(openai.AuthenticationError):
            _client(server, key).chat.completions.create(model="rag-cited", messages=[{"role": "user", "content": TOWNSEND}])
    assert httpx.get(server.url + "v1/models", timeout=30).status_code == 401
    log = server.wait_for_log(f"{server.url}mcp")
    assert f"{server.url}mcp" in log and f"{server.url}v1" in log  # rag serve names both


@pytest.mark.slow
def test_chat_completion_with_url_citations(server, assistant):
    completion = _client(server).chat.completions.create(model="rag-cited",
                                                         messages=[{"role": "user", "content": TOWNSEND}])
    message = completion.choices[0].message
    expected = assistant.ask(TOWNSEND)  # the same index, in process
    assert message.content == expected.answer and completion.choices[0].finish_reason == "stop"
    extra = message.model_extra
    assert extra["citations"] == [c.to_json() for c in expected.citations] and extra["refused"] is False
    _check_annotations(message.content, message.annotations, extra["citations"], server)
    first = message.annotations[0].url_citation
    assert message.content[first.start_index : first.end_index] == next(s.text for s in expected.sentences if s.citations)


@pytest.mark.slow
def test_streamed_chat_completion(server, assistant):
    stream = _client(server).chat.completions.create(model="rag-cited:extractive", stream=True,
                                                     messages=[{"role": "user", "content": KILLED}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    expected = assistant.ask(KILLED)
    # the extractive answer is composed whole: the role, the answer in one piece, then the final chunk
    assert text == expected.answer and [c.choices[0].delta.content for c in chunks[:2]] == ["", expected.answer]
    assert len(chunks) == 3
    last = chunks[-1].choices[0]
    assert last.finish_reason == "stop"
    extra = last.delta.model_extra
    _check_annotations(text, extra["annotations"], extra["citations"], server)
    assert extra["checked_content"] == text and extra["dropped"] == [] and extra["refused"] is False
    assert extra["sentences"] == [s.to_json() for s in expected.sentences]
    words = len(KILLED.split()), len(expected.answer.split())  # the extractive engine counts words
    assert chunks[-1].usage.model_dump() == {"prompt_tokens": words[0], "completion_tokens": words[1],
                                             "total_tokens": sum(words), "completion_tokens_details": None,
                                             "prompt_tokens_details": None, "counted": "words"}
    # on the wire: server-sent events ending with [DONE]
    with httpx.stream("POST", server.url + "v1/chat/completions", timeout=60,
                      headers={"Authorization": f"Bearer {API_KEY}"},
                      json={"model": "rag-cited", "stream": True, "messages": [{"role": "user", "content": KILLED}]}) as r:
        events = [e for e in r.read().decode().split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    assert json.loads(events[0][6:])["object"] == "chat.completion.chunk"
    # with stream_options.include_usage, OpenAI's usage chunk (no choices) before [DONE]
    chunks = list(_client(server).chat.completions.create(
        model="rag-cited", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": KILLED}]))
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == sum(words)


@pytest.mark.slow
def test_usage_of_a_whole_completion(server, assistant):
    completion = _client(server).chat.completions.create(model="rag-cited", messages=[{"role": "user", "content": KILLED}])
    answer = assistant.ask(KILLED).answer
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (len(KILLED.split()), len(answer.split()))
    assert completion.usage.model_extra["counted"] == "words"


@pytest.mark.slow
def test_a_completion_limited_to_some_documents(server, assistant):
    client = _client(server)
    harbour = set(assistant.scope([HARBOUR_NAME]).doc_ids)
    asked = [{"role": "user", "content": HARBOUR_QUESTION}]
    by_body = client.chat.completions.create(model="rag-cited", messages=asked, extra_body={"documents": [HARBOUR_NAME]})
    by_metadata = client.chat.completions.create(model="rag-cited", messages=asked,
                                                 metadata={"documents": f"{HARBOUR_NAME}, harbour*"})  # strings: comma-separated
    for completion in (by_body, by_metadata):
        extra = completion.choices[0].message.model_extra
        assert "913" in completion.choices[0].message.content
        assert {c["doc_id"] for c in extra["citations"]} == harbour
    # the article alone does not know about gulls: whatever comes back cites the article only
    mosul = client.chat.completions.create(model="rag-cited", messages=asked, extra_body={"documents": ["mosul*"]})
    assert "913" not in mosul.choices[0].message.content
    assert not {c["doc_id"] for c in mosul.choices[0].message.model_extra["citations"]} & harbour
    stream = client.chat.completions.create(model="rag-cited", messages=asked, stream=True,
                                            extra_body={"documents": [HARBOUR_NAME]})
    last = list(stream)[-1].choices[0].delta.model_extra
    assert {c["doc_id"] for c in last["citations"]} == harbour
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="rag-cited", messages=asked, extra_body={"documents": ["nope.pdf"]})
    assert err.value.body["param"] == "documents" and "no indexed document matches 'nope.pdf'" in err.value.body["message"]


@pytest.mark.slow
@pytest.mark.parametrize("extra, param", [
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}, "tools"),
    ({"response_format": {"type": "json_object"}}, "response_format"),
    ({"n": 2}, "n"),
    ({"logprobs": True}, "logprobs"),
    ({"tool_choice": "required"}, "tool_choice"),
])
def test_unsupported_parameters_are_refused_with_400(server, extra, param):
    with pytest.raises(openai.BadRequestError) as err:
        _client(server).chat.completions.create(model="rag-cited", messages=[{"role": "user", "content": KILLED}],
                                                **extra)
    assert err.value.status_code == 400
    assert err.value.body["param"] == param and err.value.body["code"] == "unsupported_parameter"
    assert err.value.body["type"] == "invalid_request_error"


@pytest.mark.slow
def test_history_makes_follow_ups_work(server, assistant):
    first = assistant.ask("Who is Stephen Townsend?")
    messages = [{"role": "system", "content": "ignored"}, {"role": "user", "content": "Who is Stephen Townsend?"},
                {"role": "assistant", "content": first.answer}, {"role": "user", "content": "What did he say?"}]
    message = _client(server).chat.completions.create(model="rag-cited", messages=messages).choices[0].message
    assert message.content == assistant.ask("What did he say?", [("Who is Stephen Townsend?", first.answer)]).answer
    assert "Townsend" in message.content or any("Townsend" in c["text"] for c in message.model_extra["citations"])


@pytest.mark.slow
def test_refusals_and_bad_requests(server):
    client = _client(server)
    refused = client.chat.completions.create(model="rag-cited", messages=[
        {"role": "user", "content": "What is the boiling point of mercury on Jupiter?"}]).choices[0].message
    assert refused.model_extra["refused"] is True and not refused.annotations and refused.model_extra["citations"] == []
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": TOWNSEND}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="rag-cited", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="rag-cited", messages=[{"role": "user", "content": "   "}])


@pytest.mark.slow
def test_source_view_refuses_unsigned_and_bad_links(server, assistant):
    doc_id = next(iter(assistant.index.documents))
    base = f"{server.url}source/{doc_id}"
    assert httpx.get(f"{base}?start=0&end=10", timeout=30).status_code == 401  # unsigned, no token
    assert httpx.get(f"{base}?start=0&end=10&sig=00", timeout=30).status_code == 401
    auth = {"Authorization": f"Bearer {API_KEY}"}
    assert httpx.get(f"{base}?start=0&end=10", headers=auth, timeout=30).status_code == 200
    assert httpx.get(f"{base}?start=10&end=5", headers=auth, timeout=30).status_code == 400
    assert httpx.get(f"{server.url}source/nope?start=0&end=1", headers=auth, timeout=30).status_code == 404


@pytest.mark.slow
def test_doc_snippet_runs_against_the_server(server):
    from doc_snippets import run_snippet

    out = run_snippet("openai", {"http://127.0.0.1:7860": server.url.rstrip("/"), "YOUR_KEY": API_KEY})
    assert "[1]" in out and "-> Iraqi-U.S. Coalition Pans" in out and f"{server.url}source/" in out
    lines = [line for line in out.split("\n") if line]
    assert lines[-3].startswith("supported: [True") and lines[-3].endswith("dropped: []")
    assert "'url_citation'" in lines[-2]  # the stream's last chunk printed its annotations
    assert lines[-1].startswith("usage: ") and int(lines[-1].split()[1]) > 5
    assert any(line.startswith("usage: ") and line.endswith(" words") for line in lines)  # the whole completion's
