"""A streamed chat completion of the OpenAI-compatible API: server-sent events, as OpenAI sends them.

What the stream carries, in order:

1. a chunk with the assistant's role;
2. the answer's text as it is made: an LLM engine's tokens as the model generates them (its
   own words and [n] markers, before any check); the extractive engine's answer in one piece
   once it is composed (it is composed whole, so there is nothing earlier to send);
3. the final chunk (``finish_reason: "stop"``): in its ``delta`` the ``url_citation``
   ``annotations`` (indices into the text streamed), the citation check's verdicts
   (``sentences``, each ``supported`` or not; ``dropped``: the sentences the check removed),
   ``citations``, ``refused``, ``note`` and ``checked_content`` (the checked answer, as a
   request without ``stream`` gets it); ``usage`` beside it;
4. with ``stream_options.include_usage``, OpenAI's usage chunk (no choices);
5. ``data: [DONE]``.

When the answer that stands is not the streamed reply checked (the model failed and the
extractive answer stands in, the model said the sources do not answer, or the question was
refused before the model was asked), its text follows the streamed text as more content,
after a blank line, and the annotations point into it. Comment lines (``: ping``) keep the
connection alive during long waits (``Settings.api_keepalive``). A failure ends the stream
with ``data: {"error": {...}}`` (OpenAI's error object; the official client raises it) and
then ``data: [DONE]``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator
from dataclasses import dataclass

import anyio

from rag import Answer, Citation

log = logging.getLogger(__name__)
_MARKER = re.compile(r"\s*\[\d+\]")

Link = Callable[[Citation], str]  # a citation -> the URL of its source view


@dataclass(frozen=True)
class StreamRequest:
    """What a streamed completion answers, and how."""

    question: str
    history: list[tuple[str, str]]
    engine: str | None
    documents: list[str] | None
    model: str
    include_usage: bool


def data(body: object) -> dict:
    """One server-sent event (sse-starlette's form) carrying ``body`` as JSON, or the text ``[DONE]``."""
    return {"data": body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)}


class Chunks:
    """chat.completion.chunk objects of one completion (one id and creation time)."""

    def __init__(self, model: str):
        self.id, self.created, self.model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), model

    def chunk(self, delta: dict | None, finish: str | None = None, usage: dict | None = None) -> dict:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
            "usage": usage,
        }


def error_body(message: str, type_: str = "server_error", code: str | None = None) -> dict:
    """OpenAI's error object."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


async def in_threads(gen: Generator) -> AsyncGenerator:
    """The items of a blocking generator, each computed in a worker thread. When the consumer stops early
    (the client went away), the generator is closed once its current step returns, so the model stops."""
    done = object()
    try:
        while True:
            item = await anyio.to_thread.run_sync(next, gen, done)
            if item is done:
                return
            yield item
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(gen.close)


def _unmarked(text: str) -> tuple[str, list[int]]:
    """``text`` without its [n] markers, and for each of its characters the index it came from."""
    out: list[str] = []
    where: list[int] = []
    last = 0
    for m in _MARKER.finditer(text):
        out.append(text[last : m.start()])
        where.extend(range(last, m.start()))
        last = m.end()
    out.append(text[last:])
    where.extend(range(last, len(text)))
    return "".join(out), where


def sentence_spans(answer: Answer, text: str, offset: int = 0) -> list[tuple[int, int] | None]:
    """Where each of ``answer.sentences`` is in ``text`` (markers ignored), shifted by ``offset``; None if absent."""
    plain, where = _unmarked(text)
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for s in answer.sentences:
        at = plain.find(s.text, cursor) if s.text else -1
        if at < 0:
            spans.append(None)
            continue
        cursor = at + len(s.text)
        spans.append((offset + where[at], offset + where[cursor - 1] + 1))
    return spans


def annotations_at(answer: Answer, spans: list[tuple[int, int] | None], link: Link, title) -> list[dict]:
    """One url_citation per (sentence, citation) whose sentence was found at ``spans``."""
    by_n = {c.n: c for c in answer.citations}
    out = []
    for s, span in zip(answer.sentences, spans):
        if span is None:
            continue
        for n in s.citations:
            c = by_n.get(n)
            if c is not None:
                out.append(
                    {
                        "type": "url_citation",
                        "url_citation": {
                            "start_index": span[0],
                            "end_index": span[1],
                            "url": link(c),
                            "title": title(c),
                        },
                    }
                )
    return out


def dropped_sentences(answer: Answer) -> list[str]:
    """The generated sentences the citation check removed (strict mode, or repeating the instructions)."""
    if answer.check is None:
        return []
    kept = {s.text for s in answer.sentences}
    return [c.text for c in answer.check.claims if c.text not in kept]


def final_delta(answer: Answer, streamed: str, tail_at: int | None, link: Link, title) -> dict:
    """The last chunk's delta: annotations into the ``streamed`` text (the answer's own text starts at
    ``tail_at`` when it followed the model's reply, else its sentences are found in the reply), the check's
    verdicts and the extras."""
    spans = sentence_spans(answer, streamed if tail_at is None else answer.answer, tail_at or 0)
    return {
        "annotations": annotations_at(answer, spans, link, title),
        "citations": [c.to_json() for c in answer.citations],
        "refused": answer.refused,
        "sentences": [s.to_json() for s in answer.sentences],
        "dropped": dropped_sentences(answer),
        "note": answer.note,
        "checked_content": answer.answer,
    }


async def stream_events(assistant, request: StreamRequest, link: Link, title) -> AsyncIterator[dict]:
    """The events of one streamed completion (see the module docstring); ``title(citation)`` names a citation."""
    chunks = Chunks(request.model)
    yield data(chunks.chunk({"role": "assistant", "content": ""}))
    try:
        streamed, answer = "", None
        answers = assistant.stream(request.question, request.history, request.engine, request.documents, replay=False)
        async with contextlib.aclosing(in_threads(answers)) as items:
            async for text, final in items:
                if final is not None:
                    answer = final
                elif text.startswith(streamed) and len(text) > len(streamed):  # the model's reply, grown
                    yield data(chunks.chunk({"content": text[len(streamed) :]}))
                    streamed = text
        if answer is None:
            raise RuntimeError("the answer engine ended without an answer")
        tail_at = None
        if answer.check is None or not streamed:  # the answer that stands is not the streamed reply: send it
            piece = ("\n\n" if streamed else "") + answer.answer
            tail_at = len(streamed) + len(piece) - len(answer.answer)
            yield data(chunks.chunk({"content": piece}))
            streamed += piece
        usage = answer.usage.to_json() if answer.usage else None
        yield data(chunks.chunk(final_delta(answer, streamed, tail_at, link, title), "stop", usage))
        if request.include_usage:
            yield data(chunks.chunk(None, usage=usage))
    except Exception as exc:  # noqa: BLE001 - whatever failed, the client gets an error event, then [DONE]
        log.exception("streamed completion failed")
        yield data(error_body(f"The answer failed: {type(exc).__name__}: {exc}"))
    yield data("[DONE]")
