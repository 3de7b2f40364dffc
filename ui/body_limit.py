"""A size limit on request bodies sent to the API routes beside the chat (``/v1``, ``/mcp``).

Gradio caps uploads by itself (``max_file_size``), but the OpenAI-compatible API and MCP
read whole JSON bodies into memory, so without a cap one request could take as much memory
as a client cares to send. A body over the limit gets HTTP 413 with a message naming the
limit, before the route sees it: a declared ``Content-Length`` over the limit is refused
unread, and a body sent without one (chunked) is read only up to the limit.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GUARDED_PREFIXES = ("/v1", "/mcp")


def too_large_message(limit: int) -> str:
    return (
        f"The request body is larger than this server's limit of {limit:,} bytes "
        "(setting max_request_bytes, $RAG_MAX_REQUEST_BYTES); send a shorter conversation."
    )


def guarded(path: str) -> bool:
    """Whether ``path`` is one of the API routes whose bodies are limited."""
    return any(path == p or path.startswith(p + "/") for p in GUARDED_PREFIXES)


class BodyLimit:
    """ASGI middleware: bodies of requests to ``/v1`` and ``/mcp`` larger than ``limit`` bytes get 413."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not guarded(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return
        body, more = bytearray(), True
        while more:  # the body is read here (it is small: at most the limit) and handed on whole
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(send)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(self, send: Send) -> None:
        payload = json.dumps(
            {
                "error": {
                    "message": too_large_message(self.limit),
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "request_too_large",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives ``body`` once, then passes on what the client sends next (its disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
