"""The Chat tab: the conversation, the question box with the documents to ask, the engine selector, and the
handlers that answer.

An answer streams into the chat word by word, then is replaced by its finished HTML, with
the [n] markers linked to the sources listed under it (ui/render.py builds and escapes it)
and a Copy link (ui/app.js). Stop cancels the answer being made (Gradio closes the handler's
generator, which closes the model's stream); the retry button of the last answer asks its
question again; the thumbs-down records the answer as wrong, with an optional comment
(ui/feedback.py).
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag import Answer, Assistant, QuestionError, ScopeError, check_question

from . import feedback, render
from .saved_chat import message_dict

if TYPE_CHECKING:
    from gradio.components.chatbot import ExampleMessage

log = logging.getLogger(__name__)
ANSWER_CONCURRENCY = 4  # chat answers run alongside each other and alongside a rebuild
PLACEHOLDER = "Ask a question about the indexed documents, or pick an example."


@dataclass
class ChatTab:
    """The Chat tab's components that events read or write."""

    chatbot: gr.Chatbot
    history: gr.State
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
    clear: gr.Button
    engine: gr.Dropdown
    documents: gr.Dropdown
    feedback_row: gr.Row
    comment: gr.Textbox
    send_comment: gr.Button
    disliked: gr.State  # the record of the answer last marked wrong, until its comment is sent


def examples(assistant: Assistant) -> list[ExampleMessage]:
    """The example questions of the chat's empty state, about what is indexed now."""
    return [{"text": q} for q in assistant.example_questions()]


