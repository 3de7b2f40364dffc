"""The cite stage: a composition becomes the answer text, each quoted span followed by its [n]."""

from __future__ import annotations

import re

from ..store.index import Index
from ..text.sentences import BULLETS
from ..text.terms import STOPWORDS, words
from .analysis import QuestionAnalysis
from .compose import Composition
from .qtypes import SPECS, QType
from .types import REFUSAL, Answer, AnswerSentence, Citation, Span, balance_quotes

# the yes/no composer's lead when the evidence neither affirms nor denies: not a short answer
_NO_VERDICT = "The sources say"
# an unordered list item's own marker, as a plain text writes it too ("* ", "- ")
_ITEM_BULLET = re.compile(rf"^[{BULLETS}] ")


def citation(index: Index, n: int, span: Span) -> Citation:
    """Citation ``n`` of a span: its passage, the span's offsets, and the page(s) and section of the
    span itself (a passage may run over a page break; the reader needs the cited sentence's page)."""
    p = index.passages[span.pid]
    doc = index.documents[p.doc_id]
    page, page_end, section = index.place(doc.doc_id, span.start, span.end)
    return Citation(
        n,
        doc.doc_id,
        doc.source,
        doc.title,
        p.start,
        p.end,
        p.text,
        round(float(span.score), 4),
        span.start,
        span.end,
        page,
        page_end,
        section,
    )


def render(index: Index, question: str, query: str, a: QuestionAnalysis, composed: Composition) -> Answer:
    """The answer text: the short answer, then each span quoted and cited (bullets for several items)."""
    citations: list[Citation] = []
    numbers: dict[tuple[int, int, int], int] = {}
    parts, sentences = [], []
    for i, sp in enumerate(composed.spans):
        key = (sp.pid, sp.start, sp.end)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(citation(index, numbers[key], sp))
        doc_id = index.passages[sp.pid].doc_id
        text = balance_quotes(index.documents[doc_id].text[sp.start : sp.end])
        label = composed.labels[i] if i < len(composed.labels) else ""
        parts.append(
            f"{label}: {text} [{numbers[key]}]"
            if label and label not in text[: len(label) + 40]
            else f"{text} [{numbers[key]}]"
        )
        sentences.append(AnswerSentence(text, [numbers[key]], True))
    # a list item quoted as a bullet of the answer goes without its own bullet ("- • built-in rules.", "- * ...")
    body = "\n".join(f"- {_ITEM_BULLET.sub('', p)}" for p in parts) if composed.bullets else " ".join(parts)
    short = composed.short if SPECS[a.qtype].short and not _echoes(composed.short, query) else None
    lead = f"{short}." if a.qtype == QType.YES_NO and short in ("Yes", "No") else f"{short}:" if short else ""
    text = f"{lead}\n{body}" if lead else body
    return Answer(
        question,
        text,
        False,
        citations,
        query,
        sentences=sentences,
        question_type=str(a.qtype),
        short_answer=short if short not in (None, _NO_VERDICT) else None,
    )


def _echoes(short: str | None, question: str) -> bool:
    """Whether a short answer only repeats the question ("Ninja" for "what project did ninja come out of?"): each
    of its content words is one of the question's, and the question offers no choice between them ("... A or B?").
    A yes/no verdict is never an echo ("Do the sources say ...?" keeps its "The sources say")."""
    if not short or short in ("Yes", "No", _NO_VERDICT) or re.search(r"\bor\b", question, re.I):
        return False
    asked = {w.lower() for w in words(question)}
    content = [w.lower() for w in words(short) if w.lower() not in STOPWORDS]
    return bool(content) and all(w in asked for w in content)


def refuse(
    index: Index, question: str, query: str, nearest: list[Span], qtype: str = "", message: str = REFUSAL
) -> Answer:
    """A refusal, with up to three nearest passages shown as "not an answer" (one per passage)."""
    shown: list[Citation] = []
    seen: set[int] = set()
    for sp in nearest:
        if sp.pid not in seen:
            seen.add(sp.pid)
            shown.append(citation(index, len(shown) + 1, sp))
        if len(shown) == 3:
            break
    return Answer(question, message, True, [], query, shown, question_type=qtype)
