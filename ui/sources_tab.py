"""The Sources tab: the indexed documents, uploads that rebuild the index, and removing a document.

A build runs one at a time (the library serialises them too) beside the chat, which keeps
answering from the old index until the new one is loaded. Messages are a little HTML;
everything in them that comes from a file, a user or the library is escaped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from rag import Assistant, BuildReport, IndexError_

from . import render
from .uploads import ALLOWED_SUFFIXES, MAX_UPLOAD_LABEL, Stored, store_uploads

MODE_ADD = "Add to the current sources"
MODE_REPLACE = "Replace the current sources"
DOC_HEADERS = ["Title", "File", "Passages", "Content hash", "Added"]
# Documents listed on the page: every page load carries the list, and 41,000 documents made
# its configuration 13.7 MB; beyond this many, a document is removed by typing its file name.
DOC_ROWS = 1000


# -- views of the index -----------------------------------------------------------
def _file_names(doc: dict) -> list[str]:
    """The names of a manifest document's files: its source and its aliases."""
    return [Path(s).name for s in [doc.get("source", ""), *doc.get("aliases", [])]]


def documents_frame(manifest: dict, limit: int = DOC_ROWS) -> pd.DataFrame:
    """The first ``limit`` documents of the index as a table."""
    rows = [
        [
            d.get("title", ""),
            ", ".join(_file_names(d)),
            d.get("passages", 0),
            d.get("sha256", "")[:12],
            str(d.get("added_at", "")).replace("T", " ").replace("+00:00", " UTC"),
        ]
        for d in manifest.get("documents", [])[:limit]
    ]
    return pd.DataFrame(rows, columns=DOC_HEADERS)


def listed_note(manifest: dict, limit: int = DOC_ROWS) -> str:
    """For an index of more than ``limit`` documents, a line saying the page lists only the first ones."""
    n = len(manifest.get("documents", []))
    return (
        f"\n\nThe Sources tab lists the first {limit:,} of the {n:,} documents; `rag info` lists them all."
        if n > limit
        else ""
    )


def remove_choices(manifest: dict, limit: int = DOC_ROWS) -> list[tuple[str, str]]:
    """(label, doc_id) of the first ``limit`` documents, for the remove selector."""
    return [
        (f"{d.get('title', '')[:70]} ({Path(d.get('source', '')).name})", d["doc_id"])
        for d in manifest.get("documents", [])[:limit]
    ]


def find_document(manifest: dict, wanted: str) -> str:
    """The doc_id of the document ``wanted`` names: its id, or the name of one of its files (any case).

    Raises ValueError saying why when no document, or more than one, answers to the name.
    """
    wanted = wanted.strip()
    docs = manifest.get("documents", [])
    if any(d["doc_id"] == wanted for d in docs):
        return wanted
    named = [d["doc_id"] for d in docs if wanted.lower() in {n.lower() for n in _file_names(d)}]
    if not named:
        raise ValueError(f"no indexed document has the file name or id '{wanted}'")
    if len(named) > 1:
        raise ValueError(
            f"{len(named)} indexed documents have files named '{wanted}'; choose one from the list or give its id"
        )
    return named[0]


def build_message(ok: bool, text: str) -> str:
    """A build's outcome as the message under the tab (``text`` is HTML, already escaped)."""
    cls = "rag-msg-ok" if ok else "rag-msg-error"
    return f'<div class="{cls}">{text}</div>'


# -- the tab ---------------------------------------------------------------------------
@dataclass
class SourcesTab:
    """The Sources tab's components that events read or write."""

    docs_table: gr.Dataframe
    uploads: gr.File
    mode: gr.Radio
    rebuild: gr.Button
    remove_choice: gr.Dropdown
    remove: gr.Button
    build_msg: gr.Markdown


def sources_tab(manifest: dict) -> SourcesTab:
    """Lay out the Sources tab (inside ``gr.Tabs``): the documents, the upload and rebuild column, the remove column."""
    with gr.Tab("Sources", id="sources"):
        docs_table = gr.Dataframe(
            value=documents_frame(manifest),
            headers=DOC_HEADERS,
            interactive=False,
            wrap=True,
            label="Indexed documents",
            elem_id="rag-docs",
            datatype=["str", "str", "number", "str", "str"],
            column_widths=["38%", "22%", "10%", "14%", "16%"],
        )
        with gr.Row():
            with gr.Column(scale=3):
                uploads = gr.File(
                    label=f"Upload documents ({', '.join(ALLOWED_SUFFIXES)}; up to {MAX_UPLOAD_LABEL} each)",
                    file_count="multiple",
                    file_types=list(ALLOWED_SUFFIXES),
                    type="filepath",
                    elem_id="rag-upload",
                )
                mode = gr.Radio(
                    [MODE_ADD, MODE_REPLACE], value=MODE_ADD, label="Uploaded files are", elem_id="rag-mode"
                )
                rebuild = gr.Button("Rebuild index", variant="primary", elem_id="rag-rebuild")
            with gr.Column(scale=2):
                remove_choice = gr.Dropdown(
                    choices=remove_choices(manifest),
                    value=None,
                    label="Remove a document",
                    allow_custom_value=True,
                    info="Choose one, or type its file name.",
                    elem_id="rag-remove-choice",
                )
                remove = gr.Button("Remove document", variant="stop", elem_id="rag-remove")
        build_msg = gr.Markdown(elem_id="rag-build-msg", min_height=90)
    return SourcesTab(docs_table, uploads, mode, rebuild, remove_choice, remove, build_msg)