def document_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, document id) of every indexed document, for the documents selector: "title (file name)"."""
    return [(f"{d.title[:70]} ({PurePath(d.source).name})", d.doc_id) for d in assistant.index.documents.values()]


def chat_tab(assistant: Assistant) -> ChatTab:
    """Lay out the Chat tab (inside ``gr.Tabs``): the chat, the question row, and the engine selector."""
    with gr.Tab("Chat", id="chat"):
        chatbot = gr.Chatbot(
            label="Chat",
            elem_id="rag-chat",
            height=560,
            render_markdown=False,  # messages are HTML built (and escaped) by rag_ui.render
            sanitize_html=True,
            latex_delimiters=[],
            feedback_options=("Dislike",),  # a thumbs-down on each answer: it is wrong (ui/feedback.py)
            buttons=[],  # Gradio's "copy" would copy the message HTML: each answer has its own Copy link
            placeholder=PLACEHOLDER,
            examples=examples(assistant),
        )
        history = gr.State([])
        disliked = gr.State(None)
        with gr.Row(visible=False, elem_id="rag-feedback") as feedback_row:
            comment = gr.Textbox(
                show_label=False,
                placeholder="What was wrong with this answer? (optional)",
                scale=8,
                elem_id="rag-feedback-comment",
                max_lines=3,
            )
            send_comment = gr.Button("Send", scale=1, elem_id="rag-feedback-send")
        with gr.Row():
            documents = gr.Dropdown(
                choices=document_choices(assistant),
                value=[],
                multiselect=True,
                scale=3,
                label="Documents",
                elem_id="rag-ask-docs",
                info="Ask only these (none: all)",
            )
            question = gr.Textbox(
                show_label=False,
                placeholder="Ask a question…",
                scale=6,
                elem_id="rag-question",
                max_lines=4,
                autofocus=True,
            )
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-send")
            stop = gr.Button("Stop", variant="stop", scale=1, elem_id="rag-stop")
            clear = gr.Button("Clear", scale=1, elem_id="rag-clear")
        # shown only when an LLM engine is configured besides the extractive one
        engine = gr.Dropdown(
            choices=[(assistant.describe(e), e) for e in assistant.engines],
            value=assistant.settings.engine,
            label="Answer engine",
            elem_id="rag-engine",
            visible=len(assistant.engines) > 1,
            info="Generated answers are checked sentence by sentence; unsupported ones are marked.",
        )
    return ChatTab(
        chatbot, history, question, send, stop, clear, engine, documents, feedback_row, comment, send_comment, disliked
    )


class Chat:
    """The chat's event handlers over ``assistant``; ``stream_delay`` paces the streamed words (seconds per word),
    ``open_link(citation)`` is the href of each source card's "open" link (ui/originals.py)."""

    def __init__(self, assistant: Assistant, stream_delay: float, open_link: render.OpenLink | None = None):
        self.assistant = assistant
        self.stream_delay = stream_delay
        self.open_link = open_link

    def respond(
        self,
        question: str,
        messages: list,
        history: list,
        engine: str | None = None,
        documents: list[str] | None = None,
    ) -> Iterator[tuple]:
        """Answer ``question`` (from ``documents`` only, when some are chosen): yields (messages, history, question
        box) as the answer streams in, then the final one."""
        q = (question or "").strip()
        shown = self._checked(q, documents)
        if shown is None:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        messages = list(messages or []) + [
            {"role": "user", "content": render.user_html(shown)},
            {"role": "assistant", "content": render.partial_html("Searching the sources…")},
        ]
        yield messages, gr.skip(), ""
        pairs = [(str(u), str(a)) for u, a in (history or [])]
        answer = yield from self._stream(q, pairs, engine, documents, messages)
        if answer is None:
            return
        messages[-1] = {
            "role": "assistant",
            "content": render.answer_html(answer, uuid.uuid4().hex[:8], self.open_link),
        }
        yield messages, list(history or []) + [[shown, answer.answer]], gr.skip()

    def _checked(self, q: str, documents: list[str] | None) -> str | None:
        """The question as it will be answered and shown (cleaned, cut to the limit), or None (with a
        warning to the user) when it cannot be asked (or the chosen documents are gone)."""
        if not q:
            return None
        try:
            self.assistant.scope(documents)
            return check_question(q, self.assistant.settings)
        except (QuestionError, ScopeError) as exc:
            gr.Warning(f"Cannot ask this: {exc}")
            return None

    def _stream(
        self, q: str, pairs: list[tuple[str, str]], engine: str | None, documents: list[str] | None, messages: list
    ) -> Generator[tuple, None, Answer | None]:
        """Show the answer's text as it grows in the last message; returns the finished Answer (None when refused
        as a question, with the reason in the message). Closed early (Stop), it closes the answer's stream, so
        an LLM stops writing."""
        shown = ""
        try:
            with contextlib.closing(self.assistant.stream(q, pairs, engine or None, documents or None)) as answers:
                for shown, ans in answers:
                    if ans is not None:
                        return ans
                    messages[-1] = {"role": "assistant", "content": render.partial_html(shown)}
                    yield messages, gr.skip(), gr.skip()
                    if self.stream_delay:
                        time.sleep(self.stream_delay)
        except GeneratorExit:
            log.info("answer stopped by the user after %d characters; its stream is closed", len(shown))
            raise
        except (QuestionError, ScopeError) as exc:
            messages[-1] = {"role": "assistant", "content": render.partial_html(f"Cannot ask this: {exc}")}
            yield messages, gr.skip(), gr.skip()
        return None

    def respond_example(
        self, messages: list, history: list, engine: str | None, documents: list[str] | None, evt: gr.SelectData
    ):
        """Answer the example question the user clicked."""
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        yield from self.respond(value.get("text", ""), messages, history, engine, documents)

    def retry(self, messages: list, history: list, engine: str | None, documents: list[str] | None, evt: gr.RetryData):
        """Ask the question of the last answer again: the answer goes, and a new one streams in."""
        chat = [message_dict(m) for m in messages or []]
        index = evt.index if isinstance(evt.index, int) else -1  # a (row, column) pair is a table's, not a chat's
        turn = chat[index] if 0 <= index < len(chat) else None
        if not turn or turn["role"] != "user":
            yield gr.skip(), gr.skip(), gr.skip()
            return
        question = render.plain_text(turn["content"])
        pairs = list(history or [])
        if pairs and str(pairs[-1][0]) == question:  # the turn being retried leaves the conversation
            pairs = pairs[:-1]
        yield from self.respond(question, [m for m in chat[:index] if m], pairs, engine, documents)

    @staticmethod
    def stopped(messages: list) -> list:
        """The chat once the user stopped the answer being made: its partial text stays, marked as stopped."""
        chat = [m for m in (message_dict(m) for m in messages or []) if m]
        if chat and chat[-1]["role"] == "assistant" and "rag-streaming" in chat[-1]["content"]:
            chat[-1] = {"role": "assistant", "content": render.stopped_html(chat[-1]["content"])}
        return chat

    def disliked(self, messages: list, engine: str | None, documents: list[str] | None, evt: gr.LikeData):
        """A thumbs-down: the answer is recorded as wrong at once, and the comment box opens; taking it back
        records that and closes the box. Returns (comment row, the record, comment box)."""
        record = feedback.turn_record(
            messages,
            evt.index if isinstance(evt.index, int) else -1,
            engine,
            documents,
            self.assistant.manifest.get("built_at"),
        )
        if record is None:
            return gr.update(visible=False), None, ""
        path = feedback.feedback_path(self.assistant.settings.index_dir)
        if evt.liked is False:
            feedback.append(path, record)
            return gr.update(visible=True), record, ""
        feedback.append(path, feedback.retraction(record))
        return gr.update(visible=False), None, ""

    def comment(self, text: str, record: dict | None) -> tuple:
        """The optional comment on the answer just marked wrong; the box closes."""
        if record and (text or "").strip():
            feedback.append(
                feedback.feedback_path(self.assistant.settings.index_dir), feedback.with_comment(record, text)
            )
            gr.Info("Thank you: the comment is saved with the answer.")
        return gr.update(visible=False), None, ""

    @staticmethod
    def clear() -> tuple[list, list, str]:
        """An empty chat, history and question box."""
        return [], [], ""


