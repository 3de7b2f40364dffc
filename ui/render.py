"""HTML for chat messages, the sources panel and the status line.

Every piece of text that comes from a document, a file name or a user is
passed through :func:`html.escape` here; nothing else in the UI builds HTML
from such text. The output has no newlines, so Gradio's markdown pass (if any)
sees one raw HTML block and never re-interprets document text as markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from rag import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")
OpenLink = Callable[[Citation], str]  # a citation -> the href of its card's "open" link


def esc(text: object) -> str:
    """Escape for HTML text and attribute values; newlines become <br>."""
    return html.escape(str(text), quote=True).replace("\r", "").replace("\n", "<br>")


def anchor_id(turn: str, n: int) -> str:
    """The element id of source ``n`` of turn ``turn`` (a short token unique on the page)."""
    return f"rag-src-{turn}-{n}"


def _link_markers(escaped: str, turn: str | None, numbers: set[int]) -> str:
    """Turn [n] markers (already escaped text) into links to their source."""

    def repl(m: re.Match) -> str:
        n = int(m.group(1))
        if turn is None or n not in numbers:
            return f'<span class="rag-cite-pending">[{n}]</span>'
        return f'<a class="rag-cite" href="#{anchor_id(turn, n)}" title="Show source {n}">[{n}]</a>'

    return _MARKER.sub(repl, escaped)


def answer_body(text: str, turn: str | None = None, numbers: set[int] | None = None, short: str | None = None) -> str:
    """The answer text as HTML: the short answer (its first line) in bold, "- " lines as a list, [n] markers as links."""
    numbers = numbers or set()
    lines = [ln for ln in text.split("\n") if ln.strip()]
    lead = ""
    if short and lines and lines[0].rstrip(":.") == short:
        lead = f'<p class="rag-short"><strong>{esc(short)}</strong></p>'
        lines = lines[1:]
    if lines and all(ln.lstrip().startswith("- ") for ln in lines):
        items = "".join(f"<li>{_link_markers(esc(ln.lstrip()[2:]), turn, numbers)}</li>" for ln in lines)
        return f'{lead}<ul class="rag-bullets">{items}</ul>'
    return lead + "".join(f"<p>{_link_markers(esc(ln), turn, numbers)}</p>" for ln in lines)


def checked_body(sentences, turn: str, numbers: set[int]) -> str:
    """A generated answer, sentence by sentence: unsupported sentences are visibly marked."""
    parts = []
    for s in sentences:
        cites = "".join(f"[{n}]" for n in s.citations)
        text = _link_markers(esc(f"{s.text} {cites}".rstrip()), turn, numbers)
        if s.supported:
            parts.append(f'<span class="rag-supported">{text}</span>')
        else:
            parts.append(
                f'<span class="rag-unsupported" title="Not supported by the cited sources">{text}'
                '<span class="rag-flag">not supported by the sources</span></span>'
            )
    return "<p>" + " ".join(parts) + "</p>"


def _file_name(source: str) -> str:
    return Path(source).name or source


def passage_html(c: Citation, highlight: bool = True) -> str:
    """The passage of citation ``c`` with its supporting sentence in <mark> (offsets relative to the passage)."""
    text = c.text
    s = max(0, min(len(text), c.sentence_start - c.start))
    e = max(s, min(len(text), c.sentence_end - c.start))
    if not highlight or e <= s:
        return esc(text)
    return f"{esc(text[:s])}<mark>{esc(text[s:e])}</mark>{esc(text[e:])}"


def place_html(c: Citation) -> str:
    """Where the cited sentence is in the original ("p. 12", "§ Findings › Mosul"), escaped; "" when unknown."""
    label = c.place_label()
    return f'<span class="rag-place">{esc(label)}</span> ' if label else ""


def open_html(c: Citation, open_link: OpenLink | None) -> str:
    """The card's "open" link to the original at the cited place (a new tab); "" without ``open_link``."""
    if open_link is None:
        return ""
    where = c.place_label() or "the cited sentence"
    return (
        f'<a class="rag-open" href="{esc(open_link(c))}" target="_blank" rel="noopener noreferrer" '
        f'title="{esc(f"Open {_file_name(c.source)} at {where}")}">open</a> '
    )


def _source_item(c: Citation, turn: str, highlight: bool, open_link: OpenLink | None) -> str:
    return (
        f'<li class="rag-source" id="{anchor_id(turn, c.n)}">'
        f'<div class="rag-source-head"><span class="rag-n">[{c.n}]</span> '
        f'<span class="rag-title">{esc(c.title)}</span> '
        f'<span class="rag-file" title="{esc(c.source)}">{esc(_file_name(c.source))}</span> '
        f"{place_html(c)}{open_html(c, open_link)}"
        f'<span class="rag-score">score {c.score:.2f}</span></div>'
        f'<blockquote class="rag-passage">{passage_html(c, highlight)}</blockquote></li>'
    )


