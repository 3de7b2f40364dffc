"""The page served when the index cannot be loaded: the problem and its fix, instead of a crash.

``rag serve`` with a missing, damaged or mismatched index still starts, so whoever opens
the address learns what is wrong; the API answers with the same message.
"""

from __future__ import annotations

import gradio as gr

from . import render


def build_problem_app(message: str) -> gr.Blocks:
    """A page (and /ask, /status endpoints) that report ``message``, the reason the index cannot be used."""

    def ask(question: str, history: str | None = None, engine: str | None = None) -> tuple[str, dict]:
        """Always refused: there is no index to answer from."""
        raise gr.Error(f"The index cannot be used: {message}")

    def status() -> dict:
        """{"error": the reason the index cannot be used}."""
        return {"error": message}

    with gr.Blocks(title="Cited answers: the index cannot be used", analytics_enabled=False) as app:
        gr.Markdown("## Ask your documents")
        gr.HTML(
            '<div class="rag-msg-error" id="rag-problem"><strong>The index cannot be used.</strong> '
            f"{render.esc(message)}</div>"
            "<p>Fix it on the server, for example <code>rag ingest PATH...</code> to build the index from your "
            "documents, then restart <code>rag serve</code>.</p>"
        )
        gr.api(ask, api_name="ask")
        gr.api(status, api_name="status", queue=False)
    return app
