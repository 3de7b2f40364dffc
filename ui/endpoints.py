"""The routes served beside the Gradio chat, on the same host and port: OpenAI-compatible API, MCP, source views,
original files.

``launch_kwargs(...)`` gives the extra ``Blocks.launch`` arguments that add them: Gradio
builds its FastAPI app with ``app_kwargs``, so these routes come first and the MCP
session manager runs in the app's lifespan. ``describe(url)`` is what ``rag serve``
prints about them when it starts.
"""

from __future__ import annotations

from starlette.middleware import Middleware

from rag import Assistant

from .access import Access
from .body_limit import BodyLimit
from .mcp_tools import PATH as MCP_PATH
from .mcp_tools import mcp_routes
from .openai_api import openai_router
from .originals import original_router
from .request_errors import EXCEPTION_HANDLERS
from .source_view import source_router


def launch_kwargs(assistant: Assistant, access: Access, host: str) -> dict:
    """``{"app_kwargs": {"routes": [...], "lifespan": ..., "middleware": [...], "exception_handlers": ...}}`` for
    ``Blocks.launch``; the middleware limits the size of request bodies sent to /v1 and /mcp (ui/body_limit.py), the
    handler answers bodies that fail validation with a 422 whatever they hold (ui/request_errors.py)."""
    mcp, lifespan = mcp_routes(assistant, access, host)
    routes = [
        *openai_router(assistant, access).routes,
        *source_router(lambda: assistant.index.documents, access).routes,
        *original_router(lambda: assistant.index.manifest, access).routes,
        *mcp,
    ]
    limit = Middleware(BodyLimit, limit=assistant.settings.max_request_bytes)
    return {
        "app_kwargs": {
            "routes": routes,
            "lifespan": lifespan,
            "middleware": [limit],
            "exception_handlers": EXCEPTION_HANDLERS,
        }
    }


def describe(url: str, access: Access) -> str:
    """Lines naming the API endpoints under the server's ``url``, and how they are guarded."""
    base = url.rstrip("/")
    guard = (
        "they need Authorization: Bearer <API key or --auth password>"
        if access.required
        else "open to anyone who can reach this address"
    )
    return (
        f'* OpenAI-compatible API: {base}/v1 (model "rag-cited")\n'
        f"* MCP (streamable HTTP): {base}{MCP_PATH}  (tools: ask, search, documents; over stdio: rag mcp)\n"
        f"* API and MCP: {guard}"
    )
