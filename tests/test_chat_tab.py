"""The Chat tab's handlers without a browser: stop closes the answer's stream, retry asks again, a thumbs-down
is recorded beside the index, questions limited to chosen documents. (tests/test_chat_browser.py clicks them.)"""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pytest
from conftest import HARBOUR_NAME, HARBOUR_QUESTION

from rag.assistant import Assistant
from rag_ui import render
from rag_ui.chat_tab import Chat, document_choices

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning/gr.Info outside a running app


class Recording:
    """The real assistant, whose stream records being closed before it ended."""

    def __init__(self, real: Assistant):
        self.real, self.closed = real, False

    def __getattr__(self, name):
        return getattr(self.real, name)

    def stream(self, *args, **kwargs):
        try:
            yield from self.real.stream(*args, **kwargs)
        except GeneratorExit:
            self.closed = True
            raise


def test_closing_the_handler_closes_the_answers_stream(assistant):
    """What Gradio does on Stop: it closes the handler's generator; the answer's stream (an LLM's, in
    practice) must be closed with it, so the model stops writing."""
    recording = Recording(assistant)
    handler = Chat(recording, stream_delay=0).respond("What did Townsend say?", [], [], None, None)
    for _ in range(4):  # the question, "Searching…", then the answer's first words
        next(handler)
    handler.close()
    assert recording.closed


def test_stopped_keeps_the_partial_text_marked():
    partial = render.partial_html("U.S. Army Lt. General")
    messages = [{"role": "user", "content": [{"type": "text", "text": render.user_html("q")}]},
                {"role": "assistant", "content": partial}]
    stopped = Chat.stopped(messages)
    assert stopped[0]["content"] == render.user_html("q")
    assert "rag-stopped" in stopped[1]["content"] and "rag-streaming" not in stopped[1]["content"]
    assert "U.S. Army Lt. General" in stopped[1]["content"] and render.STOPPED in stopped[1]["content"]
    finished = [{"role": "assistant", "content": "<div class=\"rag-answer\">done</div>"}]
    assert Chat.stopped(finished) == finished  # nothing was streaming: nothing changes


def _answered(chat: Chat, question: str, messages=None, history=None, documents=None):
    *_, (messages, history, _box) = chat.respond(question, messages or [], history or [], None, documents)
    return messages, history


def test_retry_asks_the_last_question_again(assistant):
    chat = Chat(assistant, stream_delay=0)
    messages, history = _answered(chat, "Who is Stephen Townsend?")
    messages, history = _answered(chat, "What did he say?", messages, history)
    *_, (again, again_history, _) = chat.retry(messages, history, None, None, SimpleNamespace(index=2))
    assert len(again) == 4 and len(again_history) == 2  # the retried turn is replaced, not added
    assert render.plain_text(again[2]["content"]) == "What did he say?"
    assert again_history[1][1] == assistant.ask("What did he say?", [tuple(history[0])]).answer


def test_a_question_limited_to_chosen_documents(two_docs_assistant):
    chat = Chat(two_docs_assistant, stream_delay=0)
    choices = dict((label.rsplit("(", 1)[1].rstrip(")"), doc_id) for label, doc_id in document_choices(two_docs_assistant))
    assert set(choices) == {HARBOUR_NAME, "mosul-amnesty-report.txt"}
    messages, _ = _answered(chat, HARBOUR_QUESTION, documents=[choices[HARBOUR_NAME]])
    assert "913" in messages[-1]["content"] and "mosul-amnesty-report.txt" not in messages[-1]["content"]
    messages, _ = _answered(chat, "How many civilians does Amnesty say were killed?", documents=[choices[HARBOUR_NAME]])
    assert "mosul-amnesty-report.txt" not in messages[-1]["content"]


def test_a_thumbs_down_and_its_comment_go_beside_the_index(seed_index_dir, embedder, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index, symlinks=True)
    assistant = Assistant(assistant_settings(index), embedder=embedder)
    chat = Chat(assistant, stream_delay=0)
    messages, history = _answered(chat, "Who is Stephen Townsend?")
    messages, history = _answered(chat, "What did he say?", messages, history)
    row, record, box = chat.disliked(messages, "extractive", [], SimpleNamespace(index=3, liked=False))
    assert row["visible"] is True and box == ""
    assert record["question"] == "What did he say?"
    # the conversation as the user saw it: the earlier answer's text (its short answer shown bold, without the colon)
    assert record["history"] == [["Who is Stephen Townsend?", render.plain_text(messages[1]["content"])]]
    assert record["answer"] == render.plain_text(messages[3]["content"]) and "Townsend" in record["answer"]
    chat.comment("It should quote his challenge to Amnesty.", record)
    chat.disliked(messages, "extractive", [], SimpleNamespace(index=1, liked=False))
    chat.disliked(messages, "extractive", [], SimpleNamespace(index=1, liked=None))  # taken back
    lines = [json.loads(line) for line in (index / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"] == record["id"], r.get("comment"), r.get("retracted")) for r in lines] == [
        (True, "", None), (True, "It should quote his challenge to Amnesty.", None), (False, "", None),
        (False, None, True)]
    assert chat.disliked(messages, None, [], SimpleNamespace(index=0, liked=False))[1] is None  # a question: nothing


def assistant_settings(index):
    from rag.settings import Settings

    return Settings(index_dir=index)
