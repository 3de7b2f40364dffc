"""The web chat: a thin Gradio layer over :class:`rag.assistant.Assistant`.

``build_app(assistant)`` returns the Blocks; ``serve(settings, ...)`` loads the
index and starts the server (``rag serve`` calls it). Named API endpoints for
gradio_client: ``/ask`` (question, history JSON -> answer text, citations JSON),
``/rebuild`` (files, mode -> message, documents, status, remove choices),
``/remove`` and ``/status``. See docs/UI.md.

The page is assembled here from its parts: the Chat tab (ui/chat_tab.py), the Sources tab
(ui/sources_tab.py), the named API (ui/named_api.py) and the conversation kept in the
browser (ui/saved_chat.py); its styles and click script are ui/app.css and ui/app.js.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no calls home

import gc  # noqa: E402
import ipaddress  # noqa: E402
import sys  # noqa: E402
from concurrent.futures import Future  # noqa: E402
from pathlib import Path  # noqa: E402

from .gradio_import import import_gradio  # noqa: E402

import_gradio()  # first: without the work gradio's import does for what this app never uses (ui/gradio_import.py)

import gradio as gr  # noqa: E402

from rag import Assistant, IndexError_, Settings  # noqa: E402

from . import endpoints  # noqa: E402
from .access import Access  # noqa: E402
from .chat_tab import (  # noqa: E402
    ANSWER_CONCURRENCY,
    Chat,
    chat_tab,
    refresh_examples_on_load,
    wire_chat,
)
from .named_api import register_api  # noqa: E402
from .originals import open_links  # noqa: E402
from .problem import build_problem_app  # noqa: E402
from .saved_chat import (  # noqa: E402
    SAVED_KEY,
    SAVED_MESSAGES,
    browser_secret,
    restore_on_load,
    restored_chat,
    saved_chat,
    saved_state,
)
from .sources_tab import (  # noqa: E402
    DOC_HEADERS,
    DOC_ROWS,
    MODE_ADD,
    MODE_REPLACE,
    Sources,
    documents_frame,
    find_document,
    listed_note,
    remove_choices,
    sources_tab,
    wire_sources,
)
from .uploads import MAX_UPLOAD_BYTES  # noqa: E402

HERE = Path(__file__).resolve().parent
# The styles of answers, sources and messages (served as launch(css=...)).
CSS = "\n" + (HERE / "app.css").read_text(encoding="utf-8")
# Clicking [n] opens that turn's sources, scrolls the source into view and outlines it (launch(head=...)).
HEAD = "\n<script>\n" + (HERE / "app.js").read_text(encoding="utf-8") + "</script>\n"
INTRO = "## Ask your documents\nEvery answer quotes the sources it comes from; click a [n] to see the passage."


# -- the app -------------------------------------------------------------------
def build_app(assistant: Assistant, *, stream_delay: float = 0.012, access: Access | None = None) -> gr.Blocks:
    """The Blocks for ``assistant``: the status line, the Chat and Sources tabs, the conversation kept in the
    browser, and the named API; ``stream_delay`` paces the streamed words (seconds per word).

    ``access`` signs the source cards' "open" links as the routes beside the chat check them (ui/endpoints.py);
    by default, as ``serve`` without ``--auth`` would.
    """
    settings = assistant.settings
    access = access or Access.from_options(settings.api_key, None, browser_secret(settings.data_dir))
    sources = Sources(assistant)
    with gr.Blocks(title="Cited answers", analytics_enabled=False) as app:
        gr.Markdown(INTRO)
        status_md = gr.Markdown(sources.status_text(), elem_id="rag-status")
        with gr.Tabs():
            chat = chat_tab(assistant)
            files = sources_tab(assistant.index.manifest)
        saved, save = saved_state(chat.chatbot, chat.history, settings.data_dir)
        wire_chat(chat, Chat(assistant, stream_delay, open_links(access)), save)
        restore_on_load(app, saved, chat.chatbot, chat.history)
        wire_sources(app, files, sources, status_md)
        refresh_examples_on_load(app, chat, assistant)
        register_api(assistant)
    return app


def launch_options() -> dict:
    """The launch() arguments the app is meant to run with (styles, click script, upload limit, theme)."""
    return {
        "css": CSS,
        "head": HEAD,
        # system fonts: no font CDN, and complete glyphs in every weight
        "theme": gr.themes.Default(
            primary_hue="indigo",
            font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
            font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "DejaVu Sans Mono", "monospace"],
        ),
        "max_file_size": MAX_UPLOAD_BYTES,
        "footer_links": ["api"],
    }


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """'USER:PASS' -> (USER, PASS); None or '' -> None."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ValueError("auth must be USER:PASS (both non-empty)")
    return user, password


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, **kwargs):
    """Start ``app`` with the intended options; extra kwargs go to ``Blocks.launch``."""
    app.queue(default_concurrency_limit=1)
    opts = {**launch_options(), **kwargs}
    return app.launch(
        server_name=host, server_port=port, auth=parse_auth(auth), share=False, show_error=True, quiet=False, **opts
    )


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    loading: Future | None = None,
) -> None:
    """Load the index and serve the chat until stopped; an index that cannot be used gets a page saying why.

    ``loading`` is the Assistant already loading in another thread (rag/cli_commands.py), else it loads here."""
    auth_pair = parse_auth(auth)  # fail on a bad --auth before the slow model load
    # beside the chat: the OpenAI-compatible API, MCP, source views and original files (ui/endpoints.py), guarded by the
    # API key (settings.api_key, i.e. $RAG_API_KEY) or the --auth password
    access = Access.from_options(settings.api_key, auth_pair, browser_secret(settings.data_dir))
    extra: dict = {}
    try:
        assistant = loading.result() if loading is not None else Assistant(settings)
        app = build_app(assistant, access=access)
        extra = endpoints.launch_kwargs(assistant, access, host)
    except IndexError_ as exc:
        # serve a page that names the problem and its fix, rather than exit: whoever opens the address learns why
        print(f"rag: error: {exc}", file=sys.stderr, flush=True)
        app = build_problem_app(str(exc))
    launch(app, host=host, port=port, auth=auth, prevent_thread_lock=True, **extra)
    # what the start made lives as long as the server: the cyclic collector (off while it started, rag.cli_commands
    # cmd_serve) leaves those objects alone from now on, and collects what answers and rebuilds leave
    gc.freeze()
    gc.enable()
    if extra:
        # gradio declares local_url None until launch sets it (its attribute has no type of its own)
        print(endpoints.describe(app.local_url, access), flush=True)  # type: ignore[arg-type]
    warning = exposure_warning(host, port, auth_pair, settings.api_key)
    if warning:  # last, below gradio's own lines, where it is seen
        print(warning, file=sys.stderr, flush=True)
    app.block_thread()


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def exposure_warning(host: str, port: int, auth: tuple[str, str] | None, api_key: str | None) -> str | None:
    """What ``rag serve`` must say when it listens beyond this machine with a guard missing; None when it need not.

    With neither --auth nor an API key, everything is open to the network: a loud banner naming what is exposed.
    With an API key only, the chat itself (uploads, rebuilds) is still open.
    """
    if is_loopback(host) or auth is not None:
        return None  # --auth guards the chat, and its password the APIs
    where = f"{host}:{port}" + (" (every network interface)" if host in ("0.0.0.0", "::", "") else "")
    if not api_key:
        bar = "!" * 100
        return (
            f"{bar}\n!!! WARNING: rag serve is listening on {where} with no --auth and no API key.\n"
            f"!!! Anyone who can reach this machine on port {port} can read every indexed document, ask questions, "
            "upload files and rebuild or replace the index,\n"
            "!!! through the chat, the OpenAI-compatible API (/v1) and MCP (/mcp).\n"
            "!!! Add --auth USER:PASS (its password is also the APIs' bearer token) and/or set RAG_API_KEY, "
            "or serve on 127.0.0.1.\n" + bar
        )
    return (
        f"warning: rag serve is listening on {where} without --auth: the API key guards /v1 and /mcp, but the "
        "chat, its uploads and rebuilds are open to anyone who can reach this address"
    )


# build_app's parts, importable from here as before the split
__all__ = [
    "ANSWER_CONCURRENCY",
    "DOC_HEADERS",
    "DOC_ROWS",
    "MODE_ADD",
    "MODE_REPLACE",
    "SAVED_KEY",
    "SAVED_MESSAGES",
    "browser_secret",
    "build_app",
    "documents_frame",
    "exposure_warning",
    "find_document",
    "launch",
    "launch_options",
    "listed_note",
    "parse_auth",
    "remove_choices",
    "restored_chat",
    "saved_chat",
    "serve",
]
