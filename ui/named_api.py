"""The chat's named API endpoints for gradio_client that no button triggers: ``/ask`` and ``/status``.

(``/rebuild`` and ``/remove`` are the Sources tab's buttons, ui/sources_tab.py.) Their
docstrings are what the page's "Use via API" shows, so they are written for callers.
"""

from __future__ import annotations

import json

import gradio as gr

from rag import Assistant, QuestionError

from .chat_tab import ANSWER_CONCURRENCY

STATUS_DOCUMENT_KEYS = ("doc_id", "title", "source", "aliases", "passages", "sha256", "added_at")


def parse_history(history: str | None) -> list[tuple[str, str]]:
    """[(user, assistant), ...] from /ask's history argument (JSON pairs, or empty); gr.Error saying why if malformed."""
    if not history or not str(history).strip():
        return []
    try:
        return [(str(u), str(a)) for u, a in json.loads(history)]
    except (ValueError, TypeError) as exc:
        raise gr.Error(f"history must be a JSON list of [question, answer] pairs ({exc})") from exc


class NamedApi:
    """/ask and /status over ``assistant`` (its current index: they follow rebuilds)."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def ask(self, question: str, history: str | None = None, engine: str | None = None) -> tuple[str, dict]:
        """Answer a question. history: JSON list of [user, assistant] pairs (or empty); engine: one of
        /status's "engines" (default: the server's). Returns the answer text (with [n] markers) and
        {"refused", "citations", "sentences", "nearest", "standalone_question", "note", "engine"}."""
        assistant = self.assistant
        if engine and engine not in assistant.engines:
            raise gr.Error(f"unknown engine '{engine}' (this server has: {', '.join(assistant.engines)})")
        pairs = parse_history(history)
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

    def status(self) -> dict:
        """The current index: model, dim, built_at, documents, passages, and the answer engine."""
        m, assistant = self.assistant.index.manifest, self.assistant
        return {
            "model": m.get("model"),
            "dim": m.get("dim"),
            "built_at": m.get("built_at"),
            "passages": m.get("passages"),
            "engine": assistant.engine_name,
            "engines": assistant.engines,
            "documents": [{k: d.get(k) for k in STATUS_DOCUMENT_KEYS} for d in m.get("documents", [])],
        }


def register_api(assistant: Assistant) -> None:
    """Add /ask (in the answers' concurrency group) and /status (outside the queue) to the Blocks being built."""
    api = NamedApi(assistant)
    gr.api(api.ask, api_name="ask", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer")
    gr.api(api.status, api_name="status", queue=False)
