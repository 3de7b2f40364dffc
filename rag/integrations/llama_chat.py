"""A llama-index chat engine over the cited answers: every turn keeps its own citations.

:class:`CitedChatEngine` answers each message as the web chat does: a follow-up ("What did
he say?") is resolved against the earlier turns, and the answer cites the passages it
quotes. Its ``chat_history`` holds the turns as llama-index ``ChatMessage`` objects; each
assistant message carries its citations (``additional_kwargs["citations"]``, as in
`rag ask --json`) and whether it was refused, so a later turn, or the application, can
still show where an earlier answer came from. ``chat`` returns an ``AgentChatResponse``
whose ``source_nodes`` are the citations (node n for [n]); ``stream_chat`` streams an
LLM's text as it is written, with the source nodes filled in at the end; ``achat`` and
``astream_chat`` do the same in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import Any

from llama_index.core.chat_engine.types import AgentChatResponse, BaseChatEngine, StreamingAgentChatResponse
from llama_index.core.llms import ChatMessage, ChatResponse, MessageRole
from llama_index.core.vector_stores.types import MetadataFilters

from ..answer.types import Answer
from ..assistant import Assistant
from ..settings import Settings
from .llama_index import (
    REFUSAL_TEXT,
    AnswerFollower,
    answer_response,
    chosen_documents,
    cited_assistant,
    final_answer,
    in_threads,
    nothing_chosen,
)


def turn_pairs(history: list[ChatMessage]) -> list[tuple[str, str]]:
    """[(user, assistant), ...] of a llama-index chat history (other roles skipped, an unanswered message dropped)."""
    pairs, pending = [], None
    for m in history:
        if m.role == MessageRole.USER:
            pending = m.content or ""
        elif m.role == MessageRole.ASSISTANT and pending is not None:
            pairs.append((pending, m.content or ""))
            pending = None
    return pairs


def assistant_message(answer: Answer) -> ChatMessage:
    """An answer as the assistant's turn of the history, its citations kept with it."""
    return ChatMessage(
        role=MessageRole.ASSISTANT,
        content=answer.answer,
        additional_kwargs={"citations": [c.to_json() for c in answer.citations], "refused": answer.refused},
    )


class CitedChatEngine(BaseChatEngine):
    """A chat over the indexed documents whose answers are cited, turn after turn (see the module docstring).

    Built like :class:`~rag.integrations.llama_index.CitedQueryEngine`: ``index_dir`` or
    ``assistant``, optional ``llm``, ``engine``, ``documents`` or ``filters``.
    """

    def __init__(
        self,
        index_dir: str | Path | None = None,
        settings: Settings | None = None,
        llm: Any = None,
        engine: str | None = None,
        embedder: Any = None,
        assistant: Assistant | None = None,
        documents: list[str] | None = None,
        filters: MetadataFilters | None = None,
    ):
        self._assistant = assistant or cited_assistant(index_dir, settings, llm=llm, embedder=embedder)
        self.engine, self.documents, self.filters = engine, documents, filters
        chosen_documents(self._assistant, filters, documents)  # a bad filter fails here
        self._history: list[ChatMessage] = []

    @property
    def chat_history(self) -> list[ChatMessage]:
        return list(self._history)

    def reset(self) -> None:
        self._history = []

    def _answers(self, message: str, chat_history: list[ChatMessage] | None) -> Iterator[tuple[str, Answer | None]]:
        if chat_history is not None:
            self._history = list(chat_history)
        chosen = chosen_documents(self._assistant, self.filters, self.documents)
        if chosen == []:
            return iter([(REFUSAL_TEXT, nothing_chosen(message))])
        return self._assistant.stream(message, turn_pairs(self._history), self.engine, chosen, replay=False)

    def _record(self, message: str, answer: Answer) -> AgentChatResponse:
        self._history += [ChatMessage(role=MessageRole.USER, content=message), assistant_message(answer)]
        done = answer_response(answer)
        return AgentChatResponse(response=answer.answer, source_nodes=done.source_nodes, metadata=done.metadata)

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return self._record(message, final_answer(self._answers(message, chat_history)))

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return await asyncio.to_thread(self.chat, message, chat_history)

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        response = StreamingAgentChatResponse(is_writing_to_memory=False)
        turn = _Turn(self, message, response)
        response.chat_stream = turn.follow(self._answers(message, chat_history))
        return response

    async def astream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        response = StreamingAgentChatResponse(is_writing_to_memory=False)
        turn = _Turn(self, message, response)
        response.achat_stream = turn.afollow(in_threads(self._answers(message, chat_history)))
        return response


class _Turn(AnswerFollower):
    """One streamed turn: its text deltas as ChatResponses, then the turn recorded and the source nodes filled in."""

    def __init__(self, engine: CitedChatEngine, message: str, response: StreamingAgentChatResponse):
        self.engine, self.message, self.response = engine, message, response

    def _chunk(self, delta: str) -> ChatResponse:
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=delta), delta=delta)

    def _end(self) -> None:
        done = self.engine._record(self.message, self._final())
        self.response.source_nodes.extend(done.source_nodes)

    def follow(self, stream: Iterator[tuple[str, Answer | None]]) -> Generator[ChatResponse, None, None]:
        for text, final in stream:
            delta = self._delta(text, final)
            if delta:
                yield self._chunk(delta)
        self._end()

    async def afollow(self, stream: AsyncIterator[tuple[str, Answer | None]]) -> AsyncGenerator[ChatResponse, None]:
        async for text, final in stream:
            delta = self._delta(text, final)
            if delta:
                yield self._chunk(delta)
        self._end()
