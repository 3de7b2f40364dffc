"""Open the original: where the "open" link of every source card leads, and the route serving PDF files.

A PDF card links to the file itself, ``/original/{doc_id}/{file name}[?sig=...]#page=N``:
the browser's PDF viewer honours ``#page=N``, the page the cited sentence starts on. Other
cards (text, Markdown, HTML, Word, and documents with no file) link to the source view
(ui/source_view.py): the document's clean text scrolled to the cited sentence, marked.
Browsers have no viewer that opens those files at a sentence, and an HTML file served
from the app's own origin could run its scripts there.

The route serves a file read-only, and only when the current index's manifest records it
as one of that document's files (its ``source`` or ``aliases``), it is a PDF, and its real
path, after every symbolic link, is a regular file inside one of the index's recorded
sources. Anything else is 404 with no file content: an unknown id, a name the document
does not have (a path traversal is one), a document removed by a rebuild, a file gone from
disk, or a link swapped in that points outside the sources. Who may open it follows the
source view's rules (ui/access.py): a signed link, a bearer token, or a login to the chat.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from rag import Citation

from .access import Access
from .source_view import message_page, not_authorised, source_path

PDF = ".pdf"
FILE_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def is_pdf(source: str) -> bool:
    """Whether a document's recorded file is a PDF (by its name, as the reader was chosen at ingest)."""
    return Path(source).suffix.lower() == PDF


def original_path(doc_id: str, name: str, access: Access) -> str:
    """The link to the original file ``name`` of ``doc_id``, relative to the server's root (signed when access needs it)."""
    sig = access.sign_file(doc_id, name)
    query = f"?{urlencode({'sig': sig})}" if sig else ""
    return f"original/{quote(doc_id, safe='')}/{quote(name, safe='')}{query}"


def open_href(c: Citation, access: Access) -> str:
    """Where citation ``c``'s "open" leads: its PDF at the page of the cited sentence, else the source view marking it."""
    if is_pdf(c.source):
        return original_path(c.doc_id, Path(c.source).name, access) + (f"#page={c.page}" if c.page else "")
    return source_path(c.doc_id, c.sentence_start, c.sentence_end, access)


def open_links(access: Access) -> Callable[[Citation], str]:
    """``open_href`` under ``access``, as the chat's renderer takes it."""
    return lambda c: open_href(c, access)


def _inside(real: Path, roots: list[Path]) -> bool:
    """Whether ``real`` is one of ``roots`` (a source file) or inside one of them (a source folder)."""
    return any(real == root or real.is_relative_to(root) for root in roots)


def real_pdf(recorded: Path, roots: list[Path]) -> Path | None:
    """The real path of the recorded file when it is a regular PDF file inside the sources ``roots``, else None.

    ``roots`` are the manifest's sources as recorded (resolved when they were indexed), not resolved
    again: a source folder replaced by a link since then does not widen what is served.
    """
    try:
        real = recorded.resolve(strict=True)
    except (OSError, RuntimeError):  # gone, unreadable, or a link loop
        return None
    if not real.is_file() or real.suffix.lower() != PDF or not _inside(real, roots):
        return None
    return real


def recorded_file(manifest: dict, doc_id: str, name: str) -> Path | None:
    """The file to serve for ``/original/{doc_id}/{name}``: the real path of the file named ``name`` among the
    files the manifest records for ``doc_id``, when it is a PDF inside the sources (see :func:`real_pdf`); else None."""
    doc = next((d for d in manifest.get("documents", []) if d.get("doc_id") == doc_id), None)
    if doc is None:
        return None
    roots = [Path(s) for s in manifest.get("sources", []) if s]
    for recorded in (doc.get("source", ""), *doc.get("aliases", [])):
        if recorded and Path(recorded).name == name and is_pdf(recorded):
            real = real_pdf(Path(recorded), roots)
            if real is not None:
                return real
    return None


def not_available() -> Response:
    """The 404 of every refused file: the same page whatever the reason, so it tells nothing about the disk."""
    return message_page(
        404,
        "Not available",
        "No file of that name is indexed for that document now (a rebuild "
        "may have removed it, or the file may have moved); only indexed PDF files are served.",
    )


def original_router(manifest: Callable[[], dict], access: Access) -> APIRouter:
    """The route serving original PDF files; ``manifest()`` gives the current index's manifest (it follows rebuilds)."""
    router = APIRouter()

    @router.get("/original/{doc_id}/{name:path}", include_in_schema=False)
    def original(request: Request, doc_id: str, name: str, sig: str | None = None) -> Response:
        if not access.may_open(request, access.file_link_ok(doc_id, name, sig)):
            return not_authorised()
        path = recorded_file(manifest(), doc_id, name)
        if path is None:
            return not_available()
        return FileResponse(
            path, media_type="application/pdf", filename=name, content_disposition_type="inline", headers=FILE_HEADERS
        )

    return router
