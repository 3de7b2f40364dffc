"""The web chat: a thin Gradio layer over :class:`rag.assistant.Assistant`.

``build_app(assistant)`` returns the Blocks; ``serve(settings, ...)`` loads the
index and starts the server (``rag serve`` calls it). Named API endpoints for
gradio_client: ``/ask`` (question, history JSON -> answer text, citations JSON),
``/rebuild`` (files, mode -> message, documents, status, remove choices),
``/remove`` and ``/status``. See docs/UI.md.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no calls home

import contextlib  # noqa: E402
import json  # noqa: E402
import secrets  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402

from rag.assistant import Assistant, QuestionError, check_question  # noqa: E402
from rag.index import IndexError_  # noqa: E402
from rag.settings import Settings  # noqa: E402

from . import render  # noqa: E402
from . import endpoints  # noqa: E402
from .access import Access  # noqa: E402
from .problem import build_problem_app  # noqa: E402
from .uploads import ALLOWED_SUFFIXES, MAX_UPLOAD_BYTES, MAX_UPLOAD_LABEL, store_uploads  # noqa: E402

MODE_ADD = "Add to the current sources"
MODE_REPLACE = "Replace the current sources"
DOC_HEADERS = ["Title", "File", "Passages", "Content hash", "Added"]
ANSWER_CONCURRENCY = 4  # chat answers run alongside each other and alongside a rebuild
# The conversation is kept in the browser (localStorage, encrypted) so a page refresh keeps
# the answers and their citations; the newest messages are kept, up to this many.
SAVED_MESSAGES = 100
SAVED_KEY = "rag-cited-chat"
# Documents listed on the page: every page load carries the list, and 41,000 documents made
# its configuration 13.7 MB; beyond this many, a document is removed by typing its file name.
DOC_ROWS = 1000

CSS = """
.rag-answer p { margin: 0 0 .4em 0; }
.rag-bullets { margin: 0 0 .4em 1.1em; padding: 0; }
.rag-bullets li { margin-bottom: .35em; }
a.rag-cite { font-weight: 600; text-decoration: none; padding: 0 .1em; border-radius: 3px;
  color: var(--color-accent); background: var(--color-accent-soft); cursor: pointer; }
a.rag-cite:hover { text-decoration: underline; }
.rag-cite-pending { color: var(--body-text-color-subdued); }
.rag-sources { margin-top: .6em; border-top: 1px solid var(--border-color-primary); padding-top: .4em; }
.rag-sources summary { cursor: pointer; font-weight: 600; font-size: .9em; color: var(--body-text-color-subdued); }
.rag-sources ol { list-style: none; margin: .3em 0 0 0; padding: 0; }
.rag-source { margin: .4em 0; padding: .4em .6em; border-radius: 6px; border: 1px solid var(--border-color-primary);
  transition: box-shadow .3s, border-color .3s; scroll-margin: 40px; }
