"""MCP tools: ``ask`` (a cited answer), ``search`` (cited passages) and ``documents`` (what is indexed).

Served two ways: over MCP's streamable HTTP transport at ``/mcp`` on the same host and port
as the web chat (``rag serve``), and over stdio (``rag mcp``), the way desktop MCP clients
start a server. The ``mcp`` package serves them (Gradio's own MCP support needs ``mcp<2``
and an older pydantic than this project runs). Inputs and results are typed
(ui/mcp_models.py), so clients see JSON schemas of both; results are structured content
and the same JSON as text. ``ask`` gives ``Answer.to_json()`` (answer with [n], citations
with document offsets, sentences, refusal); ``search`` the top passages as citations, each
with its best supporting sentence (rag/integrations/passage_search.py). ``ask`` and
``search`` take ``documents`` (ids, file names or globs) to answer from those documents
only. Every tool only reads: they are annotated read-only.

Over HTTP, with an API key or ``--auth``, requests need ``Authorization: Bearer <key or
PASS>`` (ui/access.py), like the OpenAI-compatible API.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
import anyio.abc
import anyio.to_thread
from pydantic import Field
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from rag import Assistant, QuestionError, ScopeError, Settings, StoreUnavailable
from rag.integrations.passage_search import MAX_PASSAGES, AssistantSearch

from .access import Access
from .mcp_models import AskResult, DocumentList, IndexedDocument, SearchResult

PATH = "/mcp"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
INSTRUCTIONS = (
    "Answers questions about the indexed documents, quoting them with numbered citations [n]; search "
    "finds the passages that support a query; documents lists what is indexed. ask and search take "
    "documents (ids, file names or globs such as '*.pdf') to use only those documents."
)

Documents = Annotated[
    list[str] | None,
    Field(
        description="Use only these documents: ids (or their first 6+ characters), file names, paths or globs such "
        "as '*.pdf' (see the documents tool). Default: every document."
    ),
]


def _annotations(title: str, idempotent: bool):
    from mcp.types import ToolAnnotations

    # every tool reads the index and changes nothing; answers come from the indexed documents only
    return ToolAnnotations(
        title=title, read_only_hint=True, destructive_hint=False, idempotent_hint=idempotent, open_world_hint=False
    )


def build_mcp(assistant: Assistant | Callable[[], Assistant], lifespan=None):
    """The MCP server with the tools over ``assistant`` (its current index, following rebuilds). ``assistant``
    may be a function giving it, called by each tool: the stdio server answers the handshake while it loads;
    ``lifespan`` is the server's (MCPServer's argument)."""
    from mcp.server.mcpserver import MCPServer

    current = assistant if callable(assistant) and not isinstance(assistant, Assistant) else (lambda: assistant)
    server = MCPServer(name="rag-cited", instructions=INSTRUCTIONS, lifespan=lifespan)
    _add_ask(server, current)
    _add_search(server, current)
    _add_documents(server, current)
    return server


def _add_ask(server, current: Callable[[], Assistant]) -> None:
    """The tool ``ask``: an answer with numbered citations."""
    from mcp.server.mcpserver.exceptions import ToolError

    @server.tool(annotations=_annotations("Ask the documents", idempotent=False))
    def ask(
        question: Annotated[str, Field(description="The question")],
        history: Annotated[
            list[tuple[str, str]] | None,
            Field(description="Earlier turns as [user, assistant] pairs, for follow-up questions"),
        ] = None,
        documents: Documents = None,
    ) -> AskResult:
        """Answer a question about the indexed documents with numbered citations [n] to exact passages.

        Offsets are character offsets in the document's text. refused is true when the sources
        do not answer the question (then there are no citations).
        """
        try:
            return AskResult.model_validate(current().ask(question, list(history or []), documents=documents).to_json())
        except (QuestionError, ScopeError) as exc:
            raise ToolError(f"cannot ask this: {exc}") from exc


def _add_search(server, current: Callable[[], Assistant]) -> None:
    """The tool ``search``: the passages that best match a query."""
    from mcp.server.mcpserver.exceptions import ToolError

    search_of: dict[int, AssistantSearch] = {}

    @server.tool(annotations=_annotations("Search the documents", idempotent=True))
    def search(
        query: Annotated[str, Field(description="What to look for")],
        top_k: Annotated[int, Field(description=f"How many passages, 1 to {MAX_PASSAGES}")] = 5,
        documents: Documents = None,
    ) -> SearchResult:
        """Find the passages of the indexed documents that best match a query (hybrid dense + keyword search).

        Best first, each with its offsets and those of its sentence that best supports the query.
        """
        if not 1 <= top_k <= MAX_PASSAGES:
            raise ToolError(f"top_k must be between 1 and {MAX_PASSAGES}")
        found = current()
        searcher = search_of.setdefault(id(found), AssistantSearch(found))
        try:
            return SearchResult.model_validate(
                {"passages": [c.to_json() for c in searcher.search(query, top_k, documents)]}
            )
        except ScopeError as exc:
            raise ToolError(str(exc)) from exc
        except StoreUnavailable as exc:  # the vectors' server is down: say so; the next call tries again
            raise ToolError(f"cannot search now: {exc}") from exc


def _add_documents(server, current: Callable[[], Assistant]) -> None:
    """The tool ``documents``: the indexed documents."""

    @server.tool(annotations=_annotations("List the documents", idempotent=True))
    def documents() -> DocumentList:
        """The indexed documents: id, title, file, other files with the same text, passages."""
        manifest = current().index.manifest
        return DocumentList(
            documents=[
                IndexedDocument(
                    doc_id=d["doc_id"],
                    title=d["title"],
                    source=d["source"],
                    aliases=list(d.get("aliases", [])),
                    passages=d["passages"],
                )
                for d in manifest.get("documents", [])
            ]
        )


# -- stdio ------------------------------------------------------------------------------
class _Loading:
    """The Assistant, loaded in a thread once serving starts; tools wait for it (or get its loading error)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._done = threading.Event()
        self._assistant: Assistant | None = None
        self._error: BaseException | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, _server) -> AsyncIterator[None]:
        """Start loading when the transport serves: it points file descriptor 1 at stderr by then, so a library
        that prints while loading cannot write into the MCP stream."""
        threading.Thread(target=self._load, name="rag-mcp-load", daemon=True).start()
        yield

    def _load(self) -> None:
        try:
            self._assistant = Assistant(self.settings)
        except BaseException as exc:  # noqa: BLE001 - reported to every tool call, and on stderr
            self._error = exc
            print(f"rag mcp: error: {exc}", file=sys.stderr, flush=True)
        finally:
            self._done.set()

    def __call__(self) -> Assistant:
        from mcp.server.mcpserver.exceptions import ToolError

        self._done.wait()
        if self._assistant is None:
            raise ToolError(f"the index could not be loaded: {self._error}")
        return self._assistant


