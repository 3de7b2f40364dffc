"""An OpenAI-compatible chat API on the web chat's own server and port: ``/v1/models``, ``/v1/chat/completions``.

Any OpenAI client (the official ``openai`` package, chat front-ends, agent frameworks)
can ask the indexed documents. The messages become the conversation: the last user
message is the question and the earlier user/assistant turns its history (system
messages are ignored: the answer engine has its own instructions). The answer comes
back as the assistant message, streamed (server-sent events, ``data: {...}``, ending
``data: [DONE]``) or not, with

* ``annotations``: one ``url_citation`` per cited sentence of the answer, in OpenAI's
  format: ``start_index``/``end_index`` of the sentence within the answer text, ``url``
  of the source view marking the cited sentence in its document (ui/source_view.py),
  and the document's ``title`` followed by the cited place when it is known
  ("Annual report, p. 12", "Handbook, § Safety › Fire");
* ``citations`` (an extra field): the full citation list, as ``rag ask --json`` gives it;
* ``refused`` (an extra field): true when the sources do not answer the question.

Models: ``rag-cited`` (the server's default engine) and ``rag-cited:<engine>`` for each
engine it offers. Answers are computed directly in a worker thread, not in Gradio's
queue, so API callers do not wait behind the chat's four-at-a-time answer slots.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from rag.answer.types import Answer, Citation
from rag.assistant import Assistant, QuestionError, check_question

from .access import Access
from .source_view import source_link

MODEL = "rag-cited"
OWNER = "rag-cited"


class ApiError(Exception):
    """A request the API refuses: HTTP status, OpenAI error type and code, and a message for the caller."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


UNAUTHORISED = ApiError(401, "Missing or wrong API key: send Authorization: Bearer <key>.", "invalid_request_error",
                        "invalid_api_key")


# -- requests -------------------------------------------------------------------------
def model_ids(assistant: Assistant) -> list[str]:
    """The model names this server answers to: the default, then one per engine."""
    return [MODEL, *(f"{MODEL}:{e}" for e in assistant.engines)]


def engine_for(model: object, assistant: Assistant) -> str | None:
    """The engine a model name selects (None: the server's default), or ApiError 404."""
    if model in (None, "", MODEL):
        return None
    prefix = MODEL + ":"
    if isinstance(model, str) and model.startswith(prefix) and model[len(prefix):] in assistant.engines:
        return model[len(prefix):]
    raise ApiError(404, f"The model '{model}' does not exist on this server (available: "
                   f"{', '.join(model_ids(assistant))}).", "invalid_request_error", "model_not_found", "model")


def message_text(message: dict) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    content = message.get("content")
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise ApiError(400, "Only text content is supported.", param="messages")
            parts.append(part["text"])
        return "".join(parts)
    raise ApiError(400, "A message's content must be a string or a list of text parts.", param="messages")


def conversation(messages: object) -> tuple[str, list[tuple[str, str]]]:
    """(question, history): the last message, which must be the user's, and the [user, assistant] pairs before it.

    System, developer and tool messages are skipped; a user message that got no assistant
    reply is dropped from the history.
    """
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise ApiError(400, "messages must be a non-empty list of {role, content} objects.", param="messages")
    if messages[-1].get("role") != "user":
        raise ApiError(400, "The last message must be the user's question.", param="messages")
    history: list[tuple[str, str]] = []
    pending: str | None = None
    for m in messages[:-1]:
        role = m.get("role")
        if role == "user":
            pending = message_text(m)
        elif role == "assistant" and pending is not None:
            history.append((pending, message_text(m)))
            pending = None
    return message_text(messages[-1]), history


# -- answers ----------------------------------------------------------------------------
def annotations(answer: Answer, link) -> list[dict]:
    """One url_citation per (cited sentence, citation): the sentence's place in the answer text and its source link.

    ``link(citation)`` gives the URL of the citation's source view. A sentence not found
    verbatim in the answer text (which should not happen) gets no annotation.
    """
    by_n: dict[int, Citation] = {c.n: c for c in answer.citations}
    out, cursor = [], 0
    for s in answer.sentences:
        start = answer.answer.find(s.text, cursor) if s.text else -1
        if start < 0:
            continue
        end = cursor = start + len(s.text)
        for n in s.citations:
            c = by_n.get(n)
            if c is not None:
                out.append({"type": "url_citation", "url_citation": {"start_index": start, "end_index": end,
                                                                     "url": link(c), "title": cited_title(c)}})
    return out