def wire_chat(tab: ChatTab, chat: Chat, save: dict) -> None:
    """Connect the tab's events to the handlers; each change of the chat is then saved in the browser (``save``)."""
    chat_io: dict[str, Any] = dict(
        inputs=[tab.question, tab.chatbot, tab.history, tab.engine, tab.documents],
        outputs=[tab.chatbot, tab.history, tab.question],
    )
    chat_opts: dict[str, Any] = dict(
        api_visibility="private", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer", show_progress="hidden"
    )
    answering = [
        tab.question.submit(chat.respond, **chat_io, **chat_opts),
        tab.send.click(chat.respond, **chat_io, **chat_opts),
        tab.chatbot.example_select(
            chat.respond_example,
            inputs=[tab.chatbot, tab.history, tab.engine, tab.documents],
            outputs=[tab.chatbot, tab.history, tab.question],
            **chat_opts,
        ),
        tab.chatbot.retry(
            chat.retry,
            inputs=[tab.chatbot, tab.history, tab.engine, tab.documents],
            outputs=[tab.chatbot, tab.history, tab.question],
            **chat_opts,
        ),
    ]
    for event in answering:
        event.then(**save)
    # the answer is cancelled first; then its partial text is marked as stopped (a late update of the cancelled
    # answer cannot come after the mark)
    tab.stop.click(None, cancels=list(answering), api_visibility="private", queue=False).then(
        chat.stopped, inputs=[tab.chatbot], outputs=[tab.chatbot], api_visibility="private", queue=False
    ).then(**save)
    tab.clear.click(
        chat.clear, outputs=[tab.chatbot, tab.history, tab.question], api_visibility="private", queue=False
    ).then(**save)
    tab.chatbot.clear(lambda: [], outputs=[tab.history], api_visibility="private", queue=False).then(**save)
    feedback_out = [tab.feedback_row, tab.disliked, tab.comment]
    tab.chatbot.like(
        chat.disliked,
        inputs=[tab.chatbot, tab.engine, tab.documents],
        outputs=feedback_out,
        api_visibility="private",
        queue=False,
    )
    for listen in (tab.send_comment.click, tab.comment.submit):
        listen(
            chat.comment,
            inputs=[tab.comment, tab.disliked],
            outputs=feedback_out,
            api_visibility="private",
            queue=False,
        )


def refresh_examples_on_load(app: gr.Blocks, tab: ChatTab, assistant: Assistant) -> None:
    """On each page load, the example questions and the documents to choose from are about what is indexed now
    (a rebuild may have changed it); the documents list is refreshed whenever the question box gets the focus too."""
    app.load(
        lambda: gr.update(examples=examples(assistant)), outputs=[tab.chatbot], api_visibility="private", queue=False
    )
    app.load(
        lambda: gr.update(choices=document_choices(assistant)),
        outputs=[tab.documents],
        api_visibility="private",
        queue=False,
    )
    tab.question.focus(
        lambda: gr.update(choices=document_choices(assistant)),
        outputs=[tab.documents],
        api_visibility="private",
        queue=False,
    )
