"""MCP tools on the web chat's server: ``ask`` (a cited answer) and ``search`` (cited passages).

Served over MCP's streamable HTTP transport at ``/mcp`` on the same host and port as the
chat, by the ``mcp`` package (Gradio's own MCP support needs ``mcp<2`` and an older
pydantic than this project runs). Agents and chat front-ends that speak MCP can then use
the indexed documents as a tool. The tools return JSON (structured content, and the same
as text): ``ask`` gives ``Answer.to_json()`` (answer with [n], citations with document
offsets, sentences, refusal); ``search`` gives the top passages as citations, each with
its best supporting sentence (rag/integrations/passage_search.py).

With an API key or ``--auth``, requests need ``Authorization: Bearer <key or PASS>``
(ui/access.py), like the OpenAI-compatible API.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.assistant import Assistant, QuestionError
from rag.integrations.passage_search import MAX_PASSAGES, AssistantSearch
from rag.store.vectors_base import StoreUnavailable

from .access import Access

PATH = "/mcp"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_mcp(assistant: Assistant):
    """The MCP server with the two tools over ``assistant`` (its current index, following rebuilds)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer(name="rag-cited", instructions="Answers questions about the indexed documents, quoting them "
                       "with numbered citations [n]; search finds the passages that support a query.")
    searcher = AssistantSearch(assistant)

    @server.tool()
    def ask(question: str, history: list[list[str]] | None = None) -> dict[str, Any]:
        """Answer a question about the indexed documents with numbered citations [n] to exact passages.

        history: earlier turns as [user, assistant] pairs, for follow-up questions. Returns
        {answer, refused, citations: [{n, doc_id, source, title, start, end, text, score,
        sentence_start, sentence_end}], sentences, engine, note, question_type, short_answer};
        offsets are character offsets in the document's text. refused is true when the
        sources do not answer the question.
        """
        pairs = [(str(p[0]), str(p[1])) for p in (history or []) if len(p) == 2]
        try:
            return assistant.ask(question, pairs).to_json()
        except QuestionError as exc:
            raise ToolError(f"cannot ask this: {exc}") from exc

    @server.tool()
    def search(query: str, top_k: int = 5) -> dict[str, Any]:
        """Find the passages of the indexed documents that best match a query (hybrid dense + keyword search).

        Returns {passages: [{n, doc_id, source, title, start, end, text, score, sentence_start,
        sentence_end}]}, best first: each passage's offsets and those of its sentence that
        best supports the query.
        """
        if not 1 <= top_k <= MAX_PASSAGES:
            raise ToolError(f"top_k must be between 1 and {MAX_PASSAGES}")
        try:
            return {"passages": [c.to_json() for c in searcher.search(query, top_k)]}
        except StoreUnavailable as exc:  # the vectors' server is down: say so; the next call tries again
            raise ToolError(f"cannot search now: {exc}") from exc

    return server


class _BearerGuard:
    """Answers 401 to HTTP requests without an accepted bearer token; passes the rest to ``app``."""

    def __init__(self, app: ASGIApp, access: Access):
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if not self.access.bearer_ok(headers.get("authorization")):
                body = json.dumps({"error": "Missing or wrong API key: send Authorization: Bearer <key>."}).encode()
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def mcp_routes(assistant: Assistant, access: Access, host: str) -> tuple[list[Route], Any]:
    """(routes, lifespan): the MCP endpoint at /mcp for the app's routes, and the lifespan that runs its sessions.

    On a loopback host, requests whose Host or Origin is not a loopback address are refused
    (DNS rebinding protection); on any other host that check is off, as the names clients
    use are not known here (serve such a host with an API key or --auth).
    """
    from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
    from mcp.server.transport_security import TransportSecuritySettings

    server = build_mcp(assistant)
    security = None if host in LOOPBACK else TransportSecuritySettings(enable_dns_rebinding_protection=False)
    server.streamable_http_app(streamable_http_path=PATH, transport_security=security, host=host)
    endpoint = _BearerGuard(StreamableHTTPASGIApp(server.session_manager), access)

    @contextlib.asynccontextmanager
    async def lifespan(_app) -> AsyncIterator[None]:
        async with server.session_manager.run():
            yield

    return [Route(PATH, endpoint=endpoint), Route(PATH + "/", endpoint=endpoint)], lifespan
