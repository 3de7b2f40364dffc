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
* ``refused`` (an extra field): true when the sources do not answer the question;

and ``usage`` beside it (rag.answer.types.Usage: the model's tokens, or words where no
tokenizer counts). A stream sends an LLM's tokens as they are generated and the check's
verdicts and annotations in its last chunk (ui/openai_stream.py).

A request may limit the answer to some documents: ``"documents": ["report.pdf", "*.md"]``
in the body (the openai client's ``extra_body``), or ``metadata: {"documents": "report.pdf,
*.md"}`` (OpenAI's metadata values are strings: comma-separated). Parameters this server
cannot honour (``tools``, ``functions``, a ``tool_choice`` other than "none", a
``response_format`` other than text, ``n`` > 1, ``logprobs``, non-text ``modalities``) get
400 with OpenAI's error object; an unexpected failure gets 500 with one.

Models: ``rag-cited`` (the server's default engine) and ``rag-cited:<engine>`` for each
engine it offers. Answers are computed directly in a worker thread, not in Gradio's
queue, so API callers do not wait behind the chat's four-at-a-time answer slots.
"""

# no `from __future__ import annotations`: the module's function annotations() would rebind that name
import logging
import time
import uuid

from fastapi import APIRouter
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from rag import Answer, Assistant, Citation, QuestionError, ScopeError, check_question

from .access import Access
from .openai_stream import StreamRequest, stream_events
from .source_view import source_link

log = logging.getLogger(__name__)

MODEL = "rag-cited"
OWNER = "rag-cited"


class ApiError(Exception):
    """A request the API refuses: HTTP status, OpenAI error type and code, and a message for the caller."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


UNAUTHORISED = ApiError(
    401, "Missing or wrong API key: send Authorization: Bearer <key>.", "invalid_request_error", "invalid_api_key"
)


# -- requests -------------------------------------------------------------------------
def model_ids(assistant: Assistant) -> list[str]:
    """The model names this server answers to: the default, then one per engine."""
    return [MODEL, *(f"{MODEL}:{e}" for e in assistant.engines)]


def engine_for(model: object, assistant: Assistant) -> str | None:
    """The engine a model name selects (None: the server's default), or ApiError 404."""
    if model in (None, "", MODEL):
        return None
    prefix = MODEL + ":"
    if isinstance(model, str) and model.startswith(prefix) and model[len(prefix) :] in assistant.engines:
        return model[len(prefix) :]
    raise ApiError(
        404,
        f"The model '{model}' does not exist on this server (available: {', '.join(model_ids(assistant))}).",
        "invalid_request_error",
        "model_not_found",
        "model",
    )


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
                out.append(
                    {
                        "type": "url_citation",
                        "url_citation": {
                            "start_index": start,
                            "end_index": end,
                            "url": link(c),
                            "title": cited_title(c),
                        },
                    }
                )
    return out


def cited_title(c: Citation) -> str:
    """A url_citation's title: the document's title, then where the sentence is when known ("Annual report, p. 12")."""
    place = c.place_label()
    return f"{c.title}, {place}" if place else c.title


def answer_fields(answer: Answer, link) -> dict:
    """The fields of the assistant message beside its content: annotations and the extras."""
    return {
        "annotations": annotations(answer, link),
        "citations": [c.to_json() for c in answer.citations],
        "refused": answer.refused,
    }


def completion(answer: Answer, model: str, link) -> dict:
    """A whole chat.completion object for ``answer``."""
    message = {"role": "assistant", "content": answer.answer, "refusal": None, **answer_fields(answer, link)}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": answer.usage.to_json() if answer.usage else None,
    }


# -- routes -----------------------------------------------------------------------------
def unsupported(body: dict) -> ApiError | None:
    """The first parameter this server cannot honour, as a 400 naming it (None: all can be honoured)."""
    if body.get("tools") or body.get("functions"):
        name = "tools" if body.get("tools") else "functions"
        return ApiError(
            400,
            "Tools and function calling are not supported: answers come from the documents.",
            param=name,
            code="unsupported_parameter",
        )
    if body.get("tool_choice") not in (None, "none"):
        return ApiError(
            400, "tool_choice is not supported (no tools).", param="tool_choice", code="unsupported_parameter"
        )
    fmt = body.get("response_format")
    if fmt is not None and not (isinstance(fmt, dict) and fmt.get("type") == "text"):
        return ApiError(
            400,
            'Only text responses are supported: response_format must be {"type": "text"}.',
            param="response_format",
            code="unsupported_parameter",
        )
    if body.get("n") not in (None, 1):
        return ApiError(400, "Only n=1 is supported.", param="n", code="unsupported_parameter")
    if body.get("logprobs"):
        return ApiError(400, "logprobs are not supported.", param="logprobs", code="unsupported_parameter")
    if any(m != "text" for m in body.get("modalities") or []):
        return ApiError(400, "Only text output is supported.", param="modalities", code="unsupported_parameter")
    return None


def requested_documents(body: dict) -> list[str] | None:
    """The documents a request limits its answer to: ``documents`` (a list, or one string) in the body, else
    ``metadata.documents`` (comma-separated); None for all. ApiError for a malformed value."""
    value, param = body.get("documents"), "documents"
    metadata = body.get("metadata")
    if value is None and isinstance(metadata, dict) and metadata.get("documents") is not None:
        value, param = metadata["documents"], "metadata"
        value = value.split(",") if isinstance(value, str) else value
    if value is None:
        return None
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, "documents must be a list of document ids, file names or globs.", param=param)
    return [v.strip() for v in value if v.strip()] or None


