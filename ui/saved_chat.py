"""The conversation kept in the browser, so a page refresh (or a server restart) keeps it.

The browser stores the chat's messages, with their sources and clickable markers, and the
turns follow-ups need, in its local storage through ``gr.BrowserState``, encrypted with a
key the server keeps in its data folder. The server decides what is kept and checks what
comes back: a stored conversation is data from the browser, never trusted as it is.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import gradio as gr

# The newest messages are kept, up to this many (and half as many turns of history).
SAVED_MESSAGES = 100
SAVED_KEY = "rag-cited-chat"


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


def message_dict(message: object) -> dict | None:
    """A chat message as {"role", "content": HTML}; the Chatbot hands its messages back with the
    content as a list of text parts. None for anything else."""
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        return None
    content = message.get("content")
    if isinstance(content, list):
        parts = [c.get("text") for c in content if isinstance(c, dict)]
        texts = [t for t in parts if isinstance(t, str)]
        content = "".join(texts) if parts and len(texts) == len(parts) else None
    return {"role": message["role"], "content": content} if isinstance(content, str) else None


def saved_chat(messages: list | None, history: list | None) -> dict:
    """What the browser keeps of a conversation: its newest messages and the turns follow-ups need."""
    kept = [m for m in map(message_dict, list(messages or [])[-SAVED_MESSAGES:]) if m]
    return {"messages": kept, "history": list(history or [])[-(SAVED_MESSAGES // 2) :]}


def restored_chat(saved: object) -> tuple[list, list]:
    """(messages, history) from what the browser kept; anything malformed gives an empty chat."""
    if not isinstance(saved, dict):
        return [], []
    messages = [m for m in map(message_dict, saved.get("messages") or []) if m]
    history = [
        [str(pair[0]), str(pair[1])]
        for pair in saved.get("history") or []
        if isinstance(pair, (list, tuple)) and len(pair) == 2
    ]
    return messages, history


def saved_state(chatbot: gr.Chatbot, history: gr.State, data_dir: Path) -> tuple[gr.BrowserState, dict]:
    """The browser's copy of the chat, and the options of the event that saves the chat into it.

    The chat's events run the save after each change (``.then(**save)``), outside the queue.
    """
    saved = gr.BrowserState(saved_chat([], []), storage_key=SAVED_KEY, secret=browser_secret(data_dir))
    save = dict(fn=saved_chat, inputs=[chatbot, history], outputs=[saved], api_visibility="private", queue=False)
    return saved, save


def restore_on_load(app: gr.Blocks, saved: gr.BrowserState, chatbot: gr.Chatbot, history: gr.State) -> None:
    """On each page load, put the conversation the browser kept back into the chat."""
    app.load(restored_chat, inputs=[saved], outputs=[chatbot, history], api_visibility="private", queue=False)
