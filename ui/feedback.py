"""The chat's thumbs-down: an answer marked wrong, with an optional comment, appended to a JSON-lines file.

The file is ``feedback.jsonl`` in the index folder (beside ``current`` and ``builds/``), so
feedback stays with the documents it is about. One line per event:

    {"id", "time", "question", "history": [[user, assistant], ...], "answer", "engine",
     "documents": [...], "index_built_at", "comment"}

``id`` is the same for every event about one answer (a hash of its question and text): a
thumbs-down is written at once with an empty comment, a comment sent afterwards repeats it
with the comment, and taking the thumbs-down back writes ``{"id", "time", "retracted": true}``;
the last line of an id is what counts. `rag eval --feedback FILE` turns the file into a
question set (rag/eval/feedback.py).
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from .render import plain_text
from .saved_chat import message_dict

FEEDBACK_FILE = "feedback.jsonl"
_LOCK = threading.Lock()  # one server process appends; its answers run in threads


def feedback_path(index_dir: Path) -> Path:
    return Path(index_dir) / FEEDBACK_FILE


def append(path: Path, record: dict) -> None:
    """Append one JSON line to ``path`` (made if missing)."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _LOCK, open(path, "a", encoding="utf-8") as fh:
        fh.write(line)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def turn_record(
    messages: list, index: int, engine: str | None, documents: list[str] | None, built_at: str | None
) -> dict | None:
    """The record of the answer at message ``index`` of the chat (None when it is not an answer to a question):
    its question, the conversation before it, its text, and how it was asked."""
    chat = [message_dict(m) for m in messages or []]
    turn = chat[index] if 1 <= index < len(chat) else None
    if not turn or turn["role"] != "assistant":
        return None
    asked = chat[index - 1]
    if not asked or asked["role"] != "user":
        return None
    question, answer = plain_text(asked["content"]), plain_text(turn["content"])
    history, pending = [], None
    for m in chat[: index - 1]:
        if m and m["role"] == "user":
            pending = plain_text(m["content"])
        elif m and m["role"] == "assistant" and pending is not None:
            history.append([pending, plain_text(m["content"])])
            pending = None
    key = hashlib.sha1(f"{question}\n{answer}".encode()).hexdigest()[:16]
    return {
        "id": key,
        "time": _now(),
        "question": question,
        "history": history,
        "answer": answer,
        "engine": engine or "",
        "documents": list(documents or []),
        "index_built_at": built_at,
        "comment": "",
    }


def with_comment(record: dict, comment: str) -> dict:
    return {**record, "time": _now(), "comment": comment.strip()}


def retraction(record: dict) -> dict:
    return {"id": record["id"], "time": _now(), "retracted": True}