class Sources:
    """The Sources tab's handlers over ``assistant``: the views of the current index, rebuild and remove.

    Uploads are stored under ``<data_dir>/uploads``.
    """

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.uploads_dir = (Path(assistant.settings.data_dir) / "uploads").resolve()

    def short(self, text: object) -> str:
        """A library message, escaped, with the uploads folder's absolute path shortened (it is the server's business)."""
        return render.esc(str(text).replace(str(self.uploads_dir) + os.sep, "uploads/"))

    def status_text(self) -> str:
        """The status line of the current index (model, documents, passages, build time, engine)."""
        m = self.assistant.index.manifest
        return render.status_markdown(m, self.assistant.engine_name) + listed_note(m)

    def index_views(self) -> tuple:
        """The status line, the documents table and the remove choices of the current index."""
        m = self.assistant.index.manifest
        return self.status_text(), documents_frame(m), gr.update(choices=remove_choices(m), value=None)

    def rebuild(self, files: list[str] | None, mode: str, progress=gr.Progress()):
        """Store uploads under the data directory and rebuild the index (add to or replace the sources)."""
        files = [f for f in (files or []) if f]
        add = (mode or MODE_ADD) != MODE_REPLACE
        stored = store_uploads(files, self.uploads_dir) if files else None
        notes = ["Refused: " + "; ".join(render.esc(r) for r in stored.refused)] if stored and stored.refused else []
        if stored is not None and not stored.paths:
            msg = build_message(False, "Nothing was indexed. " + " ".join(notes) + " The index is unchanged.")
            return (msg, *self.index_views(), None)
        paths = list(dict.fromkeys(stored.paths)) if stored else []
        progress(0.0, desc="Starting the build")
        try:
            report = self.assistant.rebuild(paths, add=add, progress=lambda frac, text: progress(frac, desc=text))
        except (IndexError_, OSError, ValueError) as exc:
            return (self._failed(exc, stored, notes), *self.index_views(), gr.skip())
        return (build_message(True, self._rebuilt(report, paths, add, notes)), *self.index_views(), None)

    def _failed(self, exc: Exception, stored: Stored | None, notes: list[str]) -> str:
        """The message of a build that failed; the uploads it created are discarded (the old index keeps serving)."""
        if stored:
            stored.discard_created()
        return build_message(
            False,
            f"<strong>Rebuild failed:</strong> {self.short(exc)}. The previous index is still "
            "answering questions." + (" " + " ".join(notes) if notes else ""),
        )

    def _rebuilt(self, report: BuildReport, paths: list[Path], add: bool, notes: list[str]) -> str:
        """The text of a build that succeeded: what was indexed, how much, how long, and what was skipped or refused."""
        what = "Refreshed the recorded sources" if not paths else ("Added" if add else "Replaced the sources with")
        if paths:
            what += " " + ", ".join(render.esc(p.name) for p in paths)
        text = (
            f"<strong>Index rebuilt.</strong> {what}: {report.documents} document(s), {report.passages} passage(s) "
            f"in {report.seconds:.1f} s."
        )
        if report.skipped:
            text += (
                " Skipped: "
                + "; ".join(f"{render.esc(Path(p).name)} ({self.short(r)})" for p, r in report.skipped)
                + "."
            )
        if notes:
            text += " " + " ".join(notes)
        return text

    def remove(self, doc_id: str | None, progress=gr.Progress()):
        """Rebuild the index without one document (by doc_id, or the name of one of its files)."""
        if not doc_id:
            return (build_message(False, "Choose a document to remove."), *self.index_views())
        manifest = self.assistant.index.manifest
        try:
            doc_id = find_document(manifest, doc_id)  # chosen, or typed as a file name
        except ValueError as exc:
            return (build_message(False, f"<strong>Not removed:</strong> {render.esc(exc)}."), *self.index_views())
        title = next((d.get("title", "") for d in manifest.get("documents", []) if d["doc_id"] == doc_id), doc_id)
        try:
            report = self.assistant.remove_document(doc_id, progress=lambda frac, text: progress(frac, desc=text))
        except (KeyError, ValueError, IndexError_, OSError) as exc:
            reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            return (build_message(False, f"<strong>Not removed:</strong> {render.esc(reason)}."), *self.index_views())
        text = (
            f"<strong>Removed</strong> {render.esc(title)}. The index now has {report.documents} document(s), "
            f"{report.passages} passage(s)."
        )
        return (build_message(True, text), *self.index_views())


def wire_sources(app: gr.Blocks, tab: SourcesTab, sources: Sources, status_md: gr.Markdown) -> None:
    """Connect rebuild and remove (named API endpoints /rebuild and /remove), and refresh the views on each page load.

    One build at a time; answers keep their own concurrency group.
    """
    build_opts: dict[str, Any] = dict(concurrency_limit=1, concurrency_id="build", show_progress_on=[tab.build_msg])
    tab.rebuild.click(
        sources.rebuild,
        inputs=[tab.uploads, tab.mode],
        outputs=[tab.build_msg, status_md, tab.docs_table, tab.remove_choice, tab.uploads],
        api_name="rebuild",
        **build_opts,
    )
    tab.remove.click(
        sources.remove,
        inputs=[tab.remove_choice],
        outputs=[tab.build_msg, status_md, tab.docs_table, tab.remove_choice],
        api_name="remove",
        **build_opts,
    )
    app.load(
        sources.index_views,
        outputs=[status_md, tab.docs_table, tab.remove_choice],
        api_visibility="private",
        queue=False,
    )