def serve_stdio(settings: Settings) -> None:
    """Serve the tools over stdio until the client closes the stream: `rag mcp`, as desktop MCP clients run it.

    The handshake is answered at once; the index and models load meanwhile, and tool calls wait for them.
    """
    loading = _Loading(settings)
    build_mcp(loading, lifespan=loading.lifespan).run("stdio")


class _BearerGuard:
    """Answers 401 to HTTP requests without an accepted bearer token; passes the rest to ``app``."""

    def __init__(self, app: ASGIApp, access: Access):
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if not self.access.bearer_ok(headers.get("authorization")):
                body = json.dumps({"error": "Missing or wrong API key: send Authorization: Bearer <key>."}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class _LazyMCP:
    """The MCP endpoint, built on its first request rather than when the server starts: ``build`` imports mcp
    (its protocol types are hundreds of pydantic models, about half a second of `rag serve`'s cold start, docs/TUNING.md
    "Cold start") and sets the server up; its session manager then runs in a task of the app's lifespan."""

    def __init__(self, build: Callable[[], Any]):
        self._build = build
        self._app: ASGIApp | None = None
        self._tasks: anyio.abc.TaskGroup | None = None
        self._lock: anyio.Lock | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, _app) -> AsyncIterator[None]:
        """The app's lifespan: holds the task the session manager runs in, once built, and ends it on shutdown."""
        async with anyio.create_task_group() as tasks:
            self._tasks, self._lock = tasks, anyio.Lock()
            yield
            tasks.cancel_scope.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app or await self._start()
        await app(scope, receive, send)

    async def _start(self) -> ASGIApp:
        """Build the server (in a worker thread: the import must not stall the event loop) and start its sessions;
        requests that come meanwhile wait for the first one's build."""
        if self._tasks is None or self._lock is None:
            raise RuntimeError("the MCP endpoint serves only inside the app's lifespan")
        async with self._lock:
            if self._app is None:
                from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

                server = await anyio.to_thread.run_sync(self._build)
                await self._tasks.start(self._run_sessions, server)
                self._app = StreamableHTTPASGIApp(server.session_manager)
        return self._app

    @staticmethod
    async def _run_sessions(server, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with server.session_manager.run():
            task_status.started()
            await anyio.sleep_forever()


def mcp_routes(assistant: Assistant, access: Access, host: str) -> tuple[list[Route], Any]:
    """(routes, lifespan): the MCP endpoint at /mcp for the app's routes, and the lifespan that runs its sessions.
    The endpoint and mcp itself load on the first request to it (:class:`_LazyMCP`); one without an accepted
    token is refused before that.

    On a loopback host, requests whose Host or Origin is not a loopback address are refused
    (DNS rebinding protection); on any other host that check is off, as the names clients
    use are not known here (serve such a host with an API key or --auth).
    """

    def build():
        from mcp.server.transport_security import TransportSecuritySettings

        server = build_mcp(assistant)
        security = None if host in LOOPBACK else TransportSecuritySettings(enable_dns_rebinding_protection=False)
        server.streamable_http_app(streamable_http_path=PATH, transport_security=security, host=host)
        return server

    lazy = _LazyMCP(build)
    endpoint = _BearerGuard(lazy, access)
    return [Route(PATH, endpoint=endpoint), Route(PATH + "/", endpoint=endpoint)], lazy.lifespan
