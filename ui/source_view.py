"""A page showing one indexed document with a cited sentence marked: where an answer's links lead.

``GET /source/{doc_id}?start=S&end=E[&sig=...]#cited`` returns the document's clean text
(the text every offset refers to) with characters S..E in ``<mark id="cited">``,
scrolled into view. Everything from the document is HTML-escaped, and the page's
Content-Security-Policy allows no outside resource. The OpenAI-compatible API puts these
links in its ``url_citation`` annotations (ui/openai_api.py).
"""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rag import Document

from .access import Access

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STYLE = """
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 46em;
  padding: 1.5em; color: #1f2328; }
h1 { font-size: 1.3em; margin: 0 0 .2em 0; }
.src { font-family: ui-monospace, monospace; font-size: .85em; color: #57606a; margin: 0 0 1.2em 0; }
.doc { white-space: pre-wrap; }
mark { background: #ffe58a; color: #111; padding: .05em .1em; border-radius: 2px; scroll-margin: 40vh; }
"""


def source_path(doc_id: str, start: int, end: int, access: Access) -> str:
    """The source view of ``doc_id`` marking ``start``..``end``, relative to the server's root (signed when access
    needs it): the chat's source cards link to it relatively, so it works under any path the app is served at."""
    query: dict[str, int | str] = {"start": start, "end": end}
    sig = access.sign(doc_id, start, end)
    if sig:
        query["sig"] = sig
    return f"source/{quote(doc_id, safe='')}?{urlencode(query)}#cited"


def source_link(base_url: str, doc_id: str, start: int, end: int, access: Access) -> str:
    """The absolute URL of the source view of ``doc_id`` marking ``start``..``end`` (signed when access needs it)."""
    return f"{base_url.rstrip('/')}/{source_path(doc_id, start, end, access)}"


def source_page(doc: Document, start: int, end: int) -> str:
    """The HTML page: title, source, and the whole text with ``start``..``end`` marked (all escaped)."""
    text = doc.text
    before, cited, after = (html.escape(t) for t in (text[:start], text[start:end], text[end:]))
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(doc.title)}</title><style>{STYLE}</style></head><body>"
        f'<h1>{html.escape(doc.title)}</h1><p class="src">{html.escape(doc.source)}</p>'
        f'<div class="doc">{before}<mark id="cited">{cited}</mark>{after}</div>'
        "<script>var m = document.getElementById('cited'); if (m) m.scrollIntoView({block: 'center'});</script>"
        "</body></html>\n"
    )


def message_page(status: int, title: str, text: str, extra: dict | None = None) -> HTMLResponse:
    """A short HTML page saying why a request is refused (``status``); it shows nothing of any document."""
    body = (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>\n"
    )
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **(extra or {})})


def not_authorised() -> HTMLResponse:
    """The 401 page of a source view or original file asked for without a signed link, token or login."""
    return message_page(
        401,
        "Not authorised",
        "This link is not signed for this server; log in to the chat first, or send Authorization: Bearer <key>.",
        {"WWW-Authenticate": "Bearer"},
    )


def source_router(documents, access: Access) -> APIRouter:
    """The source-view route; ``documents()`` gives the current index's {doc_id: Document} (it follows rebuilds)."""
    router = APIRouter()

    @router.get("/source/{doc_id}", include_in_schema=False)
    def source(request: Request, doc_id: str, start: int = 0, end: int = 0, sig: str | None = None) -> HTMLResponse:
        if not access.may_open(request, access.link_ok(doc_id, start, end, sig)):
            return not_authorised()
        doc = documents().get(doc_id)
        if doc is None:
            return message_page(
                404, "Not indexed", f"No document with id {doc_id} is indexed now (a rebuild may have removed it)."
            )
        if not 0 <= start <= end <= len(doc.text):
            return message_page(400, "Bad offsets", f"start and end must satisfy 0 <= start <= end <= {len(doc.text)}.")
        return HTMLResponse(source_page(doc, start, end), headers=HEADERS)

    return router
