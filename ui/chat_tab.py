"""The Chat tab: the conversation, the question box, the engine selector, and the handlers that answer.

An answer streams into the chat word by word, then is replaced by its finished HTML, with
the [n] markers linked to the sources listed under it (ui/render.py builds and escapes it).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import gradio as gr

from rag.answer.types import Answer
from rag.assistant import Assistant, QuestionError, check_question

from . import render

ANSWER_CONCURRENCY = 4  # chat answers run alongside each other and alongside a rebuild
PLACEHOLDER = "Ask a question about the indexed documents, or pick an example."


@dataclass
class ChatTab:
    """The Chat tab's components that events read or write."""

    chatbot: gr.Chatbot
    history: gr.State
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    engine: gr.Dropdown


def examples(assistant: Assistant) -> list[dict]:
    """The example questions of the chat's empty state, about what is indexed now."""
    return [{"text": q} for q in assistant.example_questions()]


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
            feedback_options=None,
            buttons=[],  # "copy" would copy the message HTML, not its text
            placeholder=PLACEHOLDER,
            examples=examples(assistant),
        )
        history = gr.State([])
        with gr.Row():
            question = gr.Textbox(show_label=False, placeholder="Ask a question…", scale=8, elem_id="rag-question",
                                  max_lines=4, autofocus=True)
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-send")
            clear = gr.Button("Clear", scale=1, elem_id="rag-clear")
        # shown only when an LLM engine is configured besides the extractive one
        engine = gr.Dropdown(
            choices=[(assistant.describe(e), e) for e in assistant.engines], value=assistant.settings.engine,
            label="Answer engine", elem_id="rag-engine", visible=len(assistant.engines) > 1,
            info="Generated answers are checked sentence by sentence; unsupported ones are marked.",
        )
    return ChatTab(chatbot, history, question, send, clear, engine)


class Chat:
    """The chat's event handlers over ``assistant``; ``stream_delay`` paces the streamed words (seconds per word),
    ``open_link(citation)`` is the href of each source card's "open" link (ui/originals.py)."""

    def __init__(self, assistant: Assistant, stream_delay: float, open_link: render.OpenLink | None = None):
        self.assistant = assistant
        self.stream_delay = stream_delay
        self.open_link = open_link

    def respond(self, question: str, messages: list, history: list, engine: str | None = None) -> Iterator[tuple]:
        """Answer ``question``: yields (messages, history, question box) as the answer streams in, then the final one."""
        q = (question or "").strip()
        shown = self._checked(q)
        if shown is None:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        messages = list(messages or []) + [
            {"role": "user", "content": render.user_html(shown)},
            {"role": "assistant", "content": render.partial_html("Searching the sources…")},
        ]
        yield messages, gr.skip(), ""
        pairs = [(str(u), str(a)) for u, a in (history or [])]
        answer = yield from self._stream(q, pairs, engine, messages)
        if answer is None:
            return
        messages[-1] = {"role": "assistant", "content": render.answer_html(answer, uuid.uuid4().hex[:8], self.open_link)}
        yield messages, list(history or []) + [[shown, answer.answer]], gr.skip()

    def _checked(self, q: str) -> str | None:
        """The question as it will be answered and shown (cleaned, cut to the limit), or None (with a
        warning to the user) when it cannot be asked."""
        if not q:
            return None
        try:
            return check_question(q, self.assistant.settings)
        except QuestionError as exc:
            gr.Warning(f"Cannot ask this: {exc}")
            return None

    def _stream(self, q: str, pairs: list[tuple[str, str]], engine: str | None,
                messages: list) -> Generator[tuple, None, Answer | None]:
        """Show the answer's text as it grows in the last message; returns the finished Answer (None when refused
        as a question, with the reason in the message)."""
        try:
            for text, ans in self.assistant.stream(q, pairs, engine or None):
                if ans is not None:
                    return ans
                messages[-1] = {"role": "assistant", "content": render.partial_html(text)}
                yield messages, gr.skip(), gr.skip()
                if self.stream_delay:
                    time.sleep(self.stream_delay)
        except QuestionError as exc:
            messages[-1] = {"role": "assistant", "content": render.partial_html(f"Cannot ask this: {exc}")}
            yield messages, gr.skip(), gr.skip()
        return None

    def respond_example(self, messages: list, history: list, engine: str | None, evt: gr.SelectData):
        """Answer the example question the user clicked."""
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        yield from self.respond(value.get("text", ""), messages, history, engine)

    @staticmethod
    def clear() -> tuple[list, list, str]:
        """An empty chat, history and question box."""
        return [], [], ""


def wire_chat(tab: ChatTab, chat: Chat, save: dict) -> None:
    """Connect the tab's events to the handlers; each change of the chat is then saved in the browser (``save``)."""
    chat_io = dict(inputs=[tab.question, tab.chatbot, tab.history, tab.engine],
                   outputs=[tab.chatbot, tab.history, tab.question])
    chat_opts = dict(api_visibility="private", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer",
                     show_progress="hidden")
    tab.question.submit(chat.respond, **chat_io, **chat_opts).then(**save)
    tab.send.click(chat.respond, **chat_io, **chat_opts).then(**save)
    tab.chatbot.example_select(chat.respond_example, inputs=[tab.chatbot, tab.history, tab.engine],
                               outputs=[tab.chatbot, tab.history, tab.question], **chat_opts).then(**save)
    tab.clear.click(chat.clear, outputs=[tab.chatbot, tab.history, tab.question], api_visibility="private",
                    queue=False).then(**save)
    tab.chatbot.clear(lambda: [], outputs=[tab.history], api_visibility="private", queue=False).then(**save)


def refresh_examples_on_load(app: gr.Blocks, tab: ChatTab, assistant: Assistant) -> None:
    """On each page load, the example questions are about what is indexed now (a rebuild may have changed it)."""
    app.load(lambda: gr.update(examples=examples(assistant)), outputs=[tab.chatbot], api_visibility="private",
             queue=False)