.rag-source.rag-focus { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.rag-source-head { font-size: .85em; margin-bottom: .25em; }
.rag-n { font-weight: 700; color: var(--color-accent); }
.rag-title { font-weight: 600; }
.rag-file { font-family: var(--font-mono); opacity: .75; }
.rag-score { float: right; opacity: .7; }
.rag-passage { margin: 0; padding: 0 0 0 .6em; border-left: 3px solid var(--border-color-primary);
  font-size: .88em; white-space: normal; }
.rag-passage mark { background: #ffe58a; color: #111; padding: 0 .1em; border-radius: 2px; }
.rag-refusal-label { color: #b45309; }
.rag-nearest summary { color: #b45309; }
.rag-streaming { opacity: .85; }
.rag-note { font-size: .85em; color: var(--body-text-color-subdued); font-style: italic; }
.rag-msg-error { color: #b91c1c; }
.rag-unsupported { background: #fde2e2; color: #7f1d1d; text-decoration: underline wavy #dc2626; border-radius: 3px; }
.rag-flag { font-size: .72em; font-weight: 600; margin-left: .35em; padding: 0 .35em; border-radius: 3px;
  background: #dc2626; color: #fff; text-decoration: none; display: inline-block; }
.rag-msg-ok { color: #15803d; }
"""

# Clicking [n] opens that turn's sources, scrolls the source into view and outlines it.
HEAD = """
<script>
document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest("a.rag-cite") : null;
  if (!a) return;
  var id = (a.getAttribute("href") || "").replace(/^#/, "");
  var el = id ? document.getElementById(id) : null;
  if (!el) return;
  ev.preventDefault();
  ev.stopPropagation();
  var d = el.closest("details");
  if (d) d.open = true;
  document.querySelectorAll(".rag-source.rag-focus").forEach(function (x) { x.classList.remove("rag-focus"); });
  el.classList.add("rag-focus");
  el.scrollIntoView({behavior: "smooth", block: "center"});
}, true);
</script>
"""


# -- views of the index -----------------------------------------------------------
def documents_frame(manifest: dict, limit: int = DOC_ROWS) -> pd.DataFrame:
    """The first ``limit`` documents of the index as a table."""
    rows = [
        [d.get("title", ""), ", ".join(Path(s).name for s in [d.get("source", ""), *d.get("aliases", [])]),
         d.get("passages", 0), d.get("sha256", "")[:12],
         str(d.get("added_at", "")).replace("T", " ").replace("+00:00", " UTC")]
        for d in manifest.get("documents", [])[:limit]
    ]
    return pd.DataFrame(rows, columns=DOC_HEADERS)


def listed_note(manifest: dict, limit: int = DOC_ROWS) -> str:
    """For an index of more than ``limit`` documents, a line saying the page lists only the first ones."""
    n = len(manifest.get("documents", []))
    return f"\n\nThe Sources tab lists the first {limit:,} of the {n:,} documents; `rag info` lists them all." if n > limit else ""


def remove_choices(manifest: dict, limit: int = DOC_ROWS) -> list[tuple[str, str]]:
    return [(f"{d.get('title', '')[:70]} ({Path(d.get('source', '')).name})", d["doc_id"])
            for d in manifest.get("documents", [])[:limit]]


def find_document(manifest: dict, wanted: str) -> str:
    """The doc_id of the document ``wanted`` names: its id, or the name of one of its files (any case).

    Raises ValueError saying why when no document, or more than one, answers to the name.
    """
    wanted = wanted.strip()
    docs = manifest.get("documents", [])
    if any(d["doc_id"] == wanted for d in docs):
        return wanted
    named = [d["doc_id"] for d in docs
             if wanted.lower() in {Path(s).name.lower() for s in [d.get("source", ""), *d.get("aliases", [])]}]
    if not named:
        raise ValueError(f"no indexed document has the file name or id '{wanted}'")
    if len(named) > 1:
        raise ValueError(f"{len(named)} indexed documents have files named '{wanted}'; choose one from the list or give its id")
    return named[0]


def browser_secret(data_dir: Path) -> str:
    """The key the saved conversation is encrypted with, kept in ``data_dir`` so it outlives a restart.

    A data folder that cannot be written gives a key for this run only: a refresh still keeps
    the conversation, a restart of the server forgets it.
    """
    path = Path(data_dir) / ".browser-secret"
    try:
        return path.read_text(encoding="utf-8").strip() or secrets.token_urlsafe(24)
    except OSError:
        pass
    key = secrets.token_urlsafe(24)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as fh:
            fh.write(key)
    except FileExistsError:  # another server process wrote it first (or the data folder is a file)
        with contextlib.suppress(OSError):
            return path.read_text(encoding="utf-8").strip() or key
    except OSError:
        pass
    return key


def _message(message: object) -> dict | None:
    """A chat message as {"role", "content": HTML}; the Chatbot hands its messages back with the
    content as a list of text parts. None for anything else."""
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        return None
    content = message.get("content")
    if isinstance(content, list):
        parts = [c.get("text") for c in content if isinstance(c, dict)]
        content = "".join(parts) if parts and all(isinstance(t, str) for t in parts) else None
    return {"role": message["role"], "content": content} if isinstance(content, str) else None


def saved_chat(messages: list | None, history: list | None) -> dict:
    """What the browser keeps of a conversation: its newest messages and the turns follow-ups need."""
    kept = [m for m in map(_message, list(messages or [])[-SAVED_MESSAGES:]) if m]
    return {"messages": kept, "history": list(history or [])[-(SAVED_MESSAGES // 2):]}


def restored_chat(saved: object) -> tuple[list, list]:
    """(messages, history) from what the browser kept; anything malformed gives an empty chat."""
    if not isinstance(saved, dict):
        return [], []
    messages = [m for m in map(_message, saved.get("messages") or []) if m]
    history = [[str(pair[0]), str(pair[1])] for pair in saved.get("history") or []
               if isinstance(pair, (list, tuple)) and len(pair) == 2]
    return messages, history


def _build_message(ok: bool, text: str) -> str:
    cls = "rag-msg-ok" if ok else "rag-msg-error"
    return f'<div class="{cls}">{text}</div>'


# -- the app -------------------------------------------------------------------
def build_app(assistant: Assistant, *, stream_delay: float = 0.012) -> gr.Blocks:
    """The Blocks for ``assistant``; ``stream_delay`` paces the streamed words (seconds per word)."""
    settings = assistant.settings
    uploads_dir = (Path(settings.data_dir) / "uploads").resolve()

    def short(text: object) -> str:
        """A library message, escaped, with the uploads folder's absolute path shortened (it is the server's business)."""
        return render.esc(str(text).replace(str(uploads_dir.resolve()) + os.sep, "uploads/"))

    def status_text() -> str:
        m = assistant.index.manifest
        return render.status_markdown(m, assistant.engine_name) + listed_note(m)

    def index_views():
        m = assistant.index.manifest
        return status_text(), documents_frame(m), gr.update(choices=remove_choices(m), value=None)

    # -- chat -------------------------------------------------------------------
    def respond(question: str, messages: list, history: list, engine: str | None = None):
        q = (question or "").strip()
        if not q:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        try:
            shown = check_question(q, settings)  # cleaned and cut to the limit: what is answered is what is shown
        except QuestionError as exc:
            gr.Warning(f"Cannot ask this: {exc}")
            yield gr.skip(), gr.skip(), gr.skip()
            return
        pairs = [(str(u), str(a)) for u, a in (history or [])]
        messages = list(messages or []) + [
            {"role": "user", "content": render.user_html(shown)},
            {"role": "assistant", "content": render.partial_html("Searching the sources…")},
        ]
        yield messages, gr.skip(), ""
        turn = uuid.uuid4().hex[:8]
        answer = None
        try:
            for text, ans in assistant.stream(q, pairs, engine or None):
                if ans is not None:
                    answer = ans
                    break
                messages[-1] = {"role": "assistant", "content": render.partial_html(text)}
                yield messages, gr.skip(), gr.skip()
                if stream_delay:
                    time.sleep(stream_delay)
        except QuestionError as exc:
            messages[-1] = {"role": "assistant", "content": render.partial_html(f"Cannot ask this: {exc}")}
            yield messages, gr.skip(), gr.skip()
            return
        messages[-1] = {"role": "assistant", "content": render.answer_html(answer, turn)}
        yield messages, list(history or []) + [[shown, answer.answer]], gr.skip()

    def respond_example(messages: list, history: list, engine: str | None, evt: gr.SelectData):
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        yield from respond(value.get("text", ""), messages, history, engine)

    def clear():
        return [], [], ""

    # -- API: ask ---------------------------------------------------------------
    def ask(question: str, history: str | None = None, engine: str | None = None) -> tuple[str, dict]:
        """Answer a question. history: JSON list of [user, assistant] pairs (or empty); engine: one of
        /status's "engines" (default: the server's). Returns the answer text (with [n] markers) and
        {"refused", "citations", "sentences", "nearest", "standalone_question", "note", "engine"}."""
        if engine and engine not in assistant.engines:
            raise gr.Error(f"unknown engine '{engine}' (this server has: {', '.join(assistant.engines)})")
        pairs: list[tuple[str, str]] = []
        if history and str(history).strip():
            try:
                raw = json.loads(history)
                pairs = [(str(u), str(a)) for u, a in raw]
            except (ValueError, TypeError) as exc:
                raise gr.Error(f"history must be a JSON list of [question, answer] pairs ({exc})") from exc
        try:
            answer = assistant.ask(question, pairs, engine or None)
        except QuestionError as exc:
            raise gr.Error(f"Cannot ask this: {exc}") from exc
        return answer.answer, {
            "refused": answer.refused,
            "citations": [c.to_json() for c in answer.citations],
            "nearest": [c.to_json() for c in answer.nearest],
            "standalone_question": answer.standalone_question,
            "note": answer.note,
            "sentences": [s.to_json() for s in answer.sentences],
            "engine": answer.engine,
        }

    def status() -> dict:
        """The current index: model, dim, built_at, documents, passages, and the answer engine."""
        m = assistant.index.manifest
        return {
            "model": m.get("model"), "dim": m.get("dim"), "built_at": m.get("built_at"),
            "passages": m.get("passages"), "engine": assistant.engine_name, "engines": assistant.engines,
            "documents": [{k: d.get(k) for k in ("doc_id", "title", "source", "aliases", "passages", "sha256", "added_at")}
                          for d in m.get("documents", [])],
        }

    # -- sources: rebuild / remove ---------------------------------------------------
    def rebuild(files: list[str] | None, mode: str, progress=gr.Progress()):
        """Store uploads under the data directory and rebuild the index (add to or replace the sources)."""
        files = [f for f in (files or []) if f]
        add = (mode or MODE_ADD) != MODE_REPLACE
        stored = store_uploads(files, uploads_dir) if files else None
        notes = []
        if stored and stored.refused:
            notes.append("Refused: " + "; ".join(render.esc(r) for r in stored.refused))
        if stored is not None and not stored.paths:
            msg = _build_message(False, "Nothing was indexed. " + " ".join(notes) + " The index is unchanged.")
            return (msg, *index_views(), None)
        paths = list(dict.fromkeys(stored.paths)) if stored else []
        progress(0.0, desc="Starting the build")
        try:
            report = assistant.rebuild(paths, add=add, progress=lambda frac, text: progress(frac, desc=text))
        except (IndexError_, OSError, ValueError) as exc:
            if stored:
                stored.discard_created()
            msg = _build_message(
                False,
                f"<strong>Rebuild failed:</strong> {short(exc)}. The previous index is still answering questions."
                + (" " + " ".join(notes) if notes else ""),
            )
            return (msg, *index_views(), gr.skip())
        what = "Refreshed the recorded sources" if not paths else ("Added" if add else "Replaced the sources with")
        if paths:
            what += " " + ", ".join(render.esc(p.name) for p in paths)
        text = (f"<strong>Index rebuilt.</strong> {what}: {report.documents} document(s), {report.passages} passage(s) "
                f"in {report.seconds:.1f} s.")
        if report.skipped:
            text += " Skipped: " + "; ".join(f"{render.esc(Path(p).name)} ({short(r)})" for p, r in report.skipped) + "."
        if notes:
            text += " " + " ".join(notes)
        return (_build_message(True, text), *index_views(), None)

    def remove(doc_id: str | None, progress=gr.Progress()):
        """Rebuild the index without one document (by doc_id, or the name of one of its files)."""
        if not doc_id:
            return (_build_message(False, "Choose a document to remove."), *index_views())
        try:
            doc_id = find_document(assistant.index.manifest, doc_id)  # chosen, or typed as a file name
        except ValueError as exc:
            return (_build_message(False, f"<strong>Not removed:</strong> {render.esc(exc)}."), *index_views())
        title = next((d.get("title", "") for d in assistant.index.manifest.get("documents", []) if d["doc_id"] == doc_id), doc_id)
        try:
            report = assistant.remove_document(doc_id, progress=lambda frac, text: progress(frac, desc=text))
        except (KeyError, ValueError, IndexError_, OSError) as exc:
            reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            return (_build_message(False, f"<strong>Not removed:</strong> {render.esc(reason)}."), *index_views())
        text = (f"<strong>Removed</strong> {render.esc(title)}. The index now has {report.documents} document(s), "
                f"{report.passages} passage(s).")
        return (_build_message(True, text), *index_views())

    # -- layout ------------------------------------------------------------------
    m = assistant.index.manifest
    with gr.Blocks(title="Cited answers", analytics_enabled=False) as app:
        gr.Markdown("## Ask your documents\nEvery answer quotes the sources it comes from; click a [n] to see the passage.")
        status_md = gr.Markdown(status_text(), elem_id="rag-status")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(
                    label="Chat",
                    elem_id="rag-chat",
                    height=560,
                    render_markdown=False,  # messages are HTML built (and escaped) by ui.render
                    sanitize_html=True,
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=[],  # "copy" would copy the message HTML, not its text
                    placeholder="Ask a question about the indexed documents, or pick an example.",
                    examples=[{"text": q} for q in assistant.example_questions()],
                )
                history = gr.State([])
                with gr.Row():
                    question = gr.Textbox(
                        show_label=False, placeholder="Ask a question…", scale=8, elem_id="rag-question",
                        max_lines=4, autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-send")
                    clear_btn = gr.Button("Clear", scale=1, elem_id="rag-clear")
                # shown only when an LLM engine is configured besides the extractive one
                engine_dd = gr.Dropdown(
                    choices=[(assistant.describe(e), e) for e in assistant.engines], value=settings.engine,
                    label="Answer engine", elem_id="rag-engine", visible=len(assistant.engines) > 1,
                    info="Generated answers are checked sentence by sentence; unsupported ones are marked.",
                )
            with gr.Tab("Sources", id="sources"):
                docs_table = gr.Dataframe(
                    value=documents_frame(m), headers=DOC_HEADERS, interactive=False, wrap=True,
                    label="Indexed documents", elem_id="rag-docs",
                    datatype=["str", "str", "number", "str", "str"],
                    column_widths=["38%", "22%", "10%", "14%", "16%"],
                )
                with gr.Row():
                    with gr.Column(scale=3):
                        uploads = gr.File(
                            label=f"Upload documents ({', '.join(ALLOWED_SUFFIXES)}; up to {MAX_UPLOAD_LABEL} each)",
                            file_count="multiple", file_types=list(ALLOWED_SUFFIXES), type="filepath",
                            elem_id="rag-upload",
                        )
                        mode = gr.Radio([MODE_ADD, MODE_REPLACE], value=MODE_ADD, label="Uploaded files are", elem_id="rag-mode")
                        rebuild_btn = gr.Button("Rebuild index", variant="primary", elem_id="rag-rebuild")
                    with gr.Column(scale=2):
                        remove_dd = gr.Dropdown(choices=remove_choices(m), value=None, label="Remove a document",
                                                allow_custom_value=True, info="Choose one, or type its file name.",
                                                elem_id="rag-remove-choice")
                        remove_btn = gr.Button("Remove document", variant="stop", elem_id="rag-remove")
                build_msg = gr.Markdown(elem_id="rag-build-msg", min_height=90)

        saved = gr.BrowserState(saved_chat([], []), storage_key=SAVED_KEY, secret=browser_secret(settings.data_dir))
        save = dict(fn=saved_chat, inputs=[chatbot, history], outputs=[saved], api_visibility="private", queue=False)
        chat_io = dict(inputs=[question, chatbot, history, engine_dd], outputs=[chatbot, history, question])
        chat_opts = dict(api_visibility="private", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer",
                         show_progress="hidden")
        question.submit(respond, **chat_io, **chat_opts).then(**save)
        send.click(respond, **chat_io, **chat_opts).then(**save)
        chatbot.example_select(respond_example, inputs=[chatbot, history, engine_dd], outputs=[chatbot, history, question],
                               **chat_opts).then(**save)
        clear_btn.click(clear, outputs=[chatbot, history, question], api_visibility="private", queue=False).then(**save)
        chatbot.clear(lambda: [], outputs=[history], api_visibility="private", queue=False).then(**save)
        app.load(restored_chat, inputs=[saved], outputs=[chatbot, history], api_visibility="private", queue=False)

        # One build at a time (the library serialises them too); answers keep their own concurrency group.
        build_opts = dict(concurrency_limit=1, concurrency_id="build", show_progress_on=[build_msg])
        rebuild_btn.click(rebuild, inputs=[uploads, mode], outputs=[build_msg, status_md, docs_table, remove_dd, uploads],
                          api_name="rebuild", **build_opts)
        remove_btn.click(remove, inputs=[remove_dd], outputs=[build_msg, status_md, docs_table, remove_dd],
                         api_name="remove", **build_opts)
        app.load(index_views, outputs=[status_md, docs_table, remove_dd], api_visibility="private", queue=False)
        # the example questions are about what is indexed now (a rebuild may have changed it)
        app.load(lambda: gr.update(examples=[{"text": q} for q in assistant.example_questions()]), outputs=[chatbot],
                 api_visibility="private", queue=False)

        gr.api(ask, api_name="ask", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer")
        gr.api(status, api_name="status", queue=False)
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
    return app.launch(server_name=host, server_port=port, auth=parse_auth(auth), share=False, show_error=True,
                      quiet=False, **opts)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> None:
    """Load the index and serve the chat until stopped; an index that cannot be used gets a page saying why."""
    auth_pair = parse_auth(auth)  # fail on a bad --auth before the slow model load
    # beside the chat: the OpenAI-compatible API, MCP and source views (ui/endpoints.py), guarded by the
    # API key (settings.api_key, i.e. $RAG_API_KEY) or the --auth password
    access = Access.from_options(settings.api_key, auth_pair, browser_secret(settings.data_dir))
    extra: dict = {}
    try:
        assistant = Assistant(settings)
        app = build_app(assistant)
        extra = endpoints.launch_kwargs(assistant, access, host)
    except IndexError_ as exc:
        # serve a page that names the problem and its fix, rather than exit: whoever opens the address learns why
        print(f"rag: error: {exc}", file=sys.stderr, flush=True)
        app = build_problem_app(str(exc))
    if host not in ("127.0.0.1", "localhost", "::1") and auth_pair is None:
        print(f"warning: serving on {host} without --auth: anyone who can reach this address can use and change the index")
    launch(app, host=host, port=port, auth=auth, prevent_thread_lock=True, **extra)
    if extra:
        print(endpoints.describe(app.local_url, access), flush=True)
    app.block_thread()


__all__ = ["build_app", "serve", "launch", "launch_options"]