def understood_html(answer: Answer) -> str:
    """The question as the engine took it, when a follow-up was rewritten to stand alone ("What license is it
    under?" -> "What license is Faiss under?"); empty otherwise."""
    asked = " ".join((getattr(answer, "question", "") or "").split())
    taken = " ".join((getattr(answer, "standalone_question", "") or "").split())
    if not taken or taken.rstrip(" ?") == asked.rstrip(" ?"):
        return ""
    return f'<p class="rag-understood">Understood as: <q>{esc(taken)}</q></p>'


def answer_html(answer: Answer, turn: str, open_link: OpenLink | None = None) -> str:
    """A finished answer: the text with linked markers, then its sources (or, for a refusal, the nearest passages).

    ``open_link(citation)`` gives the href of each source card's "open" link (ui/originals.py); without it,
    cards have none.
    """
    if answer.refused:
        parts = [
            '<div class="rag-answer rag-refusal">',
            understood_html(answer),
            '<p class="rag-refusal-label"><strong>Not answered.</strong> ',
            f"{esc(answer.answer)}</p>",
        ]
        if answer.nearest:
            items = "".join(_source_item(c, turn, False, open_link) for c in answer.nearest)
            parts.append(
                '<details class="rag-sources rag-nearest"><summary>Nearest passages '
                f"({len(answer.nearest)}) &mdash; not an answer</summary><ol>{items}</ol></details>"
            )
        if getattr(answer, "note", ""):
            parts.append(f'<p class="rag-note">{esc(answer.note)}</p>')
        parts.append("</div>")
        return "".join(parts)
    numbers = {c.n for c in answer.citations}
    items = "".join(_source_item(c, turn, True, open_link) for c in answer.citations)
    label = "source" if len(answer.citations) == 1 else "sources"
    note = getattr(answer, "note", "")
    generated = getattr(answer, "engine", "extractive") != "extractive" and getattr(answer, "sentences", None)
    body = (
        checked_body(answer.sentences, turn, numbers)
        if generated
        else answer_body(answer.answer, turn, numbers, getattr(answer, "short_answer", None))
    )
    return (
        '<div class="rag-answer">'
        + understood_html(answer)
        + f'<div class="rag-text">{body}</div>'
        + (f'<p class="rag-note">{esc(note)}</p>' if note else "")
        + f'<details class="rag-sources" open><summary>{len(answer.citations)} {label}</summary><ol>{items}</ol></details>'
        + ACTIONS
        + "</div>"
    )


# A finished answer's own copy link: ui/app.js copies the answer's text and its sources as plain text (Gradio's
# copy button would copy the message's HTML).
ACTIONS = (
    '<p class="rag-actions"><a class="rag-copy" href="#" role="button" '
    'title="Copy the answer and its sources as text">Copy</a></p>'
)
STOPPED = "Stopped before the answer was complete."


def partial_html(text: str) -> str:
    """An answer still streaming in (markers not linked yet)."""
    return f'<div class="rag-answer rag-streaming"><div class="rag-text">{answer_body(text)}</div></div>'


def stopped_html(streaming: str) -> str:
    """An answer the user stopped while it streamed in (``streaming``: its partial_html), marked as such."""
    marked = streaming.replace("rag-answer rag-streaming", "rag-answer rag-stopped", 1)
    at = marked.rfind("</div>")
    return marked[:at] + f'<p class="rag-note rag-stopped-note">{esc(STOPPED)}</p>' + marked[at:] if at >= 0 else marked


def user_html(question: str) -> str:
    return f'<div class="rag-question">{esc(question)}</div>'


_TAG = re.compile(r"<[^>]*>")


def plain_text(message_html: str) -> str:
    """The text of a chat message built here (a question, or an answer's text without its sources)."""
    text = message_html.split('<details class="rag-sources', 1)[0]  # an answer's sources are not its text
    text = text.replace("<br>", "\n").replace("</p>", "\n").replace("</li>", "\n")
    return html.unescape(_TAG.sub("", text)).strip()


def status_markdown(manifest: dict, engine: str) -> str:
    """One status line: model, documents, passages, build time, engine."""
    built = str(manifest.get("built_at", "?")).replace("T", " ").replace("+00:00", " UTC")
    return (
        f"**Model** {esc(manifest.get('model', '?'))} ({esc(manifest.get('dim', '?'))}-d) · "
        f"**Documents** {len(manifest.get('documents', []))} · "
        f"**Passages** {esc(manifest.get('passages', '?'))} · "
        f"**Index built** {esc(built)} · "
        f"**Engine** {esc(engine)}"
    )