def _parse(body: object, assistant: Assistant) -> StreamRequest:
    """The request's question, history, engine, documents, model name and usage option, or ApiError."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    refused = unsupported(body)
    if refused is not None:
        raise refused
    engine = engine_for(body.get("model"), assistant)
    question, history = conversation(body.get("messages"))
    try:
        check_question(question, assistant.settings)
    except QuestionError as exc:
        raise ApiError(400, f"Cannot ask this: {exc}", param="messages") from exc
    documents = requested_documents(body)
    try:
        assistant.scope(documents)  # a name that matches no document: 400 now, not an error event later
    except ScopeError as exc:
        raise ApiError(400, str(exc), param="documents", code="document_not_found") from exc
    options = body.get("stream_options")
    include_usage = bool(isinstance(options, dict) and options.get("include_usage"))
    return StreamRequest(question, history, engine, documents, str(body.get("model") or MODEL), include_usage)


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
        try:
            return await _chat_completions(request)
        except ApiError as exc:
            return exc.response()
        except Exception as exc:  # noqa: BLE001 - an unexpected failure still answers in OpenAI's shape
            log.exception("chat completion failed")
            return ApiError(500, f"The answer failed: {type(exc).__name__}: {exc}", "server_error").response()

    async def _chat_completions(request: Request):
        if not access.request_ok(request):
            return UNAUTHORISED.response()
        try:
            body = await request.json()
        except ValueError as exc:
            raise ApiError(400, "The request body is not valid JSON.") from exc
        asked = _parse(body, assistant)
        base = str(request.base_url)

        def link(c: Citation) -> str:
            return source_link(base, c.doc_id, c.sentence_start, c.sentence_end, access)

        if body.get("stream"):
            return EventSourceResponse(
                stream_events(assistant, asked, link, cited_title),
                sep="\n",
                ping=assistant.settings.api_keepalive,
                headers={"Cache-Control": "no-cache"},
            )
        try:
            answer = await run_in_threadpool(
                assistant.ask, asked.question, asked.history, asked.engine, asked.documents
            )
        except QuestionError as exc:
            raise ApiError(400, f"Cannot ask this: {exc}", param="messages") from exc
        return JSONResponse(completion(answer, asked.model, link))

    return router