def cited_title(c: Citation) -> str:
    """A url_citation's title: the document's title, then where the sentence is when known ("Annual report, p. 12")."""
    place = c.place_label()
    return f"{c.title}, {place}" if place else c.title


def answer_fields(answer: Answer, link) -> dict:
    """The fields of the assistant message beside its content: annotations and the extras."""
    return {"annotations": annotations(answer, link), "citations": [c.to_json() for c in answer.citations],
            "refused": answer.refused}


def completion(answer: Answer, model: str, link) -> dict:
    """A whole chat.completion object for ``answer``."""
    message = {"role": "assistant", "content": answer.answer, "refusal": None, **answer_fields(answer, link)}
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": None}


def chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None) -> str:
    """One server-sent event carrying a chat.completion.chunk."""
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


async def stream_events(assistant: Assistant, question: str, history, engine: str | None, model: str,
                        link) -> AsyncIterator[str]:
    """The answer as chunks: the role, the text as it grows, then the annotations and extras, then [DONE].

    Extractive answers grow word by word. A generated answer is sent once it is checked:
    the model's raw text may lose sentences in the check, and streamed text cannot be taken back.
    """
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    yield chunk(cid, created, model, {"role": "assistant", "content": ""})
    partial = (engine or assistant.settings.engine) == "extractive"
    sent, answer = "", None
    async for text, final in iterate_in_threadpool(assistant.stream(question, history, engine)):
        if final is not None:
            answer, text = final, final.answer
        if (partial or final is not None) and text.startswith(sent) and len(text) > len(sent):
            yield chunk(cid, created, model, {"content": text[len(sent):]})
            sent = text
    if answer is not None:
        yield chunk(cid, created, model, answer_fields(answer, link), "stop")
    yield "data: [DONE]\n\n"


# -- routes -----------------------------------------------------------------------------
def _parse(body: object, assistant: Assistant) -> tuple[str, list[tuple[str, str]], str | None, str, bool]:
    """(question, history, engine, model name, stream) from a request body, or ApiError."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    engine = engine_for(body.get("model"), assistant)
    question, history = conversation(body.get("messages"))
    try:
        check_question(question, assistant.settings)
    except QuestionError as exc:
        raise ApiError(400, f"Cannot ask this: {exc}", param="messages") from exc
    if body.get("n") not in (None, 1):
        raise ApiError(400, "Only n=1 is supported.", param="n")
    return question, history, engine, str(body.get("model") or MODEL), bool(body.get("stream"))


def openai_router(assistant: Assistant, access: Access) -> APIRouter:
    """``GET /v1/models`` and ``POST /v1/chat/completions`` over ``assistant``, guarded by ``access``."""
    router = APIRouter(prefix="/v1")

    @router.get("/models", include_in_schema=False)
    async def models(request: Request) -> JSONResponse:
        if not access.request_ok(request):
            return UNAUTHORISED.response()
        data = [{"id": m, "object": "model", "created": 0, "owned_by": OWNER} for m in model_ids(assistant)]
        return JSONResponse({"object": "list", "data": data})

    @router.post("/chat/completions", include_in_schema=False)
    async def chat_completions(request: Request):
        if not access.request_ok(request):
            return UNAUTHORISED.response()
        try:
            body = await request.json()
        except ValueError:
            return ApiError(400, "The request body is not valid JSON.").response()
        try:
            question, history, engine, model, stream = _parse(body, assistant)
        except ApiError as exc:
            return exc.response()
        base = str(request.base_url)

        def link(c: Citation) -> str:
            return source_link(base, c.doc_id, c.sentence_start, c.sentence_end, access)

        if stream:
            return StreamingResponse(stream_events(assistant, question, history, engine, model, link),
                                     media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        try:
            answer = await run_in_threadpool(assistant.ask, question, history, engine)
        except QuestionError as exc:
            return ApiError(400, f"Cannot ask this: {exc}", param="messages").response()
        return JSONResponse(completion(answer, model, link))

    return router
